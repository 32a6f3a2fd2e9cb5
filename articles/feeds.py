"""RSS 2.0 and Atom feeds for the whole site, each section, tag and author.

Each item carries the summary, the full sanitized body (``content:encoded`` in RSS,
``content`` in Atom), its authors, its section and tags as categories, the publication
and update times, and the featured image as an enclosure."""

import hashlib
import io
import mimetypes
from typing import NamedTuple

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.syndication.views import Feed
from django.db.models.functions import MD5
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.translation import gettext
from django.utils.xmlutils import SimplerXMLGenerator
from taggit.models import Tag, TaggedItem

from articles import editions, page_cache
from articles.models import Article, Section
from articles.origin import absolute_url
from core.text import clean_text
from core.urls import absolute_html
from staff.models import Author

FEED_ITEMS = 20


class FeedItem(NamedTuple):
    """An item's XML (``<item>`` or ``<entry>``), as the shared cache keeps it."""

    xml: str


# The entry's shape and the code that writes the XML (the deploy's code and Django's
# version: page_cache.CODE_DIGEST): a deploy that changes either reads under new keys.
FEED_ITEM_SHAPE = f"{page_cache.shape_key(FeedItem)}{page_cache.CODE_DIGEST}"
# Made again a day after it was kept: the items of old articles do not pile up in Redis.
FEED_ITEM_SECONDS = 86400


def _fact(value):
    if isinstance(value, Enclosure):
        return ("enclosure", value.url, value.length, value.mime_type)
    if isinstance(value, list | tuple):
        return tuple(_fact(part) for part in value)
    return value


def feed_item_key(feed, item):
    """The shared cache's key of ``item`` (the feed writer's dict of one item) in ``feed``:
    a digest of the kind of feed and of every value the item is written from, its body by
    the database's MD5 of it (``body_digest``), so that the body need not be read to know
    whether the kept XML is still its XML."""
    facts = (
        type(feed).__name__,
        tuple(sorted((name, _fact(value)) for name, value in item.items() if name != "content")),
    )
    digest = hashlib.blake2b(repr(facts).encode(), digest_size=16).hexdigest()
    return f"feed-item:{FEED_ITEM_SHAPE}:{digest}"


def write_kept_items(feed, handler, element):
    """Write ``feed``'s items, each as kept in the shared cache when its key is there, else
    written (its body read then: one query for all the missing ones, its relative
    addresses made absolute against the item's link and cleaned) and kept. The shared
    cache down: every item is written, nothing kept."""
    keys = [feed_item_key(feed, item) for item in feed.items]
    found = page_cache.guarded("get_many", keys, default=None)
    kept = {key: page_cache.entry_or_miss((found or {}).get(key), FeedItem) for key in keys}
    pairs = list(zip(feed.items, keys, strict=True))
    missing = [item["article_id"] for item, key in pairs if kept[key] is None]
    bodies = {}
    if missing:
        bodies = dict(Article.objects.filter(pk__in=missing).values_list("pk", "body"))
    to_keep = {}
    for item, key in pairs:
        entry = kept[key]
        if entry is None:
            body = bodies.get(item["article_id"], "")
            content = clean_text(absolute_html(body, item["link"]))
            entry = FeedItem(_item_xml(feed, {**item, "content": content}, element))
            # Kept only when the body read is the one the key was made from: an edit
            # saved between the two reads is written now and kept on the next poll.
            if hashlib.md5(body.encode()).hexdigest() == item["body_digest"]:
                to_keep[key] = entry
        # Written as it is: the XML was escaped when the item was written.
        handler.ignorableWhitespace(entry.xml)
    if to_keep and found is not None:
        page_cache.guarded("set_many", to_keep, timeout=FEED_ITEM_SECONDS)


def _item_xml(feed, item, element):
    out = io.StringIO()
    handler = SimplerXMLGenerator(out, "utf-8", short_empty_elements=True)
    handler.startElement(element, feed.item_attributes(item))
    feed.add_item_elements(handler, item)
    handler.endElement(element)
    return out.getvalue()


def _cleaned(value):
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
    """RSS 2.0 with the full body in ``content:encoded`` (the RSS content module); each
    item kept written in the shared cache (``write_kept_items``)."""

    def write_items(self, handler):
        write_kept_items(self, handler, "item")

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
    def write_items(self, handler):
        write_kept_items(self, handler, "entry")

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
        once: its address and its tags' names (one query for all of them, by name as on
        the article page). Not their bodies: the database's digest of each
        (``body_digest``) tells whether the item's kept XML is still its own
        (``write_kept_items``), and only a changed item's body is read."""
        items = list(
            self.articles(obj)
            .for_feed()
            .defer("body")
            .annotate(body_digest=MD5("body"))[:FEED_ITEMS]
        )
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
        for item in items:
            item.feed_link = absolute_url(item.get_absolute_url())
            item.feed_tags = names.get(item.pk, [])
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
        # The body is read and written only for an item whose kept XML is missing
        # (write_kept_items), its relative links and pictures (/other-story/, /media/…)
        # made absolute: they would resolve against the feed reader's own host.
        return {"article_id": item.pk, "body_digest": item.body_digest}


class AtomArticleFeed(ArticleFeed):
    feed_type = ContentAtomFeed
    subtitle = ArticleFeed.description


def feed_pair(kind=None, language="en"):
    """The RSS and Atom feed views for one kind of list of one edition's articles."""
    attrs = {"kind": kind, "language": language}
    rss = type(f"{kind or 'site'}RssFeed", (ArticleFeed,), attrs)
    atom = type(f"{kind or 'site'}AtomFeed", (AtomArticleFeed,), attrs)
    return rss(), atom()
