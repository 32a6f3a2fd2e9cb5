from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format


class TelegramPost(models.Model):
    """An article's post to the Telegram channel, and the outbox row that sends it: at most
    one per article, so an article is posted once however often it is published.

    The row is written in the transaction that publishes the article (``channels.outbox``),
    and the task that sends it is enqueued in that same transaction, so a crash loses
    neither; the task sends only a ``waiting`` row that is due, and marks it ``sending``
    first in a transaction of its own, so two workers never both send it."""

    class State(models.TextChoices):
        NONE = "", "Not queued"
        WAITING = "waiting", "Waiting"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Not sent"

    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, related_name="telegram_post"
    )
    skip = models.BooleanField(
        "do not post to Telegram",
        default=False,
        help_text="Tick to keep this article off the Telegram channel. A post already "
        "sent stays there.",
    )
    state = models.CharField(max_length=10, choices=State.choices, default="", blank=True)
    due_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next attempt to send is made."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.BigIntegerField(null=True, blank=True)
    # What the channel shows: the text as last sent or edited, and whether it is a photo's
    # caption, so that a changed headline or standfirst is edited in (channels.outbox).
    sent_text = models.TextField(blank=True, editable=False)
    sent_as_photo = models.BooleanField(default=False, editable=False)
    # The newest of the article's corrections already on the channel (as a reply to the
    # post, or older than the post itself).
    replied_correction_id = models.BigIntegerField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Telegram post"
        indexes = [models.Index(fields=["state", "due_at"], name="telegram_post_due_idx")]

    def __str__(self):
        return f"Telegram post of “{self.article}”"

    @property
    def summary(self):
        """What editors see of the post: sent, waiting, failed, with the time and reason."""
        when = self.sent_at if self.state == self.State.SENT else self.due_at
        at = date_format(timezone.localtime(when), "j M Y, H:i") if when else ""
        if self.state == self.State.SENT:
            return f"Sent at {at}."
        if self.state in (self.State.WAITING, self.State.SENDING):
            text = f"Waiting to be sent at {at}." if at else "Waiting to be sent."
            if self.last_error:
                text += f" Attempt {self.attempts + 1}; the last one failed: {self.last_error}"
            return text
        if self.state == self.State.FAILED:
            return f"Failed after {self.attempts} attempts: {self.last_error}"
        if self.state == self.State.CANCELLED:
            return f"Not sent: {self.last_error}"
        return "Not posted to Telegram." if self.skip else "Posted when the article is published."


class Event(models.TextChoices):
    """What the newsroom is told about (channels.notify)."""

    SUBMITTED = "submitted", "An article is submitted for review"
    SENT_BACK = "sent_back", "My article is sent back to me"
    SCHEDULE_FAILED = "schedule_failed", "A scheduled publication fails"
    TELEGRAM_FAILED = "telegram_failed", "A Telegram post fails"


class NotificationPreference(models.Model):
    """What one member of staff is told by e-mail. Without a row, everything is on: a
    newcomer misses nothing before visiting the page."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    by_email = models.BooleanField(
        "by e-mail", default=True, help_text="Sent to the address on your account."
    )
    submitted = models.BooleanField(Event.SUBMITTED.label, default=True)
    sent_back = models.BooleanField(Event.SENT_BACK.label, default=True)
    schedule_failed = models.BooleanField(Event.SCHEDULE_FAILED.label, default=True)
    telegram_failed = models.BooleanField(Event.TELEGRAM_FAILED.label, default=True)

    class Meta:
        verbose_name = verbose_name_plural = "my notifications"

    def __str__(self):
        return f"Notifications of {self.user}"

    def wants(self, event):
        return self.by_email and getattr(self, event)


class Notification(models.Model):
    """One message to one person (e-mail) or to the desk's Telegram chat, and the outbox
    row that sends it: written in the transaction of what it tells, sent by a task
    (channels.notify) that claims it first, so it goes out once."""

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        TELEGRAM = "telegram", "Desk's Telegram chat"

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    event = models.CharField(max_length=20, choices=Event)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    address = models.CharField(max_length=254, help_text="E-mail address or Telegram chat id.")
    article = models.ForeignKey(
        "articles.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=200)
    text = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["state", "created_at"], name="notification_state_idx")]

    def __str__(self):
        return self.subject
