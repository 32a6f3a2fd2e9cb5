"""The sitemap index and the Google News sitemap are read once a content generation
(articles/sitemaps.py): between two changes they run no query of their own, and they must
change as soon as what they list changes."""

import hashlib
from datetime import datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import etree

from articles.models import Article
from articles.sitemaps import INDEX_TEMPLATE, NEWS_KEY, SITEMAPS, ArticleSitemap, index_key
from tests.conftest import GENERATION_QUERIES
from tests.factories import (
    AuthorFactory,
    DraftArticleFactory,
    PublishedArticleFactory,
    SectionFactory,
)

# Changes reach readers through transaction.on_commit (the generation moves on).
pytestmark = pytest.mark.django_db(transaction=True)

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}
# The first read of a generation: the generation itself, the next scheduled article and
# the next alert expiry (shared with every page of the generation), then the index's own:
# one count a sitemap (two for the articles: the published, less the scheduled ones), and
# the articles' newest lastmod.
INDEX_COLD = 1 + 2 + len(SITEMAPS) + 1 + 1
NEWS_COLD = 1 + 2 + 1


def index(client):
    """{location: lastmod or None} of the sitemap index."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    document = etree.fromstring(response.content)
    return {
        entry.findtext("sm:loc", namespaces=NS): entry.findtext("sm:lastmod", namespaces=NS)
        for entry in document.xpath("/sm:sitemapindex/sm:sitemap", namespaces=NS)
    }


def article_pages(client):
    return [loc for loc in index(client) if "sitemap-articles.xml" in loc]


def news(client):
    response = client.get("/news-sitemap.xml")
    assert response.status_code == 200
    document = etree.fromstring(response.content)
    return document.xpath("/sm:urlset/sm:url/sm:loc/text()", namespaces=NS)


@pytest.fixture
def paged(monkeypatch):
    """Two articles a page of the article sitemap, and three published articles: two
    pages."""
    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    now = timezone.now()
    return [
        PublishedArticleFactory(slug=f"story-{n}", published_at=now - timedelta(hours=n))
        for n in range(1, 4)
    ]


# The index


def test_index_reads_the_same_few_queries_after_a_change_however_big_the_site(
    client, django_assert_num_queries
):
    """No query an article, a tag, a section or an author, and no count of every tagged
    item: one count a sitemap, once a generation."""
    PublishedArticleFactory(tags=["t"])
    client.get("/sitemap.xml")  # the content type's id, read once a process
    PublishedArticleFactory(tags=["u"])
    with django_assert_num_queries(INDEX_COLD):
        client.get("/sitemap.xml")
    for n in range(5):
        PublishedArticleFactory(
            tags=[f"t{n}", "u"], section=SectionFactory(slug=f"s{n}"), authors=[AuthorFactory()]
        )
    with django_assert_num_queries(INDEX_COLD):
        assert client.get("/sitemap.xml").status_code == 200


def test_index_runs_no_query_of_its_own_between_changes(client, django_assert_num_queries):
    """Crawlers ask for the index all day; it is read from the shared cache until the
    next change (without Redis, the generation is read from the database)."""
    PublishedArticleFactory(tags=["t"])
    first = client.get("/sitemap.xml").content
    with django_assert_num_queries(GENERATION_QUERIES):
        assert client.get("/sitemap.xml").content == first


def test_a_published_article_adds_its_index_page_at_once(client, paged):
    assert len(article_pages(client)) == 2
    draft = DraftArticleFactory(slug="story-new")
    assert len(article_pages(client)) == 2
    draft.status = Article.Status.PUBLISHED
    draft.published_at = timezone.now() - timedelta(hours=5)
    draft.save()
    pages = article_pages(client)
    assert pages[-1] == "http://testserver/sitemap-articles.xml?p=2"
    assert len(pages) == 2
    PublishedArticleFactory(slug="story-five", published_at=timezone.now() - timedelta(hours=6))
    pages = article_pages(client)
    assert pages[-1] == "http://testserver/sitemap-articles.xml?p=3"
    assert client.get("/sitemap-articles.xml?p=3").status_code == 200


def test_an_unpublished_article_takes_its_index_page_away_at_once(client, paged):
    assert len(article_pages(client)) == 2
    paged[0].status = Article.Status.UNPUBLISHED
    paged[0].save()
    assert article_pages(client) == ["http://testserver/sitemap-articles.xml"]
    assert client.get("/sitemap-articles.xml?p=2").status_code == 404


def test_every_page_the_index_lists_exists_and_none_other(client, paged):
    pages = article_pages(client)
    for location in pages:
        path = location.removeprefix("http://testserver")
        assert client.get(path).status_code == 200, path
    assert client.get(f"/sitemap-articles.xml?p={len(pages) + 1}").status_code == 404


def test_an_edit_moves_the_articles_lastmod_at_once(client, paged):
    before = index(client)["http://testserver/sitemap-articles.xml"]
    assert datetime.fromisoformat(before) == paged[0].published_at
    edited = timezone.now().replace(microsecond=0)
    paged[2].content_updated_at = edited
    paged[2].save()
    entries = index(client)
    assert datetime.fromisoformat(entries["http://testserver/sitemap-articles.xml"]) == edited
    assert datetime.fromisoformat(entries["http://testserver/sitemap-articles.xml?p=2"]) == edited


def test_a_sitemap_leaves_the_index_with_its_last_entry(client):
    article = PublishedArticleFactory(tags=["Only tag"])
    assert "http://testserver/sitemap-tags.xml" in index(client)
    article.tags.clear()
    assert "http://testserver/sitemap-tags.xml" not in index(client)
    assert "http://testserver/sitemap-articles.xml" in index(client)


def test_a_scheduled_article_enters_the_index_at_its_time(client, paged, monkeypatch):
    now = timezone.now()
    PublishedArticleFactory(slug="embargoed", published_at=now + timedelta(minutes=10))
    PublishedArticleFactory(slug="embargoed-too", published_at=now + timedelta(minutes=10))
    assert len(article_pages(client)) == 2
    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(minutes=10, seconds=1))
    assert len(article_pages(client)) == 3


def test_the_index_counts_exactly_the_public_articles_in_every_state(client, monkeypatch):
    """One article a page: the index lists as many article pages as ``published()``
    counts, whatever the status and the publication time (none, past, now, future)."""
    monkeypatch.setattr(ArticleSitemap, "limit", 1)
    now = timezone.now()
    times = [None, now - timedelta(days=400), now - timedelta(seconds=1), now + timedelta(hours=1)]
    for status in Article.Status.values:
        for number, published_at in enumerate(times):
            PublishedArticleFactory(slug=f"{status}-{number}", published_at=published_at)
    for status in Article.Status.values:
        Article.objects.filter(slug__startswith=f"{status}-").update(status=status)
    # Saved, a published article gets a publication time; behind the site's back, none.
    Article.objects.filter(slug__endswith="-0").update(published_at=None)
    public = Article.objects.published().count()
    assert public == 2
    assert len(article_pages(client)) == public


def test_a_published_row_with_no_publication_time_is_not_counted(client, paged):
    """``published()`` wants a publication time not in the future: a row set published
    behind the site's back without one is not public, and no index page is listed for it
    (the count is every published row less those not public yet)."""
    PublishedArticleFactory(slug="no-time-1")
    PublishedArticleFactory(slug="no-time-2")
    Article.objects.filter(slug__startswith="no-time").update(published_at=None)
    PublishedArticleFactory(slug="later", published_at=timezone.now() + timedelta(days=1))
    assert len(article_pages(client)) == 2
    assert client.get("/sitemap-articles.xml?p=2").status_code == 200
    assert client.get("/sitemap-articles.xml?p=3").status_code == 404


def test_a_change_that_started_no_generation_shows_once_a_page_could_expire(
    client, paged, monkeypatch, settings
):
    """A change made behind the site's back (no signal, so no new generation) still
    reaches the index, as it reaches cached pages: after the page cache's lifetime."""
    settings.PAGE_CACHE_SECONDS = 300
    assert len(article_pages(client)) == 2
    Article.objects.filter(slug="story-3").update(status=Article.Status.UNPUBLISHED)
    assert len(article_pages(client)) == 2
    later = timezone.now() + timedelta(seconds=301)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert len(article_pages(client)) == 1


def test_the_index_is_written_once_a_generation(client, paged, monkeypatch):
    """On a million articles the index lists about a thousand sitemap pages: its XML is
    written once a generation, like its counts, and again after a publish."""
    from articles import sitemaps

    written = []
    render = sitemaps.loader.render_to_string
    monkeypatch.setattr(
        sitemaps.loader, "render_to_string", lambda *a, **k: written.append(1) or render(*a, **k)
    )
    first = client.get("/sitemap.xml").content
    assert client.get("/sitemap.xml").content == first
    assert len(written) == 1
    PublishedArticleFactory(slug="story-new")
    assert len(article_pages(client)) == 2
    assert len(written) == 2


@pytest.mark.parametrize("stored", ["not a tuple", (1, 2, 3), None])
def test_an_index_entry_of_another_shape_is_read_again_not_an_error(client, paged, stored):
    """After a deploy, the shared cache may hold what the previous code wrote."""
    cache.set(index_key(f"{INDEX_TEMPLATE}|sitemap-section"), stored)
    assert len(article_pages(client)) == 2


def test_a_new_page_size_never_reads_the_old_page_counts(client, paged, monkeypatch):
    assert len(article_pages(client)) == 2
    monkeypatch.setattr(ArticleSitemap, "limit", 1)
    assert len(article_pages(client)) == 3


# One process reads a sitemap after a change; the others send the previous one meanwhile.

INDEX_VARIANT = f"{INDEX_TEMPLATE}|sitemap-section"


def another_process_makes(key):
    """What another worker holds in the shared cache while it makes the entry ``key``."""
    cache.add(f"making:{key}", 1, timeout=10)


def counts_run(queries):
    return [query["sql"] for query in queries if "COUNT(" in query["sql"].upper()]


@pytest.mark.parametrize("page_cache", [False, True], ids=["page-cache-off", "page-cache-on"])
def test_while_another_process_reads_the_counts_the_previous_index_is_sent_unkept(
    client, paged, settings, page_cache
):
    """At a million articles the counts take 190 ms; every worker reading them at once
    after each change made the requests queue behind them."""
    settings.PAGE_CACHE = page_cache
    before = client.get("/sitemap.xml")
    assert "no-cache" not in before.get("Cache-Control", "")
    another_process_makes(index_key(INDEX_VARIANT))
    PublishedArticleFactory(slug="story-4", published_at=timezone.now() - timedelta(hours=4))
    PublishedArticleFactory(slug="story-5", published_at=timezone.now() - timedelta(hours=5))
    with CaptureQueriesContext(connection) as queries:
        meanwhile = client.get("/sitemap.xml")
    assert counts_run(queries) == []
    assert meanwhile.content == before.content
    # Kept nowhere: not by the page cache, nginx or a CDN.
    assert meanwhile["Cache-Control"] == "no-cache"
    assert "X-Page-Cache" not in meanwhile
    assert client.get("/sitemap.xml").content == before.content
    cache.delete(f"making:{index_key(INDEX_VARIANT)}")
    after = client.get("/sitemap.xml")
    assert "no-cache" not in after.get("Cache-Control", "")
    assert article_pages(client)[-1] == "http://testserver/sitemap-articles.xml?p=3"


@pytest.mark.parametrize("path", ["/sitemap.xml", "/news-sitemap.xml"])
def test_while_another_worker_renders_the_page_its_stale_copy_is_kept_by_nobody(
    client, settings, path
):
    """With the page cache on, a second worker never reaches the view while the first
    renders the page: the page cache's previous copy goes out, as uncacheable as the
    view's previous sitemap."""
    settings.PAGE_CACHE = True
    PublishedArticleFactory(slug="first-story")
    before = client.get(path)
    PublishedArticleFactory(slug="breaking-story")
    digest = hashlib.sha256(path.encode()).hexdigest()
    cache.add(f"page-lock:{digest}", 1, timeout=10)
    meanwhile = client.get(path)
    assert meanwhile["X-Page-Cache"] == "stale"
    assert meanwhile["Cache-Control"] == "no-cache"
    assert meanwhile.content == before.content
    cache.delete(f"page-lock:{digest}")
    after = client.get(path)
    assert "no-cache" not in after.get("Cache-Control", "")
    assert after.content != before.content  # the new article, or the index's newer lastmod


def test_the_lock_is_gone_once_the_index_is_read(client, paged):
    """The next change is read by the next request, not sent as the previous index."""
    assert len(article_pages(client)) == 2
    assert cache.get(f"making:{index_key(INDEX_VARIANT)}") is None
    PublishedArticleFactory(slug="story-4", published_at=timezone.now() - timedelta(hours=4))
    PublishedArticleFactory(slug="story-5", published_at=timezone.now() - timedelta(hours=5))
    response = client.get("/sitemap.xml")
    assert "no-cache" not in response.get("Cache-Control", "")
    assert len(article_pages(client)) == 3
    assert cache.get(f"making:{index_key(INDEX_VARIANT)}") is None


def test_with_no_earlier_index_to_send_the_index_is_read_whatever_the_lock(client, paged):
    another_process_makes(index_key(INDEX_VARIANT))
    response = client.get("/sitemap.xml")
    assert "no-cache" not in response.get("Cache-Control", "")
    assert len(article_pages(client)) == 2


def test_a_read_that_fails_leaves_no_lock_behind(client, paged, monkeypatch):
    """The next request reads the counts again at once, not after the lock's expiry."""
    from django.db import OperationalError

    assert len(article_pages(client)) == 2
    PublishedArticleFactory(slug="story-4", published_at=timezone.now() - timedelta(hours=4))
    PublishedArticleFactory(slug="story-5", published_at=timezone.now() - timedelta(hours=5))
    summary = ArticleSitemap.summary

    def failing(self):
        monkeypatch.setattr(ArticleSitemap, "summary", summary)
        raise OperationalError("the database went away")

    monkeypatch.setattr(ArticleSitemap, "summary", failing)
    client.raise_request_exception = False
    assert client.get("/sitemap.xml").status_code == 503
    response = client.get("/sitemap.xml")
    assert "no-cache" not in response.get("Cache-Control", "")
    assert len(article_pages(client)) == 3


def test_while_another_process_renders_the_news_sitemap_the_previous_is_sent_unkept(client):
    PublishedArticleFactory(slug="first-story")
    assert news(client) == ["http://testserver/first-story/"]
    another_process_makes(NEWS_KEY)
    PublishedArticleFactory(slug="breaking-story")
    meanwhile = client.get("/news-sitemap.xml")
    assert meanwhile["Cache-Control"] == "no-cache"
    assert news(client) == ["http://testserver/first-story/"]
    cache.delete(f"making:{NEWS_KEY}")
    response = client.get("/news-sitemap.xml")
    assert "no-cache" not in response.get("Cache-Control", "")
    assert news(client) == ["http://testserver/breaking-story/", "http://testserver/first-story/"]


# The news sitemap


def test_news_sitemap_runs_no_query_of_its_own_between_changes(client, django_assert_num_queries):
    PublishedArticleFactory.create_batch(3)
    with django_assert_num_queries(NEWS_COLD):
        first = client.get("/news-sitemap.xml").content
    assert first.count(b"<url>") == 3
    with django_assert_num_queries(GENERATION_QUERIES):
        assert client.get("/news-sitemap.xml").content == first


def test_a_published_article_enters_the_news_sitemap_at_once(client):
    PublishedArticleFactory(slug="first-story")
    assert news(client) == ["http://testserver/first-story/"]
    draft = DraftArticleFactory(slug="breaking-story")
    assert news(client) == ["http://testserver/first-story/"]
    draft.status = Article.Status.PUBLISHED
    draft.published_at = timezone.now()
    draft.save()
    assert news(client) == ["http://testserver/breaking-story/", "http://testserver/first-story/"]
    draft.title = "Breaking story, corrected"
    draft.save()
    assert b"Breaking story, corrected" in client.get("/news-sitemap.xml").content


def test_an_article_leaves_the_news_sitemap_when_it_turns_48_hours_old(
    client, monkeypatch, settings
):
    """The list changes with no change to the content: the entry is never kept past the
    moment its oldest article leaves the window, however long pages are kept."""
    settings.PAGE_CACHE_SECONDS = 3600
    now = timezone.now()
    PublishedArticleFactory(slug="fresh-story", published_at=now - timedelta(hours=1))
    PublishedArticleFactory(slug="aging-story", published_at=now - timedelta(hours=47, minutes=59))
    assert news(client) == ["http://testserver/fresh-story/", "http://testserver/aging-story/"]
    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(minutes=2))
    assert news(client) == ["http://testserver/fresh-story/"]
