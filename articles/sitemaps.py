"""Sitemaps: an index (/sitemap.xml) of paginated sitemaps for articles (with lastmod and
their featured images), sections, tags, authors and standing pages."""

import dataclasses
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Exists, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from taggit.models import Tag, TaggedItem

from articles import editions
from articles.models import Article, Byline, Page, Section
from articles.origin import absolute_url, site_origin
from staff.models import Author


class OriginSitemap(Sitemap):
    """Addresses at the public origin (``SITE_URL``), whatever the request's host."""

    def get_protocol(self, protocol=None):
        return urlsplit(site_origin()).scheme

    def get_domain(self, site=None):
        return urlsplit(site_origin()).netloc


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


class TagSitemap(OriginSitemap):
    """The tag pages of one edition: the tags on its published articles (a tag used in
    both languages has a page in each)."""

    limit = 5000
    changefreq = "daily"
    language = "en"

    def items(self):
        public = TaggedItem.objects.filter(
            tag=OuterRef("pk"),
            content_type__app_label="articles",
            content_type__model="article",
            object_id__in=Article.objects.published().in_language(self.language).values("pk"),
        )
        return Tag.objects.filter(Exists(public)).order_by("slug")

    def location(self, tag):
        return editions.url(self.language, "tag", slug=tag.slug)


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


SITEMAPS = {
    "articles": ArticleSitemap,
    "sections": SectionSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
    "pages": PageSitemap,
}
if "fa" in settings.SITE_LANGUAGES:
    SITEMAPS["tags-fa"] = PersianTagSitemap


def index(request, **kwargs):
    """The sitemap index, listing only the sitemaps that have entries (an empty
    <urlset> is invalid against the sitemaps.org schema)."""
    sitemaps = {name: sitemap for name, sitemap in SITEMAPS.items() if sitemap().items().exists()}
    response = sitemap_views.index(request, sitemaps, **kwargs)
    # Django's index writes the request's host: each entry's address at the public origin.
    response.context_data["sitemaps"] = [
        dataclasses.replace(item, location=absolute_url(_path_of(item.location)))
        for item in response.context_data["sitemaps"]
    ]
    return response


def _path_of(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
