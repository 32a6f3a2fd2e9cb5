"""Two gunicorn instances sharing one PostgreSQL and one Redis: publishing
through one shows at once through the other, because the page cache's generation lives
in Redis, not in either instance. Runs in CI's PostgreSQL + Redis pass; skipped on SQLite
(an in-memory test database cannot be shared between processes)."""

import http.cookiejar
import re
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests.factories import DraftArticleFactory, PublishedArticleFactory
from tests.servers import fetch

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_instances(gunicorn):
    return [gunicorn(), gunicorn()]


def test_publishing_through_one_instance_shows_at_once_through_the_other(
    two_instances, django_user_model
):
    first, second = two_instances
    PublishedArticleFactory(title="Yesterdays story")
    story = DraftArticleFactory(title="Breaking across hosts")
    # Hashed as the gunicorn instances check passwords (tests use a faster hasher).
    password = PBKDF2PasswordHasher().encode("pw", "scale0ut5alt", iterations=1000)
    django_user_model.objects.create(
        username="desk", password=password, is_staff=True, is_superuser=True
    )
    reader = urllib.request.build_opener()
    assert "Yesterdays story" in fetch(reader, f"{second}/")
    assert "Breaking across hosts" not in fetch(reader, f"{second}/")  # now cached there

    editor = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    login = fetch(editor, f"{first}/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login).group(1)
    fetch(
        editor,
        f"{first}/admin/login/?next=/admin/",
        {"csrfmiddlewaretoken": token, "username": "desk", "password": "pw"},
    )
    changelist = fetch(editor, f"{first}/admin/articles/article/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', changelist).group(1)
    fetch(
        editor,
        f"{first}/admin/articles/article/",
        {
            "csrfmiddlewaretoken": token,
            "action": "publish_now",
            "_selected_action": [story.pk],
            "index": "0",
        },
    )

    page = fetch(reader, f"{second}/")
    assert "Breaking across hosts" in page
