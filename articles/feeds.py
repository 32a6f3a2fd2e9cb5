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
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.translation import gettext
from django.utils.xmlutils import SimplerXMLGenerator
from taggit.models import Tag, TaggedItem

from articles import editions, page_cache
from articles.models import (
    Article,
    CardList,
    Section,
    column_loader,
    from_rows,
    read_byline_names,
)
from articles.origin import absolute_url
from core.db import prepared_cursor
from core.text import clean_text
from core.urls import absolute_html
from images.models import Image
from staff.models import Author, author_url

FEED_ITEMS = 20


class FeedItem(NamedTuple):
    """An item's XML (``<item>`` or ``<entry>``), as the shared cache keeps it."""

    xml: str


# The entry's shape and the code that writes the XML (the deploy's code and Django's
# version: page_cache.CODE_DIGEST): a deploy that changes either reads under new keys.
FEED_ITEM_SHAPE = f"{page_cache.shape_key(FeedItem)}{page_cache.CODE_DIGEST}"
# Made again a day after it was kept: the items of old articles do not pile up in Redis.
FEED_ITEM_SECONDS = 86400


def feed_item_key(feed, item):
    """The shared cache's key of ``item`` (the feed writer's dict of one item, its texts
    as read, before ``clean_text``) in ``feed``: a digest of the kind of feed and of every
    value the item is written from, its body by the database's MD5 of it
    (``body_digest``), so that the body need not be read to know whether the kept XML is
    still its XML."""
    facts = dict(item)
    # An Enclosure's repr is its address in memory: its values instead.
    facts["enclosures"] = [(e.url, e.length, e.mime_type) for e in item["enclosures"]]
    facts = (type(feed).__name__, sorted(facts.items()))
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
            cleaned = {name: _cleaned(value) for name, value in item.items()}
            entry = FeedItem(_item_xml(feed, {**cleaned, "content": content}, element))
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
    well-formed XML instead of a 500. The feed's own texts here; an item's when its XML
    is written (``write_kept_items``), not for an item whose XML is kept."""

    def __init__(self, *args, **kwargs):
        super().__init__(*map(_cleaned, args), **{k: _cleaned(v) for k, v in kwargs.items()})


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


# What an item shows of its article (with ``published_at`` and ``content_updated_at``).
FEED_FIELDS = {
    "id",
    "slug",
    "language",
    "title",
    "standfirst",
    "excerpt",
    "published_at",
    "content_updated_at",
    "image_id",
}


class FeedRow(NamedTuple):
    """One article as its feed item shows it (``ArticleFeed.rows``)."""

    article: Article  # FEED_FIELDS, and its byline_authors as names
    section: str  # its section's name
    image_file: str | None  # its picture's file name in storage, if it has one
    image_size: int | None  # and its size in bytes
    body_digest: str  # the hex MD5 of its body, as the database computes it
    tags: tuple = ()  # its tags' names, by name


def tag_names(article_ids):
    """``{article id: [tag name, …]}`` of the articles ``article_ids``, each list by name
    as on the article page, in one query."""
    if not article_ids:
        return {}
    content_type = ContentType.objects.get_for_model(Article).pk
    with prepared_cursor() as cursor:
        cursor.execute(
            f"SELECT item.object_id, tag.name FROM {Tag._meta.db_table} tag"
            f" JOIN {TaggedItem._meta.db_table} item ON item.tag_id = tag.id"
            f" WHERE item.content_type_id = %s"
            f" AND item.object_id IN ({', '.join(['%s'] * len(article_ids))})"
            " ORDER BY tag.name, tag.id",
            [content_type, *article_ids],
        )
        found = cursor.fetchall()
    names = {}
    for article_id, name in found:
        names.setdefault(article_id, []).append(name)
    return names


def _image_storage():
    return Image._meta.get_field("file").storage


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
        return get_object_or_404(model, slug=slug)

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

    # Django's get_feed writes the feed's own elements from the methods above and adds
    # no item: the items are added by this get_feed, each from one row (``item_arguments``)
    # instead of through the framework's lookup of about fifteen methods an item, each
    # introspected on every call.
    items = ()

    def get_feed(self, obj, request):
        rows = self.rows(obj)
        if obj is not None and not rows:
            # A list with nothing published has no feed: a tag's name may come from a
            # draft, and an author or section may be waiting for an embargoed story.
            raise Http404("Nothing published here.")
        feed = super().get_feed(obj, request)
        for row in rows:
            feed.add_item(**self.item_arguments(row))
        return feed

    def rows(self, obj):
        """The newest ``FEED_ITEMS`` articles of the list as ``FeedRow``s, in three queries
        whatever their number: the articles with their section's name and their picture
        (and not their bodies: the database's digest of each, ``body_digest``, tells
        whether the item's kept XML is still its own, ``write_kept_items``, and only a
        changed item's body is read), their bylines' names, and their tags' names.

        Written as SQL: the ORM's query, its prefetch of bylines (a queryset an item) and
        the models it built cost about three fifths of the feed's Python."""
        articles = CardList(self.language)
        if self.kind:
            articles = articles.narrowed_to(self.kind, obj)
        if articles.ids is not None:
            # Whether a tag's or an author's list is short enough to read by id: its count,
            # shared with the list's pages, read once a content generation.
            generation = page_cache.request_generation(self.request)
            articles.count_with(
                lambda name, count: page_cache.count_of_generation(name, generation, count)
            )
        where, params = articles.reading()
        columns, names, convert = column_loader(Article, "article", FEED_FIELDS)
        sql = (
            f"SELECT {columns}, section.name, image.file, image.file_size,"
            f" MD5(article.body) FROM {Article._meta.db_table} article"
            f" JOIN {Section._meta.db_table} section ON section.id = article.section_id"
            f" LEFT JOIN {Image._meta.db_table} image ON image.id = article.image_id"
            f" WHERE {where}{CardList.ORDER} LIMIT {FEED_ITEMS:d}"
        )
        with prepared_cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        width = len(names)
        made = from_rows(Article, names, [convert(row[:width]) for row in found])
        rows = [FeedRow(article, *row[width:]) for article, row in zip(made, found, strict=True)]
        read_byline_names([row.article for row in rows])
        tags = tag_names([row.article.pk for row in rows])
        return [row._replace(tags=tags.get(row.article.pk, [])) for row in rows]

    def item_arguments(self, row):
        """The feed writer's arguments (``add_item``) for the item of ``row``: its texts as
        read (``write_kept_items`` cleans those it writes)."""
        article = row.article
        link = absolute_url(article.get_absolute_url())
        authors = article.byline_authors
        author_link = None
        if len(authors) == 1:
            author_link = absolute_url(author_url(authors[0].slug))
        enclosures = []
        if row.image_file is not None:
            mime_type = mimetypes.guess_type(row.image_file)[0] or "image/jpeg"
            url = absolute_url(_image_storage().url(row.image_file))
            enclosures = [Enclosure(url, str(row.image_size), mime_type)]
        return {
            "title": article.title,
            "link": link,
            "description": article.summary,
            "unique_id": link,
            "unique_id_is_permalink": True,
            "enclosures": enclosures,
            "pubdate": self.item_pubdate(article),
            "updateddate": self.item_updateddate(article),
            "author_name": ", ".join(author.name for author in authors) or None,
            "author_link": author_link,
            "categories": [row.section, *row.tags],
            # The body is read and written only for an item whose kept XML is missing
            # (write_kept_items), its relative links and pictures (/other-story/,
            # /media/…) made absolute: they would resolve against the feed reader's host.
            "article_id": article.pk,
            "body_digest": row.body_digest,
        }

    # Also what tells Django's Feed to send the feed's Last-Modified.
    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.content_updated_at or item.published_at


class AtomArticleFeed(ArticleFeed):
    feed_type = ContentAtomFeed
    subtitle = ArticleFeed.description


def feed_pair(kind=None, language="en"):
    """The RSS and Atom feed views for one kind of list of one edition's articles."""
    attrs = {"kind": kind, "language": language}
    rss = type(f"{kind or 'site'}RssFeed", (ArticleFeed,), attrs)
    atom = type(f"{kind or 'site'}AtomFeed", (AtomArticleFeed,), attrs)
    return rss(), atom()
