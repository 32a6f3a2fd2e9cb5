"""The page cache fails open (articles/cache.py, DESIGN.md "Failure"): with the shared cache
refused, hung or back again, readers get pages rendered from the database, staff actions
succeed, and a change made meanwhile reaches the cache as soon as it answers.

A Redis of the test's own (redis-server on a free port) is stopped with SIGSTOP to hang it
and SIGCONT to bring it back; a port where nothing listens stands for one that is down."""

import logging
import shutil
import signal
import socket
import subprocess
import time

import pytest
from django.core.cache import caches
from django.urls import reverse

from articles import cache as page_cache
from articles.models import Article, ContentGeneration
from tests.factories import PublishedArticleFactory
from tests.servers import free_port

pytestmark = pytest.mark.django_db(transaction=True)


def use_redis(settings, url):
    """The site's settings for a shared cache at ``url`` (what ifp.settings makes of REDIS_URL)."""
    settings.REDIS_URL = url
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"test-faults-{time.monotonic_ns()}",
            "OPTIONS": {
                "socket_connect_timeout": 0.25,
                "socket_timeout": 0.25,
                "retry_on_timeout": False,
            },
        }
    }


@pytest.fixture
def page_cache_on(settings):
    settings.PAGE_CACHE = True
    settings.PAGE_CACHE_SECONDS = 300


@pytest.fixture
def dead_redis(settings, page_cache_on):
    """A shared cache whose port refuses every connection."""
    use_redis(settings, f"redis://127.0.0.1:{free_port()}/0")


@pytest.fixture
def own_redis(settings, page_cache_on, tmp_path):
    """A Redis of this test's own; ``own_redis.hang()`` and ``own_redis.resume()``."""
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.02)  # waiting for the server to start, not for time to pass
    use_redis(settings, f"redis://127.0.0.1:{port}/0")

    class Server:
        def hang(self):
            process.send_signal(signal.SIGSTOP)

        def resume(self):
            process.send_signal(signal.SIGCONT)

    yield Server()
    process.send_signal(signal.SIGCONT)
    process.terminate()
    process.wait(timeout=10)


def max_age(response):
    control = dict(
        part.strip().partition("=")[::2] for part in response["Cache-Control"].split(",")
    )
    return int(control["max-age"]), int(control.get("s-maxage", control["max-age"]))


@pytest.mark.parametrize("page_cache", [True, False], ids=["page-cache", "widgets-only"])
def test_reader_pages_are_served_from_the_database_when_redis_refuses(
    client, settings, dead_redis, page_cache, caplog
):
    settings.PAGE_CACHE = page_cache
    article = PublishedArticleFactory(title="Read while the cache is down")
    with caplog.at_level(logging.WARNING, logger="articles.cache"):
        for url in ("/", article.get_absolute_url(), "/no-such-story/", "/feed/"):
            response = client.get(url)
            assert response.status_code == (404 if url == "/no-such-story/" else 200), url
    assert "Read while the cache is down" in client.get("/").content.decode()
    assert "shared cache unavailable" in caplog.text


def test_a_page_rendered_without_the_cache_is_not_kept_long_by_a_cdn(client, dead_redis):
    article = PublishedArticleFactory()
    response = client.get(article.get_absolute_url())
    assert response["X-Page-Cache"] == "unavailable"
    assert max(max_age(response)) <= page_cache.UNCACHED_SECONDS
    assert "stale-while-revalidate" not in response["Cache-Control"]


def test_a_hung_redis_costs_one_short_timeout_then_is_left_alone(client, own_redis):
    article = PublishedArticleFactory(title="Hung cache")
    assert client.get(article.get_absolute_url()).status_code == 200
    own_redis.hang()
    started = time.monotonic()
    for _ in range(5):
        response = client.get(article.get_absolute_url())
        assert response.status_code == 200
        assert "Hung cache" in response.content.decode()
    # A few 0.25 s timeouts for the first page at most, none for the next four.
    assert time.monotonic() - started < 2.5


def test_healthz_names_the_cache_as_the_failing_part(client, dead_redis):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200  # the host still serves readers
    assert response.json() == {
        "status": "degraded",
        "time_zone": True,
        "database": True,
        "cache": False,
        "tasks": True,
    }


def test_an_unpublish_while_redis_is_hung_succeeds_and_reaches_it_when_it_answers(
    client, admin_client, own_redis, monkeypatch
):
    article = PublishedArticleFactory(title="Pulled story")
    url = article.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    before = ContentGeneration.objects.get(pk=1).number

    own_redis.hang()
    response = admin_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "unpublish", "_selected_action": [article.pk], "index": "0"},
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.UNPUBLISHED
    # The change is kept in the database while the cache cannot take it.
    assert ContentGeneration.objects.get(pk=1).number > before
    assert client.get(url).status_code == 404

    own_redis.resume()
    monkeypatch.setattr(page_cache, "RETRY_SECONDS", 0)
    caches["default"].ifp_down_until = 0
    # The first request that reaches the cache moves its generation: the cached copy of
    # the pulled story is never served again.
    assert client.get(url).status_code == 404
    assert caches["default"].get(page_cache.GENERATION_KEY) > before


def test_a_generation_is_never_moved_back_by_a_database_behind_the_cache(settings, own_redis):
    """After a restored backup the database's number may be behind the cache's."""
    page_cache.bump()
    page_cache.bump()
    cached = caches["default"].get(page_cache.GENERATION_KEY)
    ContentGeneration.objects.filter(pk=1).update(number=1)
    assert page_cache.bump() > cached
    caches["default"].delete(page_cache.CHECKED_KEY)
    assert page_cache.current_generation() > cached
