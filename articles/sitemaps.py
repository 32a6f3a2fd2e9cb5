"""Sitemaps: an index (/sitemap.xml) of paginated sitemaps for articles (with lastmod and
their featured images), sections, tags, authors and standing pages.

The index and the Google News sitemap (/news-sitemap.xml) are read from the database once
a content generation (``articles.page_cache``), like the site-wide parts of the reader
pages: what they list changes only with content a reader can see, and every such change (a
scheduled article's minute included) starts a new generation. Between two changes the
index runs no query of its own; its read after a change is one query a sitemap (three for
the articles: the published counted by article_published_id_idx, less the scheduled, and
one end of article_lastmod_idx), and the tags' one probes each tag's first tagged items,
never every tagged item. One process reads it after a change; the others send the
previous index meanwhile, which nobody keeps.
"""

import hashlib
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NamedTuple
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Count, Exists, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.template import loader
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.http import http_date
from taggit.models import Tag, TaggedItem

from articles import editions, page_cache
from articles.models import Article, Byline, Page, Section, article_address
from articles.origin import absolute_url, site_origin
from staff.models import Author


class OriginSitemap(Sitemap):
    """Addresses at the public origin (``SITE_URL``), whatever the request's host."""

    def get_protocol(self, protocol=None):
        return urlsplit(site_origin()).scheme

    def get_domain(self, site=None):
        return urlsplit(site_origin()).netloc

    def summary(self):
        """``(entries, newest lastmod or None)`` for the index: by default the count alone,
        one query (a sitemap without ``lastmod`` has none)."""
        return self.items().order_by().count(), None


class ArticleSitemap(OriginSitemap):
    limit = 1000
    changefreq = "daily"

    def items(self):
        return (
            Article.objects.published()
            .select_related("image")
            # The language too: an article's address depends on it (without it, one more
            # query an article, a thousand a sitemap page).
            .only("slug", "language", "published_at", "content_updated_at", "title", "image__file")
            .order_by("-published_at", "-id")
        )

    def lastmod(self, article):
        return article.content_updated_at or article.published_at

    def get_latest_lastmod(self):
        # One aggregate, not a walk over every article, for the index's <lastmod>: the
        # newest end of the index on this very expression (article_lastmod_idx).
        return self.items().aggregate(latest=Max(Coalesce("content_updated_at", "published_at")))[
            "latest"
        ]

    def summary(self):
        # Apart, not one aggregate, each from one index alone: the published articles with
        # a publication time counted in the table's order (article_published_id_idx) less
        # the few scheduled ones (one end of article_public_idx), and the newest lastmod,
        # one end of article_lastmod_idx. Counted by publication time, the million's count
        # looked up rows all over the table (330 ms against 150).
        published = Article.objects.filter(
            status=Article.Status.PUBLISHED, published_at__isnull=False
        ).order_by()
        scheduled = published.filter(published_at__gt=timezone.now())
        return published.count() - scheduled.count(), self.get_latest_lastmod()


class SectionSitemap(OriginSitemap):
    changefreq = "hourly"

    def items(self):
        # Each section's newest published article, read from the section index's newest
        # end: a few rows a section, not a grouping of every article.
        newest = (
            Article.objects.published()
            .filter(section=OuterRef("pk"))
            .order_by("-published_at")
            .values("published_at")[:1]
        )
        return (
            Section.objects.annotate(latest=Subquery(newest))
            .filter(latest__isnull=False)
            .order_by("position", "name")
        )

    def lastmod(self, section):
        return section.latest

    def summary(self):
        # A handful of sections: their list gives both the count and the newest lastmod in
        # one query (Django's default would read the list and count it apart).
        latest = [section.latest for section in self.items()]
        return len(latest), max(latest, default=None)


class TagSitemap(OriginSitemap):
    """The tag pages of one edition: the tags on its published articles (a tag used in
    both languages has a page in each)."""

    limit = 5000
    changefreq = "daily"
    language = "en"

    def items(self):
        # The content type's id as a value (Django keeps it in memory after its first
        # read), not a join to django_content_type: with the join PostgreSQL misjudges how
        # many tagged items are articles' and hashes every one of them (about 70 ms at
        # 10,000 articles, growing with them); with the id it probes each tag's first
        # tagged items in taggit's tag_id index and stops at a published one (about 5 ms
        # for 500 tags), and the smaller edition still starts from its few articles.
        public = TaggedItem.objects.filter(
            tag=OuterRef("pk"),
            content_type_id=ContentType.objects.get_for_model(Article).pk,
            object_id__in=Article.objects.published().in_language(self.language).values("pk"),
        )
        return Tag.objects.filter(Exists(public)).order_by("slug")

    def location(self, tag):
        # Not remembered: a page of this sitemap names up to 5,000 tags.
        return editions.slug_url(self.language, "tag", tag.slug)


class PersianTagSitemap(TagSitemap):
    language = "fa"


class AuthorSitemap(OriginSitemap):
    changefreq = "daily"

    def items(self):
        public = Byline.objects.filter(
            author=OuterRef("pk"), article__in=Article.objects.published()
        )
        return Author.objects.filter(Exists(public)).order_by("slug")


class PageSitemap(OriginSitemap):
    changefreq = "monthly"

    def items(self):
        return Page.objects.published().only("slug", "updated_at").order_by("slug")

    def lastmod(self, page):
        return page.updated_at

    def summary(self):
        found = self.items().order_by().aggregate(count=Count("pk"), latest=Max("updated_at"))
        return found["count"], found["latest"]


SITEMAPS = {
    "articles": ArticleSitemap,
    "sections": SectionSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
    "pages": PageSitemap,
}
if "fa" in settings.SITE_LANGUAGES:
    SITEMAPS["tags-fa"] = PersianTagSitemap


class IndexEntry(NamedTuple):
    """One sitemap of the index: its name in ``SITEMAPS``, its number of pages (at least
    one) and its newest lastmod (None for a sitemap without lastmods)."""

    name: str
    pages: int
    lastmod: datetime | None


class SitemapIndex(NamedTuple):
    """What the shared cache keeps: the generation it was read in, the time (a Unix
    timestamp) it is fresh until, the sitemaps that have entries and the index's XML."""

    generation: int
    fresh_until: float
    entries: list  # of IndexEntry
    xml: str


# Django's own template wrote a million's thousand pages in 56 ms (its language resolves
# each variable anew), this one in a few: each sitemap's lastmod is written once.
INDEX_TEMPLATE = "articles/sitemap_index.xml"
INDEX_KEY = "sitemap-index:" + page_cache.shape_key(SitemapIndex, IndexEntry)


def index_key(variant=""):
    """The cache key of the index: its shape, and each sitemap's name and page size, so
    that a deploy that pages a sitemap differently never reads the old page counts; and
    ``variant``, what else its XML is written with (the view's template and route)."""
    sizes = ",".join(f"{name}={sitemap.limit}" for name, sitemap in SITEMAPS.items())
    digest = hashlib.sha256(f"{sizes}|{variant}".encode()).hexdigest()[:12]
    return f"{INDEX_KEY}:{digest}"


def index_entries(render, variant=""):
    """``(entries, xml, current)``: the sitemaps that have entries, in ``SITEMAPS`` order, with
    their page counts and newest lastmods, and the index's XML, ``render(entries)``, as
    of the current content generation: read from the database and rendered once a
    generation (or when the entry is older than a cached page may be), else read from the
    shared cache. On a million articles the index lists about a thousand sitemap pages,
    and writing them on every request cost more than anything else the page did. Counts
    are exact: a page the index lists exists, and every page that exists is listed, as
    long as the generation is current. ``variant`` names what else ``render`` depends on.
    While another process reads the counts after a change, the previous generation's index
    is returned, ``current`` False (``page_cache.response_of_generation``)."""

    def make(state, now):
        entries = _read_entries()
        return SitemapIndex(
            state.generation, now.timestamp() + state.lifetime, entries, render(entries)
        )

    found, current = page_cache.response_of_generation(index_key(variant), SitemapIndex, make)
    return found.entries, found.xml, current


def _read_entries():
    entries = []
    for name, sitemap_class in SITEMAPS.items():
        sitemap = sitemap_class()
        count, lastmod = sitemap.summary()
        # A sitemap without entries is left out: an empty <urlset> is invalid against the
        # sitemaps.org schema.
        if count:
            entries.append(IndexEntry(name, math.ceil(count / sitemap.limit), lastmod))
    return entries


@sitemap_views.x_robots_tag
def index(
    request,
    template_name=INDEX_TEMPLATE,
    content_type="application/xml",
    sitemap_url_name="sitemap-section",
):
    """The sitemap index, listing what Django's own (``django.contrib.sitemaps.views.index``)
    lists: every page of every sitemap that has entries, each with its sitemap's newest
    lastmod, and a Last-Modified header when every sitemap has one; each address at the
    public origin. ``template_name`` is given ``sitemaps``: a list of ``{"locations": [the
    addresses of one sitemap's pages], "lastmod": its ISO 8601 lastmod or None}``."""

    def render(entries):
        sitemaps = []
        for entry in entries:
            location = absolute_url(reverse(sitemap_url_name, kwargs={"section": entry.name}))
            lastmod = entry.lastmod and dateformat.format(timezone.localtime(entry.lastmod), "c")
            pages = [location] + [f"{location}?p={page}" for page in range(2, entry.pages + 1)]
            sitemaps.append({"locations": pages, "lastmod": lastmod})
        return loader.render_to_string(template_name, {"sitemaps": sitemaps})

    entries, xml, current = index_entries(render, variant=f"{template_name}|{sitemap_url_name}")
    lastmods = [entry.lastmod for entry in entries]
    headers = {}
    if lastmods and None not in lastmods:
        headers["Last-Modified"] = http_date(max(lastmods).timestamp())
    if not current:
        headers["Cache-Control"] = page_cache.PREVIOUS_CACHE_CONTROL
    return HttpResponse(xml, content_type=content_type, headers=headers)


# The Google News sitemap: the articles of the last 48 hours, newest first, at most the
# thousand that Google reads from one sitemap.
NEWS_WINDOW = timedelta(hours=48)
NEWS_LIMIT = 1000


class NewsSitemap(NamedTuple):
    """What the shared cache keeps of the news sitemap: the generation it was rendered in,
    the time (a Unix timestamp) it is fresh until and the rendered XML."""

    generation: int
    fresh_until: float
    xml: str


NEWS_KEY = "news-sitemap:" + page_cache.shape_key(NewsSitemap)


class NewsEntry(NamedTuple):
    """One article of the news sitemap: its address (path), language code, publication
    time (aware) and title."""

    address: str
    language: str
    published_at: datetime
    title: str


def news_articles(now):
    """The news sitemap's articles at ``now`` (``NewsEntry``s): published in the
    ``NEWS_WINDOW`` before it, newest first, at most ``NEWS_LIMIT``; one range read of
    article_public_idx. Rows, not models: a thousand models and their state are what
    made the render's memory (a worker keeps the memory its peak took, as holes)."""
    rows = (
        Article.objects.published()
        .filter(published_at__gte=now - NEWS_WINDOW)
        .order_by("-published_at", "-id")
        .values_list("slug", "language", "published_at", "title")[:NEWS_LIMIT]
    )
    return [
        NewsEntry(article_address(language, slug), language, published_at, title)
        for slug, language, published_at, title in rows
    ]


def news_sitemap_xml(render: Callable[[list], str]) -> tuple[str, bool]:
    """``(xml, current)``: the news sitemap's XML, ``render(articles)`` of
    ``news_articles``, as of the current content generation: rendered once a generation,
    and again when the oldest article it lists leaves the 48 hours (or the entry is older
    than a cached page may be), else read from the shared cache. Rendering a thousand
    articles is what made it slow. While another process renders it after a change, the
    previous one is returned, ``current`` False (``page_cache.response_of_generation``)."""

    def make(state, now):
        articles = news_articles(now)
        fresh_until = now.timestamp() + state.lifetime
        if articles:
            # The list changes by itself when its oldest article leaves the window.
            leaves = (articles[-1].published_at + NEWS_WINDOW).timestamp()
            fresh_until = min(fresh_until, leaves)
        return NewsSitemap(state.generation, fresh_until, render(articles))

    found, current = page_cache.response_of_generation(NEWS_KEY, NewsSitemap, make)
    return found.xml, current
