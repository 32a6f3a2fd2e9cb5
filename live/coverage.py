"""What readers see of a live story: read once per page, shared by the article page and
the polling endpoint (``live.views``), so both show the same entries in the same order."""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from articles.origin import absolute_url
from articles.richtext import excerpt, plain_text
from articles.structured_data import to_script_json
from core.urls import reverse
from live.models import LiveEntry, LiveStory


@dataclass
class Coverage:
    story: LiveStory
    entries: list = field(default_factory=list)
    now: object = None

    @property
    def is_open(self):
        return self.story.is_open(self.now)

    @property
    def key_points(self):
        return [entry for entry in self.entries if entry.is_key_point]

    @property
    def poll_url(self):
        return reverse("live:entries", kwargs={"article_id": self.story.article_id})

    @property
    def poll_seconds(self):
        return settings.LIVE_POLL_SECONDS

    def json_ld(self):
        """schema.org ``LiveBlogPosting``: the coverage's times and every entry (newest
        first) as a ``liveBlogUpdate``."""
        article = self.story.article
        data = {
            "@context": "https://schema.org",
            "@type": "LiveBlogPosting",
            "@id": absolute_url(article.get_absolute_url()) + "#live",
            "headline": article.title,
            "url": absolute_url(article.get_absolute_url()),
            "coverageStartTime": self.story.coverage_start.isoformat(),
            "liveBlogUpdate": [
                {
                    "@type": "BlogPosting",
                    "headline": excerpt(plain_text(entry.body), 12) or article.title,
                    "articleBody": plain_text(entry.body),
                    "datePublished": entry.published_at.isoformat(),
                    "url": absolute_url(f"{article.get_absolute_url()}#entry-{entry.pk}"),
                }
                for entry in self.entries
            ],
        }
        if self.story.coverage_end:
            data["coverageEndTime"] = self.story.coverage_end.isoformat()
        return to_script_json(data)


def entries_of(story):
    """The story's entries, newest first, with their pictures and bylines: one query."""
    return list(
        LiveEntry.objects.filter(story=story)
        .select_related("image", "author")
        .order_by("-published_at", "-pk")
    )


def for_article(article):
    """The live coverage of ``article`` (a ``Coverage``), or None when it is no live story:
    no query for an ordinary article read with its live story joined (the article page's
    ``for_page``), one otherwise; one more for a live one's entries. Remembered on the
    article, so that the page's template may ask in each of its blocks."""
    if not hasattr(article, "_live_coverage"):
        if type(article).live_story.is_cached(article):
            try:
                story = article.live_story
            except LiveStory.DoesNotExist:
                story = None
            if story is not None and not story.is_live:
                story = None
        else:
            story = LiveStory.objects.filter(article=article, is_live=True).first()
        coverage = None
        if story is not None:
            story.article = article
            coverage = Coverage(story, entries_of(story), timezone.now())
        article._live_coverage = coverage
    return article._live_coverage
