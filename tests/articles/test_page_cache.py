"""The whole-page cache (articles/page_cache.py): readers get cached pages that never
outlive the content they show; staff always get fresh ones.

It fails open (DESIGN.md "Failure"): with the shared cache refused, hung or back again,
readers get pages rendered from the database, staff actions succeed, and a change made
meanwhile reaches the cache as soon as it answers. A Redis of the test's own (redis-server
on a free port) is stopped with SIGSTOP to hang it and SIGCONT to bring it back; a port
where nothing listens stands for one that is down."""

import hashlib
import logging
import shutil
import signal
import socket
import subprocess
import time
from datetime import timedelta
from typing import NamedTuple

import pytest
import redis
from django.core.cache import cache, caches
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from articles import page_cache
from articles.models import Article, ContentGeneration, Section
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
    # Word for word what Django's patch_cache_control writes, on the miss and on a hit.
    assert control == "public, max-age=60, s-maxage=300, stale-while-revalidate=600"
    assert client.get(article.get_absolute_url())["Cache-Control"] == control
    etag = first["ETag"]
    again = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    cached = client.get(article.get_absolute_url())
    assert cached["X-Page-Cache"] == "hit" and cached["ETag"] == etag


@pytest.mark.parametrize("apart", [False, True], ids=["body-in-entry", "body-apart"])
def test_while_one_worker_renders_the_others_serve_the_previous_copy(client, request, apart):
    if apart:
        request.getfixturevalue("bodies_apart")
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
    # Sent, kept by nobody downstream: nginx or a CDN asks again for the current page.
    assert stale["Cache-Control"] == "no-cache"
    cache.delete(f"page-lock:{digest}")
    assert "After the change" in client.get(url).content.decode()


def render_slots(count):
    return [f"render-slot:{page_cache.HOST}:{index}" for index in range(count)]


def test_while_the_hosts_render_slots_are_taken_a_stale_page_is_sent_stale(client, settings):
    """After a publish every hot page is stale at once: no more than PAGE_RENDERERS workers
    of a host render (the others answer from the cache meanwhile). A page whose own lock
    is free is still sent stale while the host's slots are taken, and its lock is left
    free for the worker that renders it once a slot is."""
    settings.PAGE_RENDERERS = 2
    article = PublishedArticleFactory(title="Before the change")
    url = article.get_absolute_url()
    client.get(url)
    article.title = "After the change"
    article.save()
    slots = render_slots(2)
    # Other workers of this host render other pages.
    for slot in slots:
        cache.add(slot, 1, timeout=10)
    stale = client.get(url)
    assert stale["X-Page-Cache"] == "stale"
    assert "Before the change" in stale.content.decode()
    assert stale["Cache-Control"] == "no-cache"
    digest = hashlib.sha256(url.encode()).hexdigest()
    assert cache.get(f"page-lock:{digest}") is None
    # One worker is done: a slot is free, and this request renders the page.
    cache.delete(slots[1])
    fresh = client.get(url)
    assert "X-Page-Cache" not in fresh
    assert "After the change" in fresh.content.decode()
    # It gave its slot back, and the other worker still holds its own.
    assert cache.get(slots[1]) is None
    assert cache.get(slots[0]) == 1
    assert client.get(url)["X-Page-Cache"] == "hit"
    cache.delete(slots[0])


def test_a_page_with_no_previous_copy_is_rendered_while_the_slots_are_taken(client, settings):
    """There is nothing else to send: the reader gets the page rendered, not a wait."""
    settings.PAGE_RENDERERS = 1
    [slot] = render_slots(1)
    cache.add(slot, 1, timeout=10)
    article = PublishedArticleFactory(title="Never rendered yet")
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "Never rendered yet" in response.content.decode()
    assert client.get(article.get_absolute_url())["X-Page-Cache"] == "hit"
    cache.delete(slot)


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
        page_cache.current_generation(), time.time() + 60, 200, {}, b"left by a deploy before", ""
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
        url = f"redis://127.0.0.1:{port}/0"

        def hang(self):
            process.send_signal(signal.SIGSTOP)

        def stop(self):
            process.terminate()
            process.wait(timeout=10)

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
        pages = ("/", article.get_absolute_url(), "/no-such-story/", "/feed/")
        # The sitemaps keep their lists in the shared cache too (articles/sitemaps.py).
        for url in (*pages, "/sitemap.xml", "/news-sitemap.xml"):
            response = client.get(url)
            assert response.status_code == (404 if url == "/no-such-story/" else 200), url
    assert "Read while the cache is down" in client.get("/").content.decode()
    assert article.get_absolute_url() in client.get("/news-sitemap.xml").content.decode()
    assert b"sitemap-articles.xml" in client.get("/sitemap.xml").content
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


# A hit answers before the middleware, and sends what the miss sent

# Headers that belong to one request, not to its page, and the cache's own verdict.
PER_REQUEST = {"x-request-id", "date", "age", "x-page-cache"}
# What the middleware that a hit no longer runs adds to a reader page.
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
)


def sent_headers(response, *, without=()):
    """The response's headers in the order they are sent, but the per-request ones and
    those named in ``without``."""
    skipped = PER_REQUEST | {name.lower() for name in without}
    return [(name, value) for name, value in response.items() if name.lower() not in skipped]


@pytest.fixture
def reader_pages():
    """The address of each kind of reader page: {kind: path}."""
    section = SectionFactory(name="Politics", slug="politics")
    article = PublishedArticleFactory(title="Story of the day", section=section)
    for number in range(3):
        PublishedArticleFactory(title=f"Story number {number}", section=section)
    persian = Section.objects.create(name="سیاست", slug="سیاست", language="fa")
    PublishedArticleFactory(title="خبر روز", language="fa", section=persian)
    return {
        "article": article.get_absolute_url(),
        "home": "/",
        "section": section.get_absolute_url(),
        "feed": "/feed/",
        "search": "/search/?q=story",
        "not found": "/no-such-story-4821/",
        "persian home": "/fa/",
    }


KINDS = ["article", "home", "section", "feed", "search", "not found", "persian home"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_hit_sends_the_status_headers_and_body_of_the_miss(client, reader_pages, kind):
    url = reader_pages[kind]
    miss = client.get(url)
    hit = client.get(url)
    assert "X-Page-Cache" not in miss and hit["X-Page-Cache"] == "hit"
    assert hit.status_code == miss.status_code == (404 if kind == "not found" else 200)
    assert hit.content == miss.content
    # Every header, in order; a missing page's lifetime is counted down from the miss.
    without = {"Cache-Control"} if kind == "not found" else set()
    assert sent_headers(hit, without=without) == sent_headers(miss, without=without)
    for name in (*SECURITY_HEADERS, "ETag", "Content-Type", "Content-Length"):
        assert hit[name] == miss[name], name
    assert hit["X-Request-ID"] != miss["X-Request-ID"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_hit_sends_what_the_whole_stack_sends_without_the_cache(
    client, settings, reader_pages, kind
):
    """The middleware a hit skips would have given the page the same headers."""
    url = reader_pages[kind]
    settings.PAGE_CACHE = False
    whole = client.get(url)
    settings.PAGE_CACHE = True
    miss = client.get(url)
    hit = client.get(url)
    assert hit["X-Page-Cache"] == "hit"
    without = {"Cache-Control"}
    content = whole.content
    if kind == "not found":
        # The error page quotes the id of the request it was rendered for (the miss's,
        # which the access log has with this address): so does its ETag.
        content = content.replace(whole["X-Request-ID"].encode(), miss["X-Request-ID"].encode())
        without.add("ETag")
    assert hit.content == content
    assert sent_headers(hit, without=without) == sent_headers(whole, without=without)


@pytest.mark.parametrize("kind", ["article", "home", "feed"])
def test_a_conditional_get_on_a_hit_is_the_304_of_the_whole_stack(
    client, settings, reader_pages, kind
):
    url = reader_pages[kind]
    settings.PAGE_CACHE = False
    page = client.get(url)
    etag = page["ETag"]
    whole = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert whole.status_code == 304
    settings.PAGE_CACHE = True
    # A conditional miss keeps the whole page: the next request is a hit.
    miss = client.get(url, HTTP_IF_NONE_MATCH=etag)
    hit = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert miss.status_code == hit.status_code == 304
    assert hit["ETag"] == miss["ETag"] == etag
    assert hit.content == b""
    assert sent_headers(hit) == sent_headers(miss)
    assert sent_headers(hit, without={"Cache-Control"}) == sent_headers(
        whole, without={"Cache-Control"}
    )
    assert client.get(url)["X-Page-Cache"] == "hit"
    # Another version of the page: the whole page again.
    other = client.get(url, HTTP_IF_NONE_MATCH='"not-this-one"')
    assert other.status_code == 200 and other.content == page.content
    # A failed precondition: 412, as from the whole stack.
    settings.PAGE_CACHE = False
    whole_failed = client.get(url, HTTP_IF_MATCH='"not-this-one"')
    settings.PAGE_CACHE = True
    failed = client.get(url, HTTP_IF_MATCH='"not-this-one"')
    assert failed.status_code == whole_failed.status_code == 412
    assert sent_headers(failed) == sent_headers(whole_failed)


def test_the_feed_answers_if_modified_since_on_a_hit(client, reader_pages):
    first = client.get("/feed/")
    since = first["Last-Modified"]
    hit = client.get("/feed/", HTTP_IF_MODIFIED_SINCE=since)
    assert hit.status_code == 304 and hit["Last-Modified"] == since
    assert client.get("/feed/", HTTP_IF_MODIFIED_SINCE="Mon, 01 Jan 2001 00:00:00 GMT").content
    assert client.get("/feed/")["X-Page-Cache"] == "hit"


def test_head_on_a_hit_is_head_on_the_whole_stack(client, settings, reader_pages):
    url = reader_pages["article"]
    settings.PAGE_CACHE = False
    whole_head, whole_get = client.head(url), client.get(url)
    settings.PAGE_CACHE = True
    head_miss = client.head(url)
    # The entry a HEAD made answers a GET with the ETag that a GET gives the page.
    get_hit = client.get(url)
    head_hit = client.head(url)
    assert get_hit["X-Page-Cache"] == head_hit["X-Page-Cache"] == "hit"
    assert sent_headers(get_hit, without={"Cache-Control"}) == sent_headers(
        whole_get, without={"Cache-Control"}
    )
    assert head_hit.content == b"" and "ETag" not in head_hit
    assert head_hit["Content-Length"] == str(len(whole_get.content))
    assert sent_headers(head_hit) == sent_headers(head_miss)
    assert sent_headers(head_hit, without={"Cache-Control"}) == sent_headers(
        whole_head, without={"Cache-Control"}
    )


def test_a_hit_over_https_carries_hsts_and_plain_http_is_still_redirected(
    client, settings, reader_pages
):
    url = reader_pages["article"]
    settings.SECURE_SSL_REDIRECT = True
    miss = client.get(url, secure=True)
    hit = client.get(url, secure=True)
    assert hit["X-Page-Cache"] == "hit"
    assert hit["Strict-Transport-Security"] == miss["Strict-Transport-Security"]
    assert miss["Strict-Transport-Security"].startswith("max-age=")
    assert sent_headers(hit) == sent_headers(miss)
    redirected = client.get(url)
    assert redirected.status_code == 301
    assert redirected["Location"] == f"https://testserver{url}"
    # Without the redirect, plain HTTP gets the page without HSTS, as from the whole stack.
    settings.SECURE_SSL_REDIRECT = False
    plain = client.get(url)
    assert plain["X-Page-Cache"] == "hit" and "Strict-Transport-Security" not in plain


def test_an_address_with_a_nul_is_refused_before_the_cache(client):
    for _ in range(2):
        response = client.get("/story%00/")
        assert response.status_code == 404
        assert response.content == b"Not found."
        assert "X-Page-Cache" not in response


def test_a_hit_is_logged_with_its_request_id(client, settings, reader_pages, caplog):
    settings.ACCESS_LOG = True
    client.get("/")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="ifp.access"):
        hit = client.get("/", HTTP_X_REQUEST_ID="req-0123456789ab")
    assert hit["X-Page-Cache"] == "hit" and hit["X-Request-ID"] == "req-0123456789ab"
    assert [record.status for record in caplog.records if record.name == "ifp.access"] == [200]


def test_an_editor_is_never_sent_a_cached_page(client, editor_client, reader_pages):
    url = reader_pages["article"]
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    response = editor_client.get(url)
    assert response.status_code == 200 and "X-Page-Cache" not in response
    # What an editor is sent is never kept for readers either.
    Article.objects.filter(title="Story of the day").update(title="Changed quietly")
    assert "Story of the day" in client.get(url).content.decode()
    assert "Changed quietly" in editor_client.get(url).content.decode()


@pytest.fixture
def cache_calls(monkeypatch):
    """The operations the page cache asks of the shared cache from the moment this
    fixture is set up (``request.getfixturevalue`` after the miss), in order."""
    calls = []
    original = page_cache.guarded

    def counted(operation, *args, **kwargs):
        calls.append(operation)
        return original(operation, *args, **kwargs)

    monkeypatch.setattr(page_cache, "guarded", counted)
    return calls


@pytest.fixture
def trusted_long(monkeypatch):
    """The generation read from the shared cache trusted for an hour, not a second: the
    requests of a slow test run all fall within it."""
    monkeypatch.setattr(page_cache, "HELD_GENERATION_SECONDS", 3600)


def test_a_hit_with_redis_costs_no_query_and_no_round_trip_once_the_page_is_held(
    client, own_redis, trusted_long, reader_pages, django_assert_num_queries, request, monkeypatch
):
    url = reader_pages["article"]
    miss = client.get(url)
    calls = request.getfixturevalue("cache_calls")
    with django_assert_num_queries(0):
        hits = [client.get(url), client.get(url)]
    assert calls == []  # sent as this process holds it
    other_process(monkeypatch)
    with django_assert_num_queries(0):
        hits += [client.get(url), client.get(url)]
    # A process that holds nothing yet: one round trip, then held.
    assert calls == ["get_many"]
    for hit in hits:
        assert hit["X-Page-Cache"] == "hit" and hit.content == miss.content
        assert sent_headers(hit) == sent_headers(miss)


# Pages held by a process (page_cache.HeldPages), trusted while Redis says the content
# generation has not moved (page_cache.GenerationWatch)


def changed_elsewhere(title, new_title):
    """What a publish in another process or on another host does: the story changed in
    the database and the content generation moved in Redis, through connections that are
    not this process's watch, and nothing said to this process's ``HeldPages``."""
    Article.objects.filter(title=title).update(title=new_title)
    ContentGeneration.objects.filter(pk=1).update(number=F("number") + 1)
    caches["default"].incr(page_cache.GENERATION_KEY)


@pytest.mark.parametrize("kind", ["article", "home", "section", "feed", "search"])
def test_a_change_made_by_another_process_is_sent_at_once_though_the_page_is_held(
    client, own_redis, reader_pages, kind
):
    url = reader_pages[kind]
    client.get(url)
    assert "Story of the day" in client.get(url).content.decode()
    changed_elsewhere("Story of the day", "Story of the evening")
    again = client.get(url)
    assert "X-Page-Cache" not in again
    assert "Story of the evening" in again.content.decode()
    assert "Story of the day" not in again.content.decode()


def test_a_redis_emptied_by_another_process_is_heard_and_nothing_held_is_sent(
    client, own_redis, reader_pages
):
    url = reader_pages["article"]
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    other = redis.Redis.from_url(own_redis.url)
    other.flushdb()
    # A flush's invalidation is queued while the flush runs, and the flusher's answer may
    # be written first (GenerationWatch); by the answer to its next command the message is
    # out. Without this, a loaded machine could run the next request in between.
    other.ping()
    assert "X-Page-Cache" not in client.get(url)  # rendered again, kept again
    assert client.get(url)["X-Page-Cache"] == "hit"


def test_when_redis_goes_away_nothing_held_is_sent_and_pages_come_from_the_database(
    client, own_redis, reader_pages, caplog
):
    url = reader_pages["article"]
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    own_redis.stop()
    Article.objects.filter(title="Story of the day").update(title="Story of the evening")
    with caplog.at_level(logging.WARNING, logger="articles.page_cache"):
        response = client.get(url)
    assert response.status_code == 200 and response["X-Page-Cache"] == "unavailable"
    assert "Story of the evening" in response.content.decode()
    assert "content generation's watch failed" in caplog.text


def test_a_process_holds_the_most_recently_sent_pages_up_to_its_limit(
    client, own_redis, trusted_long, reader_pages, monkeypatch, request
):
    pages = [reader_pages[kind] for kind in ("article", "home", "section")]
    sizes = {}
    for url in pages:
        client.get(url)
        entry = page_cache.held_pages.pages.recall(page_cache.page_entry_key(digest_of(url)))
        sizes[url] = page_cache.held_size(entry)
    # Room for the last two only: the article's page is dropped first.
    other_process(monkeypatch, held_bytes=sizes[pages[1]] + sizes[pages[2]])
    calls = request.getfixturevalue("cache_calls")
    for url in pages:
        assert client.get(url)["X-Page-Cache"] == "hit"
    assert calls == ["get_many"] * 3
    calls.clear()
    for url in pages[1:]:
        assert client.get(url)["X-Page-Cache"] == "hit"
    assert calls == []
    assert client.get(pages[0])["X-Page-Cache"] == "hit"
    assert calls == ["get_many"]


def test_the_generation_is_read_again_once_its_trust_runs_out(
    client, own_redis, reader_pages, monkeypatch, request
):
    monkeypatch.setattr(page_cache, "HELD_GENERATION_SECONDS", 0)
    url = reader_pages["article"]
    client.get(url)
    calls = request.getfixturevalue("cache_calls")
    assert all(client.get(url)["X-Page-Cache"] == "hit" for _ in range(3))
    assert calls == ["get_many"] * 3


def digest_of(url):
    """``page_key`` of a GET of ``url`` (a path, no query)."""
    return hashlib.sha256(url.encode()).hexdigest()


def test_a_redis_that_cannot_watch_leaves_every_hit_to_the_shared_cache(
    client, own_redis, reader_pages, monkeypatch, request, caplog
):
    def refused(*args, **kwargs):
        raise redis.exceptions.ResponseError("unknown command 'CLIENT|TRACKING'")

    monkeypatch.setattr(page_cache.GenerationWatch, "__init__", refused)
    url = reader_pages["article"]
    with caplog.at_level(logging.WARNING, logger="articles.page_cache"):
        miss = client.get(url)
        calls = request.getfixturevalue("cache_calls")
        hits = [client.get(url), client.get(url)]
    assert calls == ["get_many", "get_many"]
    assert all(hit["X-Page-Cache"] == "hit" and hit.content == miss.content for hit in hits)
    assert caplog.text.count("Redis refused to watch the content generation") == 1


def test_a_watch_that_hears_nothing_is_found_out_at_the_next_read(
    client, own_redis, reader_pages, monkeypatch, request, caplog
):
    """A watch whose connection went silent (a firewall dropped it without a word): the
    first read of the shared cache that finds the generation moved makes it again."""
    monkeypatch.setattr(page_cache, "HELD_GENERATION_SECONDS", 0)
    monkeypatch.setattr(page_cache.GenerationWatch, "moved", lambda watch: False)
    url = reader_pages["article"]
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    changed_elsewhere("Story of the day", "Story of the evening")
    with caplog.at_level(logging.WARNING, logger="articles.page_cache"):
        again = client.get(url)
    assert "Story of the evening" in again.content.decode()
    assert "moved unheard" in caplog.text
    assert page_cache.held_pages.watch is None  # made again after a pause


# Big bodies are kept apart from their entries (page_cache.PageBodies)


@pytest.fixture
def bodies_apart(monkeypatch):
    """Every page's body kept apart from its entry (the feeds' are, being over
    ``APART_BYTES``; the test site's pages are small), held by a process of its own: the
    ``PageBodies`` the test's requests use."""
    monkeypatch.setattr(page_cache, "APART_BYTES", 1)
    held = page_cache.PageBodies(page_cache.HELD_BODY_BYTES)
    monkeypatch.setattr(page_cache, "bodies", held)
    return held


def other_process(monkeypatch, held_bytes=page_cache.HELD_PAGE_BYTES):
    """From now on, the requests are served by a process that holds no body and no page
    yet, and holds pages up to ``held_bytes``."""
    monkeypatch.setattr(page_cache, "bodies", page_cache.PageBodies(page_cache.HELD_BODY_BYTES))
    monkeypatch.setattr(page_cache, "held_pages", page_cache.HeldPages(held_bytes))


@pytest.fixture
def nothing_held(monkeypatch):
    """A process that holds no whole page (``HeldPages``), so that every hit reads its
    entry from the shared cache."""
    monkeypatch.setattr(page_cache, "held_pages", page_cache.HeldPages(0))


@pytest.mark.parametrize("kind", KINDS)
def test_a_hit_with_its_body_kept_apart_sends_the_status_headers_and_body_of_the_miss(
    client, reader_pages, nothing_held, bodies_apart, monkeypatch, kind
):
    url = reader_pages[kind]
    miss = client.get(url)
    hits = [client.get(url)]
    other_process(monkeypatch, held_bytes=0)  # the body read from the shared cache, then held
    hits += [client.get(url), client.get(url)]
    without = {"Cache-Control"} if kind == "not found" else set()
    for hit in hits:
        assert "X-Page-Cache" not in miss and hit["X-Page-Cache"] == "hit"
        assert hit.status_code == miss.status_code
        assert hit.content == miss.content
        assert sent_headers(hit, without=without) == sent_headers(miss, without=without)


def test_a_hit_of_a_held_body_costs_one_round_trip_and_of_another_one_more(
    client,
    own_redis,
    reader_pages,
    nothing_held,
    bodies_apart,
    monkeypatch,
    django_assert_num_queries,
    request,
):
    url = reader_pages["feed"]
    miss = client.get(url)
    calls = request.getfixturevalue("cache_calls")
    with django_assert_num_queries(0):
        assert client.get(url).content == miss.content
    assert calls == ["get_many"]
    other_process(monkeypatch, held_bytes=0)
    calls.clear()
    with django_assert_num_queries(0):
        assert client.get(url).content == miss.content
        assert client.get(url).content == miss.content
    assert calls == ["get_many", "get", "get_many"]


def test_an_entry_whose_body_is_gone_is_a_miss_and_is_kept_again(
    client, reader_pages, bodies_apart, monkeypatch
):
    url = reader_pages["feed"]
    miss = client.get(url)
    for digest in list(bodies_apart.held):
        cache.delete(page_cache.page_body_key(digest))
    other_process(monkeypatch, held_bytes=0)
    again = client.get(url)
    assert "X-Page-Cache" not in again and again.content == miss.content
    assert client.get(url)["X-Page-Cache"] == "hit"


def test_a_new_body_is_sent_at_once_though_the_old_one_is_held(client, reader_pages, bodies_apart):
    url = reader_pages["article"]
    assert "Story of the day" in client.get(url).content.decode()
    assert client.get(url)["X-Page-Cache"] == "hit"
    article = Article.objects.get(title="Story of the day")
    article.title = "Story of the night"
    article.save()
    assert "Story of the night" in client.get(url).content.decode()
    assert "Story of the night" in client.get(url).content.decode()


def test_a_process_holds_the_most_recently_sent_bodies_up_to_its_limit(
    client, reader_pages, nothing_held, monkeypatch
):
    monkeypatch.setattr(page_cache, "APART_BYTES", 1)
    monkeypatch.setattr(page_cache, "bodies", page_cache.PageBodies(page_cache.HELD_BODY_BYTES))
    pages = [reader_pages[kind] for kind in ("article", "home", "section")]
    sizes = [len(client.get(url).content) for url in pages]
    held = page_cache.PageBodies(sizes[1] + sizes[2])
    monkeypatch.setattr(page_cache, "bodies", held)
    for url in pages:
        assert client.get(url)["X-Page-Cache"] == "hit"
    # The article's body was dropped first, for the two sent after it.
    assert sorted(len(body) for body in held.held.values()) == sorted(sizes[1:])
    assert held.size == sizes[1] + sizes[2]
    assert client.get(pages[0])["X-Page-Cache"] == "hit"  # read again from the shared cache
    assert len(held.held[next(reversed(held.held))]) == sizes[0]
    small = page_cache.PageBodies(10)
    monkeypatch.setattr(page_cache, "bodies", small)
    assert client.get(pages[0])["X-Page-Cache"] == "hit"  # bigger than it may hold
    assert small.held == {} and small.size == 0
