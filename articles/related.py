"""Related stories under an article: published articles that share its tags, then its
section, the recent ones first.

Ranked in one query, so that the article page keeps a fixed number of queries: the
candidates are the newest ``CANDIDATES`` published articles of the article's section and
the ``CANDIDATES`` last created that share one of its tags (index range scans, so the cost
does not grow with the archive), ordered by

1. recent or not: published within ``RELATED_RECENT_DAYS`` (a setting) of now; an older
   story comes only when too few recent ones fit,
2. the number of tags shared with the article,
3. same section or not,
4. newest first.

The article itself is never among them."""

from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from taggit.models import TaggedItem

from articles.models import Article, article_address, column_loader
from core.db import prepared_cursor

# What a related story shows, read straight into an Article (``column_loader``).
STORY_FIELDS = {"id", "title", "slug", "kicker", "published_at", "language"}

RELATED_COUNT = 6
# How many of the newest section and tag matches are ranked: ten times the list, so that
# it holds well-matched stories, and few enough that PostgreSQL reaches each candidate by
# its primary key instead of reading the table (measured on 10,000 articles: 200 made it
# scan every article).
CANDIDATES = 60
# The tags' share of them is split between the article's tags, each tag's newest apart, so
# that a common tag's many new stories do not crowd out a rare tag's; but never fewer
# than this a tag.
CANDIDATES_A_TAG = 15


class RelatedStory(NamedTuple):
    title: str
    url: str
    kicker: str
    published_at: object


def related_stories(article, tags, count=RELATED_COUNT, now=None):
    """Up to ``count`` published articles related to ``article``, whose tags are ``tags``
    (``page_relations``' list, so they are not read twice): one query.

    Written as SQL so that each part uses its index (measured on the benchmark's 10,000
    articles: 20 ms as the ORM's OR of two subqueries, which read every article and every
    tagging; under 1 ms as this): the section's newest articles by the section's index,
    the newest taggings of each tag (newest by article id, which follows creation; the
    tags share ``CANDIDATES``) by the (content type, tag, object) index (migration 0029),
    joined with UNION, then to their articles by primary key, where the rule of
    ``published()`` is applied; the shared tags are counted per candidate through taggit's
    (content type, object id) index. Each part reads a bounded number of index entries,
    so the cost does not grow with the archive (checked on a million articles)."""
    now = now or timezone.now()
    table, items = Article._meta.db_table, TaggedItem._meta.db_table
    content_type = ContentType.objects.get_for_model(Article).pk
    # Published, in the article's own language (a Persian story's related stories are
    # Persian), and not the article itself.
    published = (
        f"{table}.status = %s AND {table}.published_at <= %s AND {table}.language = %s"
        f" AND {table}.id <> %s"
    )
    public = [Article.Status.PUBLISHED, now, article.language, article.pk]
    tag_ids = [tag.pk for tag in tags] or [0]
    marks = ", ".join(["%s"] * len(tag_ids))
    # Each tag's newest taggings apart, by the (content type, tag, object) index: one short
    # range a tag however common or rare it is (as one IN list, the database either walks
    # every tagging backwards until it meets enough of a rare tag's, or sorts all of a
    # common one's, and a common tag's newest crowd out a rare tag's).
    a_tag = max(CANDIDATES // len(tag_ids), CANDIDATES_A_TAG)
    each_tag = " UNION ".join(
        f"SELECT id FROM (SELECT tagged.object_id AS id FROM {items} tagged"
        " WHERE tagged.content_type_id = %s AND tagged.tag_id = %s"
        f" ORDER BY tagged.object_id DESC LIMIT {a_tag:d}) tag_{index}"
        for index in range(len(tag_ids))
    )
    columns, names, convert = column_loader(Article, "article", STORY_FIELDS)
    sql = (
        f"SELECT {columns},"
        f" (SELECT COUNT(*) FROM {items} item WHERE item.content_type_id = %s"
        f" AND item.object_id = article.id AND item.tag_id IN ({marks})) AS shared"
        f" FROM ("
        f"SELECT id FROM (SELECT {table}.id FROM {table} WHERE {published}"
        f" AND {table}.section_id = %s ORDER BY {table}.published_at DESC"
        f" LIMIT {CANDIDATES:d}) in_section"
        f" UNION {each_tag}"
        f") candidate JOIN {table} article ON article.id = candidate.id"
        f" WHERE {published.replace(table + '.', 'article.')}"
        " ORDER BY CASE WHEN article.published_at >= %s THEN 1 ELSE 0 END DESC, shared DESC,"
        " CASE WHEN article.section_id = %s THEN 1 ELSE 0 END DESC,"
        f" article.published_at DESC, article.id DESC LIMIT {count:d}"
    )
    params = [
        content_type,
        *tag_ids,
        *public,
        article.section_id,
        *(value for tag_id in tag_ids for value in (content_type, tag_id)),
        *public,
        now - timedelta(days=settings.RELATED_RECENT_DAYS),
        article.section_id,
    ]
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # Straight from the rows, each value through its field's converters (no model made).
    stories = [dict(zip(names, convert(row[: len(names)]), strict=True)) for row in rows]
    return [
        RelatedStory(
            story["title"],
            article_address(story["language"], story["slug"]),
            story["kicker"],
            story["published_at"],
        )
        for story in stories
    ]
