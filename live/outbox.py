"""Key points to the Telegram channel: each once, through an outbox on the entry's row.

``on_entry_saved`` runs in the transaction that saves an entry: a key point of a story
whose article readers can see is marked ``waiting`` and its task enqueued in that same
transaction (as ``channels.outbox`` does for articles). ``send_key_point`` claims the row
(``waiting`` → sent or failed) in a transaction of its own before it calls Telegram, so a
second run or a second worker sends nothing twice; an entry unpinned or deleted meanwhile
sends nothing.
"""

from django.conf import settings
from django.db import transaction
from django.utils.html import escape

from articles.origin import absolute_url
from articles.richtext import plain_text
from channels import delivery, outbox, telegram
from core.tasks import task
from live.models import LiveEntry

State = LiveEntry.TelegramState


def on_entry_saved(entry):
    """Queue ``entry`` for the channel if it is a key point not yet queued or sent and its
    article is on the site; without ``TELEGRAM_BOT_TOKEN`` nothing happens."""
    if not telegram.is_configured() or not entry.is_key_point:
        return
    if entry.telegram_state != State.NONE or not entry.story.article.is_published():
        return
    LiveEntry.objects.filter(pk=entry.pk).update(telegram_state=State.WAITING)
    entry.telegram_state = State.WAITING
    outbox.enqueue_now(send_key_point, entry.pk)


def key_point_text(entry):
    """The message: the story's headline in bold, the key point's words, the link."""
    article = entry.story.article
    link = absolute_url(article.get_absolute_url())
    text = plain_text(entry.body)
    room = telegram.TEXT_LIMIT - len(article.title) - len(link) - 6
    if len(text) > room:
        text = text[: room - 1].rstrip() + "…"
    return f"<b>{escape(article.title)}</b>\n\n{escape(text)}\n\n{escape(link)}"


@task()
def send_key_point(entry_id, attempt=1):
    """Send the key point ``entry_id`` to the channel if it is still waiting and pinned;
    429 is waited out and temporary failures retried, as for articles' posts."""
    if not telegram.is_configured():
        return "not configured"
    with transaction.atomic():
        entry = (
            LiveEntry.objects.select_for_update(of=("self",))
            .select_related("story__article")
            .filter(pk=entry_id, telegram_state=State.WAITING)
            .first()
        )
        if entry is None:
            return "nothing to send"
        if not entry.is_key_point or not entry.story.article.is_published():
            entry.telegram_state = State.NONE
            entry.save(update_fields=["telegram_state"])
            return "not a key point any more"
        # Claimed: a second run finds it no longer waiting.
        entry.telegram_state = State.SENT
        entry.save(update_fields=["telegram_state"])
    outcome, result = delivery.send_claimed(
        entry,
        lambda entry: telegram.call(
            "sendMessage",
            {
                "chat_id": settings.TELEGRAM_CHANNEL_ID,
                "text": key_point_text(entry),
                "parse_mode": "HTML",
            },
        ),
        rule=delivery.RetryRule.telegram(),
        failures=attempt - 1,
        record_failure=record_failure,
        name=f"Key point {entry.pk}",
    )
    if outcome != "sent":
        return outcome
    LiveEntry.objects.filter(pk=entry.pk).update(
        telegram_message_id=result.get("message_id"), telegram_error=""
    )
    return "sent"


def record_failure(entry, error, next_try):
    """Waiting again, with the next attempt enqueued, or failed for good."""
    if next_try.at is not None:
        delivery.enqueue_attempt(send_key_point, next_try, entry.pk)
    LiveEntry.objects.filter(pk=entry.pk).update(
        telegram_state=State.FAILED if next_try.at is None else State.WAITING,
        telegram_error=str(error),
    )
