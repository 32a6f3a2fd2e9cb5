"""Faults, for real (DESIGN.md "Failure"): a second gunicorn started against a Redis port
where nothing listens, and one against a database that does not answer, beside one that
works, as tests/test_scale_out.py starts them. What readers and editors get is asserted over
HTTP. Runs in CI's PostgreSQL + Redis pass; skipped on SQLite (an in-memory test database
cannot be shared between processes)."""

import http.cookiejar
import json
import re
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone

from articles.models import Article
from tests.factories import PublishedArticleFactory
from tests.servers import fetch, free_port

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db(transaction=True)


def get(url, opener=None):
    """(status, headers, body) of a GET, whatever the status."""
    try:
        with (opener or urllib.request.build_opener()).open(url, timeout=15) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def max_age(headers):
    control = dict(
        part.strip().partition("=")[::2] for part in headers["Cache-Control"].split(",")
    )
    return max(int(control.get("max-age", 0)), int(control.get("s-maxage", 0)))


def log_in(opener, url):
    password = PBKDF2PasswordHasher().encode("pw", "fault5alt", iterations=1000)
    from django.contrib.auth import get_user_model

    get_user_model().objects.create(
        username="desk", password=password, is_staff=True, is_superuser=True
    )
    login = fetch(opener, f"{url}/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login).group(1)
    fetch(
        opener,
        f"{url}/admin/login/?next=/admin/",
        {"csrfmiddlewaretoken": token, "username": "desk", "password": "pw"},
    )


def test_with_redis_down_readers_read_and_editors_unpublish(gunicorn):
    article = PublishedArticleFactory(title="Read without a cache")
    host = gunicorn(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")

    for path, expected in (("/", 200), (article.get_absolute_url(), 200), ("/nothing-here/", 404)):
        status, headers, body = get(f"{host}{path}")
        assert status == expected, (path, body[:200])
        assert max_age(headers) <= 10, path
    assert "Read without a cache" in get(f"{host}/")[2]

    status, _headers, body = get(f"{host}/healthz")
    assert status == 200
    assert json.loads(body) == {
        "status": "degraded",
        "time_zone": True,
        "database": True,
        "cache": False,
        "tasks": True,
    }

    editor = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    log_in(editor, host)
    changelist = fetch(editor, f"{host}/admin/articles/article/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', changelist).group(1)
    fetch(  # a 500 would raise here
        editor,
        f"{host}/admin/articles/article/",
        {
            "csrfmiddlewaretoken": token,
            "action": "unpublish",
            "_selected_action": [article.pk],
            "index": "0",
        },
    )
    article.refresh_from_db()
    assert article.status == Article.Status.UNPUBLISHED
    assert get(f"{host}{article.get_absolute_url()}")[0] == 404


def test_with_the_database_down_cached_pages_are_served_and_misses_get_a_503(gunicorn):
    # Older than the newest story, which gunicorn's master reads once before it forks.
    never_read = PublishedArticleFactory(
        title="Never read before the outage", published_at=timezone.now() - timedelta(days=3)
    )
    cached = PublishedArticleFactory(title="Cached before the outage")
    healthy = gunicorn()
    assert get(f"{healthy}{cached.get_absolute_url()}")[0] == 200
    assert get(f"{healthy}/")[0] == 200
    cut_off = gunicorn(DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/ifp")

    for path in (cached.get_absolute_url(), "/"):
        status, headers, body = get(f"{cut_off}{path}")
        assert status == 200, (path, body[:300])
        assert headers["X-Page-Cache"] in {"hit", "stale"}
    assert "Cached before the outage" in get(f"{cut_off}{cached.get_absolute_url()}")[2]

    for path in (never_read.get_absolute_url(), "/search/?q=outage", "/nothing-here/"):
        status, headers, body = get(f"{cut_off}{path}")
        assert status == 503, (path, body[:300])
        assert "not available just now" in body
        assert headers["Retry-After"]
        assert "Traceback" not in body

    status, _headers, body = get(f"{cut_off}/healthz")
    assert status == 503
    assert json.loads(body) == {
        "status": "failing",
        "time_zone": True,
        "database": False,
        "cache": True,
        "tasks": False,
    }
