"""RSS 2.0 and Atom feeds for the whole site, each section, tag and author.

Each item carries the summary, the full sanitized body (``content:encoded`` in RSS,
``content`` in Atom), its authors, its section and tags as categories, the publication
and update times, and the featured image as an enclosure."""

import hashlib
import mimetypes
from typing import NamedTuple

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.translation import gettext
from taggit.models import Tag, TaggedItem

from articles import editions, page_cache
from articles.models import Article, Section
from articles.origin import absolute_url
from core.text import clean_text
from core.urls import absolute_html
from staff.models import Author

FEED_ITEMS = 20


class Cleaned(str):
    """Text that went through ``clean_text`` already (an item's body, as kept in the shared
    cache): not cleaned a second time as the feed is written."""


class FeedBody(NamedTuple):
    """An item's ``content``, as the shared cache keeps it: the body with its addresses
    made absolute and cleaned. Its key is a digest of the body and the item's address, so
    an edit of either reads under a new key and nothing needs to be removed."""

    content: str


FEED_BODY_SHAPE = page_cache.shape_key(FeedBody)
# Made again a day after it was kept: the bodies of old items do not pile up in Redis.
FEED_BODY_SECONDS = 86400


def feed_body_key(body, link):
    digest = hashlib.blake2b(f"{link}\n{body}".encode(), digest_size=16).hexdigest()
    return f"feed-body:{FEED_BODY_SHAPE}:{digest}"


def feed_bodies(items, links):
    """``{pk: content}`` of ``items``: each body with its relative addresses made absolute
    against its ``links[pk]`` and cleaned, read from the shared cache in one round trip,
    the missing ones made and stored in one more. The shared cache down: all are made."""
    keys = {item.pk: feed_body_key(item.body, links[item.pk]) for item in items}
    found = page_cache.guarded("get_many", list(keys.values()), default=None)
    bodies, missing = {}, {}
    for item in items:
        entry = page_cache.entry_or_miss((found or {}).get(keys[item.pk]), FeedBody)
        if entry is None:
            entry = FeedBody(clean_text(absolute_html(item.body, links[item.pk])))
            missing[keys[item.pk]] = entry
        bodies[item.pk] = Cleaned(entry.content)
    if missing and found is not None:
        page_cache.guarded("set_many", missing, timeout=FEED_BODY_SECONDS)
    return bodies


def _cleaned(value):
    if isinstance(value, Cleaned):
        return value
    if isinstance(value, list | tuple):
        return [clean_text(item) for item in value]
    return clean_text(value)


class CleanFeedMixin:
    """Every text of the feed and its items goes through the text rule once more as it is
    written: rows stored some other way (raw SQL, a restore of an old backup) still give
    well-formed XML instead of a 500."""

    def __init__(self, *args, **kwargs):
        super().__init__(*map(_cleaned, args), **{k: _cleaned(v) for k, v in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*map(_cleaned, args), **{k: _cleaned(v) for k, v in kwargs.items()})


class ContentRssFeed(CleanFeedMixin, Rss201rev2Feed):
    """RSS 2.0 with the full body in ``content:encoded`` (the RSS content module)."""

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content:encoded", item["content"])


class ContentAtomFeed(CleanFeedMixin, Atom1Feed):
    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content", item["content"], {"type": "html"})


class ArticleFeed(Feed):
    """The newest published articles, optionally of one section, tag or author."""

    feed_type = ContentRssFeed
    kind = None  # "section", "tag" or "author"
    language = "en"  # the edition (articles.editions), and the feed's <language>

    def get_object(self, request, slug=None):
        self.request = request
        if self.kind is None:
            return None
        model = {"section": Section, "tag": Tag, "author": Author}[self.kind]
        obj = get_object_or_404(model, slug=slug)
        if not self.articles(obj).exists():
            # A list with nothing published has no feed: a tag's name may come from a
            # draft, and an author or section may be waiting for an embargoed story.
            raise Http404("Nothing published here.")
        return obj

    def title(self, obj):
        return f"{obj} | {settings.SITE_NAME}" if obj else settings.SITE_NAME

    def link(self, obj):
        if obj is None:
            return absolute_url(editions.url(self.language, "home"))
        if self.kind == "tag":
            return absolute_url(editions.url(self.language, "tag", slug=obj.slug))
        if self.kind == "author":
            edition = editions.get(self.language)
            return absolute_url(editions.reverse_in(edition, "staff:detail", {"slug": obj.slug}))
        return absolute_url(obj.get_absolute_url())

    def description(self, obj):
        if obj is None:
            return gettext("The latest news from %(site)s.") % {"site": settings.SITE_NAME}
        return getattr(obj, "description", "") or f"{settings.SITE_NAME}: {obj}."

    def author_name(self, obj):
        return settings.SITE_NAME

    def feed_url(self, obj):
        return absolute_url(self.request.path_info)

    def articles(self, obj):
        articles = Article.objects.published().in_language(self.language)
        if self.kind == "section":
            articles = articles.filter(section=obj)
        elif self.kind == "tag":
            articles = articles.filter(tags=obj)
        elif self.kind == "author":
            articles = articles.filter(bylines__author=obj)
        return articles

    def items(self, obj):
        """The newest ``FEED_ITEMS`` articles, each with what its item shows worked out
        once: its address, its tags' names (one query for all of them, by name as on the
        article page) and its body ready for the feed (``feed_bodies``)."""
        items = list(self.articles(obj).for_feed()[:FEED_ITEMS])
        if not items:
            return items
        tagged = (
            TaggedItem.objects.filter(
                content_type=ContentType.objects.get_for_model(Article),
                object_id__in=[item.pk for item in items],
            )
            .order_by("tag__name", "tag_id")
            .values_list("object_id", "tag__name")
        )
        names = {}
        for article_id, name in tagged:
            names.setdefault(article_id, []).append(name)
        links = {item.pk: absolute_url(item.get_absolute_url()) for item in items}
        bodies = feed_bodies(items, links)
        for item in items:
            item.feed_link = links[item.pk]
            item.feed_tags = names.get(item.pk, [])
            item.feed_body = bodies[item.pk]
            item.feed_authors = item.byline_authors
        return items

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return item.feed_link

    def item_guid(self, item):
        return self.item_link(item)

    item_guid_is_permalink = True

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.content_updated_at or item.published_at

    def item_author_name(self, item):
        return ", ".join(author.name for author in item.feed_authors) or None

    def item_author_link(self, item):
        authors = item.feed_authors
        if len(authors) == 1:
            return absolute_url(authors[0].get_absolute_url())
        return None

    def item_categories(self, item):
        return [item.section.name, *item.feed_tags]

    def item_enclosures(self, item):
        if item.image_id is None:
            return []
        image = item.image
        mime_type = mimetypes.guess_type(image.file.name)[0] or "image/jpeg"
        url = absolute_url(image.url)
        return [Enclosure(url, str(image.file_size), mime_type)]

    def item_extra_kwargs(self, item):
        # Relative links and pictures (/other-story/, /media/…) would resolve against the
        # feed reader's own host.
        return {"content": item.feed_body}


class AtomArticleFeed(ArticleFeed):
    feed_type = ContentAtomFeed
    subtitle = ArticleFeed.description


def feed_pair(kind=None, language="en"):
    """The RSS and Atom feed views for one kind of list of one edition's articles."""
    attrs = {"kind": kind, "language": language}
    rss = type(f"{kind or 'site'}RssFeed", (ArticleFeed,), attrs)
    atom = type(f"{kind or 'site'}AtomFeed", (AtomArticleFeed,), attrs)
    return rss(), atom()
