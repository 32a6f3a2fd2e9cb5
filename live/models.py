"""Live coverage: an article that is a live story, and its timestamped entries."""

from datetime import timedelta

import reversion
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone

from articles.richtext import plain_text, sanitize_body


class LiveStory(models.Model):
    """An article followed as it happens. Coverage is open from ``coverage_start`` (or at
    once) until ``coverage_end`` (or until an editor sets one); the article page shows its
    entries newest first with the key points on top, marked LIVE while coverage is open."""

    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, related_name="live_story"
    )
    is_live = models.BooleanField(
        "live story",
        default=True,
        help_text="Show this article's live entries on its page. Untick to hide them.",
    )
    coverage_start = models.DateTimeField(
        default=timezone.now, help_text="When the coverage began (shown to search engines)."
    )
    coverage_end = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set it to close the coverage: the page then says “Coverage has ended” "
        "and readers' pages stop asking for new entries.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "live story"
        verbose_name_plural = "live stories"

    def __str__(self):
        return f"Live: {self.article}"

    def clean(self):
        if self.coverage_end and self.coverage_start and self.coverage_end < self.coverage_start:
            raise ValidationError({"coverage_end": "The coverage cannot end before it starts."})

    def is_open(self, now=None):
        """Whether the coverage is going on: it has started and has not ended."""
        now = now or timezone.now()
        ended = self.coverage_end is not None and self.coverage_end <= now
        return self.coverage_start <= now and not ended


class LiveEntry(models.Model):
    """One update of a live story: a few lines of the body's rich text (sanitised the same
    way on save), an optional picture from the library and byline, and a "key point" pin
    that lifts it to the top of the page (and, when Telegram is set up, to the channel)."""

    class TelegramState(models.TextChoices):
        NONE = "", "Not sent"
        WAITING = "waiting", "Waiting"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    story = models.ForeignKey(LiveStory, on_delete=models.CASCADE, related_name="entries")
    published_at = models.DateTimeField(
        "time", default=timezone.now, help_text="Shown on the entry; not in the future."
    )
    body = models.TextField("text", help_text="A few lines; links and emphasis as in the body.")
    image = models.ForeignKey(
        "images.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author = models.ForeignKey(
        "staff.Author",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="byline",
    )
    is_key_point = models.BooleanField(
        "key point", default=False, help_text="Pinned on top of the coverage."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    updated_at = models.DateTimeField(auto_now=True)
    # A key point's message on the Telegram channel (live.outbox): sent once.
    telegram_state = models.CharField(
        max_length=10, choices=TelegramState.choices, default="", blank=True, editable=False
    )
    telegram_message_id = models.BigIntegerField(null=True, blank=True, editable=False)
    telegram_error = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ("-published_at", "-pk")
        verbose_name = "live entry"
        verbose_name_plural = "live entries"
        indexes = [models.Index(fields=["story", "-published_at"], name="live_entry_story_idx")]

    def __str__(self):
        return self.summary

    def save(self, *args, **kwargs):
        self.body = sanitize_body(self.body)
        super().save(*args, **kwargs)

    def clean(self):
        if self.published_at and self.published_at > timezone.now() + timedelta(minutes=1):
            raise ValidationError({"published_at": "An entry cannot be dated in the future."})
        if not plain_text(sanitize_body(self.body or "")).strip() and self.image_id is None:
            raise ValidationError({"body": "Write the entry's text (or choose a picture)."})

    @property
    def article(self):
        """The live story's article (what the page-cache signal looks at); None when the
        story is gone already (deleted with its article)."""
        try:
            return self.story.article
        except ObjectDoesNotExist:
            return None

    @property
    def summary(self):
        text = plain_text(self.body).strip()
        return text[:80] + ("…" if len(text) > 80 else "")


# History: every save on the live desk records the story with its entries (live.admin),
# so an edited or deleted entry can be read, and restored, from the story's history.
reversion.register(LiveEntry)
reversion.register(LiveStory, follow=("entries",))
