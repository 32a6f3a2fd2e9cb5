"""The Telegram outbox: what the workflow calls when an article's visibility changes, and
the task that sends a post.

``on_article_changed`` runs inside the transaction that publishes, schedules, reschedules
or unpublishes an article. It writes the article's ``TelegramPost`` row and enqueues the
task that sends it for the publication time, both in that transaction: with the database
task backend the task is a row of the same database, so the publish, the outbox row and
the task commit together or not at all. A worker that is down when the time comes runs
the task when it returns (a due task waits in the queue).

``send_post`` is idempotent: it sends only a row that is waiting and due, for an article
readers can see at that moment, and claims it (``sending``) in a transaction of its own
before it calls Telegram, so a second run or a second worker finds it claimed. A worker
that dies between Telegram's answer and recording it leaves the row ``sending``; it is
sent again only when an editor chooses "send again", since Telegram may have it.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from channels import delivery, notify, telegram
from channels.models import TelegramPost
from core.tasks import enqueue_with_transaction, task

logger = logging.getLogger(__name__)

State = TelegramPost.State


def on_article_changed(article):
    """Queue, move or cancel ``article``'s Telegram post after its status or publication
    time changed; call it inside the transaction that changed them. Does nothing without
    ``TELEGRAM_BOT_TOKEN``, for an article whose post was sent, or one marked "do not
    post"."""
    if not telegram.is_configured():
        return
    from articles.models import Article

    if article.status != Article.Status.PUBLISHED or article.published_at is None:
        TelegramPost.objects.filter(article=article, state=State.WAITING).update(
            state=State.CANCELLED,
            last_error="the article was taken off the site before its time.",
            due_at=None,
        )
        return
    post, _ = TelegramPost.objects.select_for_update().get_or_create(article=article)
    if post.skip or post.state in (State.SENT, State.SENDING):
        return
    post.state = State.WAITING
    post.due_at = article.published_at
    post.attempts = 0
    post.last_error = ""
    post.save()
    enqueue(post)


def send_again(post):
    """An editor's "send again" of a failed or unsent post (or one whose worker died while
    sending): queued now if its article is on the site. Returns whether it was queued."""
    with transaction.atomic():
        post = (
            TelegramPost.objects.select_for_update(of=("self",))
            .select_related("article")
            .get(pk=post.pk)
        )
        if post.state == State.SENT or not post.article.is_published():
            return False
        post.state = State.WAITING
        post.due_at = timezone.now()
        post.attempts = 0
        post.last_error = ""
        post.save()
        enqueue(post)
    return True


def enqueue(post):
    """Enqueue ``send_post`` for the row's due time. With the database backend the task
    row commits or rolls back with the caller's transaction; another backend (Redis) is
    told once that transaction has committed, so that a worker never looks for a row not
    yet written, and ``catch_up`` enqueues again what a crash between the two lost."""
    enqueue_with_transaction(send_post, post.pk, run_after=post.due_at)


def catch_up():
    """Enqueue every waiting post that is due: for a task backend outside the database,
    where an enqueued task can be lost (``manage.py telegram_catch_up``). Extra runs are
    harmless. Returns how many were enqueued."""
    due = TelegramPost.objects.filter(state=State.WAITING, due_at__lte=timezone.now())
    count = 0
    for post in due:
        enqueue(post)
        count += 1
    return count


def claim(post_id, now):
    """The row, marked ``sending``, when it should be sent now; else None (and the row
    cancelled or moved, when the article's state says so)."""
    from articles.models import Article

    with transaction.atomic():
        post = (
            # Only this row is locked: the article stays free for editors meanwhile.
            TelegramPost.objects.select_for_update(of=("self",))
            .select_related("article", "article__image")
            .filter(pk=post_id)
            .first()
        )
        if post is None or post.state != State.WAITING:
            return None  # sent, sending, cancelled, or deleted with its article
        if post.due_at and post.due_at > now:
            return None  # rescheduled: the task enqueued for the new time sends it
        article = post.article
        if post.skip or article.status != Article.Status.PUBLISHED:
            post.state = State.CANCELLED
            post.last_error = (
                "marked “do not post to Telegram”."
                if post.skip
                else "the article is not published."
            )
            post.save()
            return None
        if article.published_at > now:
            # Moved to a later time without passing through the workflow's hook.
            post.due_at = article.published_at
            post.save()
            enqueue(post)
            return None
        post.state = State.SENDING
        post.save()
        return post


@task()
def send_post(post_id):
    """Send the Telegram post ``post_id`` if it is waiting and due; record the outcome.
    Telegram's "too many requests" is waited out for as long as it says; other temporary
    failures are retried ``TELEGRAM_MAX_ATTEMPTS`` times with a doubling wait."""
    if not telegram.is_configured():
        return "not configured"
    now = timezone.now()
    post = claim(post_id, now)
    if post is None:
        return "nothing to send"
    # The first attempt at the article's own time, run this late: no worker was running.
    on_time = post.attempts == 0 and post.due_at == post.article.published_at
    late = now - post.due_at if on_time else timedelta(0)
    if late > timedelta(seconds=settings.TASKS_STUCK_SECONDS):
        notify.on_schedule_failed(
            post.article,
            "it came out on time, but its Telegram post waited "
            f"{int(late.total_seconds() // 60)} minutes for a task worker (none was running).",
        )
    outcome, sent = delivery.send_claimed(
        post,
        lambda post: telegram.send_article(post.article),
        rule=delivery.RetryRule.telegram(),
        failures=post.attempts,
        record_failure=record_failure,
        name=f"Telegram post of article {post.article_id}",
    )
    if outcome != "sent":
        return "failed"
    message_id, text, as_photo = sent
    post.state = State.SENT
    post.sent_at = timezone.now()
    post.message_id = message_id
    post.sent_text = text
    post.sent_as_photo = as_photo
    # Corrections made before the post are part of the article it links to.
    post.replied_correction_id = (
        post.article.corrections.order_by("-pk").values_list("pk", flat=True).first()
    )
    post.last_error = ""
    post.save()
    return "sent"


def on_article_edited(article):
    """Bring the channel up to date with a saved version of ``article``: edit the post when
    its headline, standfirst or address changed, and send each new correction as a reply
    to it. Called with every saved version, in its transaction. Nothing happens for a post
    not yet sent: it goes out with the new text."""
    if not telegram.is_configured():
        return
    post = TelegramPost.objects.filter(article=article, state=State.SENT).first()
    if post is None or post.message_id is None:
        return
    if telegram.text_for(article, as_photo=post.sent_as_photo) != post.sent_text:
        enqueue_now(edit_post, post.pk)
    if article.corrections.filter(pk__gt=post.replied_correction_id or 0).exists():
        enqueue_now(reply_corrections, post.pk)


def enqueue_now(task_, *args):
    enqueue_with_transaction(task_, *args)


def retry_later(task_, error, attempt, *args):
    """Enqueue ``task_(*args, next attempt)`` again after ``error`` on its ``attempt``-th
    attempt, when ``channels.delivery``'s rule says to; returns whether it did."""
    next_try = delivery.RetryRule.telegram().next_try(error, attempt - 1)
    if next_try.at is None:
        return False
    with transaction.atomic():
        delivery.enqueue_attempt(task_, next_try, *args)
    return True


@task()
def reply_corrections(post_id, attempt=1):
    """Send the article's corrections not yet on the channel, oldest first, each as a reply
    to its post; each is recorded as sent before the next, so a rerun sends none twice."""
    if not telegram.is_configured():
        return "not configured"
    post = TelegramPost.objects.filter(pk=post_id, state=State.SENT).first()
    if post is None or post.message_id is None:
        return "nothing to reply to"
    from articles.models import Correction

    pending = Correction.objects.select_related("article").filter(
        article_id=post.article_id, pk__gt=post.replied_correction_id or 0
    )
    for correction in pending.order_by("pk"):
        try:
            telegram.reply_correction(post.message_id, correction)
        except telegram.TelegramError as error:
            logger.warning("Correction %s not sent to Telegram: %s", correction.pk, error)
            if not retry_later(reply_corrections, error, attempt, post.pk):
                TelegramPost.objects.filter(pk=post.pk).update(
                    last_error=f"A correction could not be sent to Telegram: {error}"
                )
            return "failed"
        TelegramPost.objects.filter(pk=post.pk).update(replied_correction_id=correction.pk)
    return "replied"


@task()
def edit_post(post_id, attempt=1):
    """Bring the channel's message of ``post_id`` up to date with its article's headline,
    standfirst and address; does nothing when it already is. Telegram's 429 is waited out,
    other temporary failures are tried again up to ``TELEGRAM_MAX_ATTEMPTS`` times."""
    if not telegram.is_configured():
        return "not configured"
    post = (
        TelegramPost.objects.select_related("article")
        .filter(pk=post_id, state=State.SENT)
        .exclude(message_id=None)
        .first()
    )
    if post is None:
        return "nothing to edit"
    text = telegram.text_for(post.article, as_photo=post.sent_as_photo)
    if text == post.sent_text:
        return "up to date"
    try:
        telegram.edit_post(post.message_id, text, as_photo=post.sent_as_photo)
    except telegram.TelegramError as error:
        logger.warning("Telegram post of article %s not edited: %s", post.article_id, error)
        if retry_later(edit_post, error, attempt, post.pk):
            return "retrying"
        TelegramPost.objects.filter(pk=post.pk).update(
            last_error=f"The post's text could not be changed on Telegram: {error}"
        )
        return "failed"
    # Only if no other edit recorded a newer text meanwhile.
    TelegramPost.objects.filter(pk=post.pk, sent_text=post.sent_text).update(
        sent_text=text, last_error=""
    )
    return "edited"


def record_failure(post, error, next_try):
    """Record a failed attempt at sending ``post`` (in ``send_claimed``'s transaction):
    waiting again with its task enqueued for ``next_try.at``, or failed for good, which
    editors are told of."""
    post.last_error = str(error)
    post.attempts = next_try.failures
    post.due_at = next_try.at
    post.state = State.FAILED if next_try.at is None else State.WAITING
    post.save()
    if post.state == State.WAITING:
        enqueue(post)
    else:
        notify.on_telegram_failed(post)
