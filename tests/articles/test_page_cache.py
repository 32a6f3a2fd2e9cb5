"""The whole-page cache (articles/page_cache.py): readers get cached pages that never
outlive the content they show; staff always get fresh ones.

It fails open (DESIGN.md "Failure"): with the shared cache refused, hung or back again,
readers get pages rendered from the database, staff actions succeed, and a change made
meanwhile reaches the cache as soon as it answers. A Redis of the test's own (redis-server
on a free port) is stopped with SIGSTOP to hang it and SIGCONT to bring it back; a port
where nothing listens stands for one that is down."""

import logging
import shutil
import signal
import socket
import subprocess
import time
from datetime import timedelta
from typing import NamedTuple

import pytest
from django.core.cache import cache, caches
from django.urls import reverse
from django.utils import timezone

from articles import page_cache
from articles.models import Article, ContentGeneration
from tests.factories import DraftArticleFactory, PublishedArticleFactory, SectionFactory
from tests.servers import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PAGE_CACHE = True
    settings.PAGE_CACHE_SECONDS = 300


def test_second_request_is_served_from_the_cache(client, django_assert_max_num_queries):
    article = PublishedArticleFactory(title="First story")
    first = client.get(article.get_absolute_url())
    assert first.status_code == 200 and "X-Page-Cache" not in first
    # At most the generation's row (it lives in Redis when REDIS_URL is set).
    with django_assert_max_num_queries(1):
        second = client.get(article.get_absolute_url())
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content


def test_publishing_shows_at_once_on_cached_pages(client):
    PublishedArticleFactory(title="Old news")
    assert "Old news" in client.get("/").content.decode()
    draft = DraftArticleFactory(title="Breaking story")
    assert "Breaking story" not in client.get("/").content.decode()  # a draft: no bump
    draft.status = Article.Status.PUBLISHED
    draft.published_at = timezone.now() - timedelta(seconds=1)
    draft.save()
    response = client.get("/")
    assert "Breaking story" in response.content.decode()
    assert "X-Page-Cache" not in response


def test_editing_a_published_headline_shows_at_once(client):
    article = PublishedArticleFactory(title="Typo in headlne")
    client.get(article.get_absolute_url())
    article.title = "Typo in headline"
    article.save()
    assert "Typo in headline</h1>" in client.get(article.get_absolute_url()).content.decode()


def test_unpublishing_removes_the_page_at_once(client):
    article = PublishedArticleFactory()
    assert client.get(article.get_absolute_url()).status_code == 200
    article.status = Article.Status.UNPUBLISHED
    article.save()
    assert client.get(article.get_absolute_url()).status_code == 404


def test_saving_a_draft_keeps_the_cache(client):
    PublishedArticleFactory()
    draft = DraftArticleFactory()
    client.get("/")
    before = page_cache.current_generation()
    draft.title = "Still a draft"
    draft.save()
    assert page_cache.current_generation() == before
    assert client.get("/")["X-Page-Cache"] == "hit"


def test_renaming_a_section_shows_at_once(client):
    section = SectionFactory(name="Politics", slug="politics")
    PublishedArticleFactory(section=section)
    client.get("/")
    section.name = "Politics and Power"
    section.save()
    assert ">Politics and Power</a>" in client.get("/").content.decode()


def test_scheduled_article_appears_at_its_time_on_cached_pages(client, monkeypatch, settings):
    settings.PAGE_CACHE_SECONDS = 3600
    now = timezone.now()
    PublishedArticleFactory(title="Out already", published_at=now - timedelta(hours=1))
    PublishedArticleFactory(title="Embargoed story", published_at=now + timedelta(minutes=10))
    response = client.get("/")
    assert "Embargoed story" not in response.content.decode()
    # No page may be kept past the embargo, by this cache or by a CDN.
    control = response["Cache-Control"]
    assert "s-maxage=600" in control or "s-maxage=599" in control
    assert "stale-while-revalidate=0" in control
    assert client.get("/")["X-Page-Cache"] == "hit"
    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(minutes=10, seconds=1))
    assert "Embargoed story" in client.get("/").content.decode()


def test_logged_in_staff_always_get_fresh_pages(client, admin_user):
    article = PublishedArticleFactory(title="Version one")
    client.get(article.get_absolute_url())
    client.force_login(admin_user)
    Article.objects.filter(pk=article.pk).update(title="Version two")  # no signal: no bump
    response = client.get(article.get_absolute_url())
    assert "Version two" in response.content.decode()
    assert "X-Page-Cache" not in response


def test_public_pages_carry_cache_headers_and_answer_304(client):
    article = PublishedArticleFactory()
    first = client.get(article.get_absolute_url())
    control = first["Cache-Control"]
    assert "public" in control and "max-age=60" in control and "s-maxage=300" in control
    assert "stale-while-revalidate=600" in control
    etag = first["ETag"]
    again = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    cached = client.get(article.get_absolute_url())
    assert cached["X-Page-Cache"] == "hit" and cached["ETag"] == etag


def test_while_one_worker_renders_the_others_serve_the_previous_copy(client):
    article = PublishedArticleFactory(title="Before the change")
    url = article.get_absolute_url()
    client.get(url)
    article.title = "After the change"
    article.save()
    # Another worker holds the render lock for this page.
    digest = __import__("hashlib").sha256(url.encode()).hexdigest()
    cache.add(f"page-lock:{digest}", 1, timeout=10)
    stale = client.get(url)
    assert stale["X-Page-Cache"] == "stale"
    assert "Before the change" in stale.content.decode()
    cache.delete(f"page-lock:{digest}")
    assert "After the change" in client.get(url).content.decode()


def test_an_entry_an_earlier_deploy_left_is_a_miss_not_an_error(client):
    article = PublishedArticleFactory(title="Fresh render")
    url = article.get_absolute_url()
    digest = __import__("hashlib").sha256(url.encode()).hexdigest()
    # What the code before entries had names left: a positional tuple, under today's key.
    old_shape = (page_cache.current_generation(), time.time() + 60, 200, {}, b"old shape")
    cache.set(page_cache.page_entry_key(digest), old_shape, timeout=60)
    response = client.get(url)
    assert response.status_code == 200
    assert "X-Page-Cache" not in response
    assert "Fresh render" in response.content.decode()


def test_entries_under_the_previous_codes_keys_are_never_read(client):
    """The shape of an entry is in its key: what a deploy before left under its own keys
    is not even fetched (it might name a class this code no longer has)."""
    article = PublishedArticleFactory(title="Fresh render")
    url = article.get_absolute_url()
    digest = __import__("hashlib").sha256(url.encode()).hexdigest()
    entry = page_cache.PageEntry(
        page_cache.current_generation(), time.time() + 60, 200, {}, b"left by a deploy before"
    )
    cache.set(f"page:{digest}", entry, timeout=60)
    response = client.get(url)
    assert "X-Page-Cache" not in response
    assert "Fresh render" in response.content.decode()
    assert client.get(url)["X-Page-Cache"] == "hit"  # cached anew, under today's key


def test_an_entrys_key_changes_with_its_types_module_name_or_fields():
    class Entry(NamedTuple):
        generation: int
        fresh_until: float

    class Other(NamedTuple):
        generation: int
        fresh_until: float

    class Wider(NamedTuple):
        generation: int
        fresh_until: float
        status: int

    keys = {page_cache.shape_key(kind) for kind in (Entry, Other, Wider)}
    assert len(keys) == 3
    assert page_cache.shape_key(Entry) == page_cache.shape_key(Entry)


def test_admin_preview_and_health_pages_are_never_cached(client, admin_client):
    draft = DraftArticleFactory()
    assert (
        admin_client.get(draft.get_absolute_url())["Cache-Control"].startswith("max-age=0")
        or "no-cache" in admin_client.get(draft.get_absolute_url())["Cache-Control"]
    )
    health = client.get(reverse("healthz"))
    assert health.status_code == 200
    assert health.json() == {
        "status": "ok",
        "time_zone": True,
        "database": True,
        "cache": True,
        "tasks": True,
    }
    assert "no-cache" in health["Cache-Control"]
    assert "X-Page-Cache" not in client.get(reverse("healthz"))


def test_page_cache_can_be_turned_off(client, settings):
    settings.PAGE_CACHE = False
    article = PublishedArticleFactory()
    client.get(article.get_absolute_url())
    assert "X-Page-Cache" not in client.get(article.get_absolute_url())


@pytest.mark.parametrize(
    "query",
    [
        "utm_source=newsletter&utm_medium=email",
        "fbclid=IwAR0abc",
        "gclid=Cj0KCQ",
        "mc_cid=1a2b&mc_eid=3c4d",
        "UTM_Campaign=spring",
        "msclkid=77&_ga=2.1",
    ],
)
def test_tracking_parameters_share_the_page_of_the_plain_address(client, query):
    """Each new utm_*, fbclid or gclid value was a full render and a new key kept an hour."""
    article = PublishedArticleFactory()
    client.get(article.get_absolute_url())
    response = client.get(f"{article.get_absolute_url()}?{query}")
    assert response["X-Page-Cache"] == "hit"


def test_parameters_that_select_content_keep_their_own_pages(client):
    for number in range(12):
        PublishedArticleFactory(title=f"Story {number}")
    assert "X-Page-Cache" not in client.get("/search/?q=story")
    assert "X-Page-Cache" not in client.get("/search/?q=story&utm_source=x&page=2")
    assert client.get("/search/?page=2&q=story&fbclid=y")["X-Page-Cache"] == "hit"
    assert "X-Page-Cache" not in client.get("/search/?q=other")


def test_a_missing_page_is_cached_briefly(client):
    first = client.get("/no-such-story-4821/")
    assert first.status_code == 404
    second = client.get("/no-such-story-4821/")
    assert second.status_code == 404 and second["X-Page-Cache"] == "hit"
    control = dict(part.strip().partition("=")[::2] for part in second["Cache-Control"].split(","))
    assert int(control["s-maxage"]) <= page_cache.NOT_FOUND_SECONDS
    assert int(control["max-age"]) <= page_cache.NOT_FOUND_SECONDS


def test_a_readers_tracking_parameters_never_show_in_the_cached_pages_links(client):
    for number in range(25):
        PublishedArticleFactory(title=f"Story {number}")
    html = client.get("/search/?q=story&utm_source=mailing&fbclid=abc").content.decode()
    assert "utm_source" not in html and "fbclid" not in html
    assert 'href="?q=story&amp;page=2"' in html


# The shared cache down, hung and back


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
def dead_redis(settings):
    """A shared cache whose port refuses every connection."""
    use_redis(settings, f"redis://127.0.0.1:{free_port()}/0")


@pytest.fixture
def own_redis(settings, tmp_path):
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
    with caplog.at_level(logging.WARNING, logger="articles.page_cache"):
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
