"""Related stories under an article: published articles that share its tags, then its
section, the recent ones first.

Ranked in one query, so that the article page keeps a fixed number of queries: the
candidates are the newest ``CANDIDATES`` published articles of the article's section and
the newest ``CANDIDATES`` that share one of its tags (index range scans, so the cost does
not grow with the archive), ordered by

1. recent or not: published within ``RELATED_RECENT_DAYS`` (a setting) of now; an older
   story comes only when too few recent ones fit,
2. the number of tags shared with the article,
3. same section or not,
4. newest first.

The article itself is never among them."""

from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils import timezone

from articles.models import Article

RELATED_COUNT = 6
# How many of the newest section and tag matches are ranked: enough to fill the list with
# well-matched stories, few enough for the ranking to cost the same on any archive.
CANDIDATES = 200


class RelatedStory(NamedTuple):
    title: str
    url: str
    kicker: str
    published_at: object


def related_stories(article, tags, count=RELATED_COUNT, now=None):
    """Up to ``count`` published articles related to ``article``, whose tags are ``tags``
    (``page_relations``' list, so they are not read twice): one query."""
    published = Article.objects.published().exclude(pk=article.pk)
    tag_ids = [tag.pk for tag in tags]
    in_section = published.filter(section_id=article.section_id).values("pk")[:CANDIDATES]
    matches = Q(pk__in=in_section)
    shared = Value(0, output_field=IntegerField())
    if tag_ids:
        with_tags = published.filter(tags__in=tag_ids).values("pk")[:CANDIDATES]
        matches |= Q(pk__in=with_tags)
        shared = Count("tags", filter=Q(tags__in=tag_ids), distinct=True)
    recent_since = (now or timezone.now()) - timedelta(days=settings.RELATED_RECENT_DAYS)
    ranked = (
        Article.objects.filter(matches)
        .annotate(
            recent=Case(
                When(published_at__gte=recent_since, then=1),
                default=0,
                output_field=IntegerField(),
            ),
            shared=shared,
            same_section=Case(
                When(section_id=article.section_id, then=1),
                default=0,
                output_field=IntegerField(),
            ),
        )
        .order_by("-recent", "-shared", "-same_section", "-published_at", "-id")
        .only("title", "slug", "kicker", "published_at")[:count]
    )
    return [
        RelatedStory(story.title, story.get_absolute_url(), story.kicker, story.published_at)
        for story in ranked
    ]
