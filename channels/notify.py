"""Editors' notifications: e-mail to each person who chose it, and the desk's Telegram chat.

What is told (``channels.models.Event``): an article submitted for review (to editors), an
article sent back (to its writers), a scheduled article whose outbound work ran late for
want of a task worker (to editors), and a Telegram post that failed for good (to editors).

Each message is a ``Notification`` row written in the transaction of what it tells, with
its task enqueued there too (``outbox.enqueue_now``), so a crash neither loses nor doubles
it. ``send_notification`` claims the row (``sending``) in a transaction of its own before it
sends, and a failure is retried ``NOTIFY_MAX_ATTEMPTS`` times with a doubling wait; what
failed for good is listed with its reason under **Outbound channels → Notifications**.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from articles.origin import absolute_url
from channels import delivery, telegram
from channels.models import Event, Notification, NotificationPreference
from core.tasks import enqueue_with_transaction, task

State = Notification.State
EDITOR_PERMISSION = ("articles", "publish_article")


def editors():
    """Active staff who may publish: superusers and holders of the permission, directly
    or through a group (the Editors role)."""
    app_label, codename = EDITOR_PERMISSION
    holds = {"content_type__app_label": app_label, "codename": codename}
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True)
            | Q(**{f"groups__permissions__{k}": v for k, v in holds.items()})
            | Q(**{f"user_permissions__{k}": v for k, v in holds.items()})
        )
        .distinct()
    )


def writers_of(article):
    """Who wrote ``article``: whoever created it and the staff accounts of its bylines."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(pk=article.created_by_id) | Q(author__bylines__article=article))
        .distinct()
    )


def admin_link(article):
    return absolute_url(reverse("admin:articles_article_change", args=[article.pk]))


def on_transition(event):
    """Tell whom it concerns about the workflow step ``event`` (a ``WorkflowEvent``);
    call it in the transaction that made the step."""
    article, actor = event.article, event.actor
    who = actor.get_full_name() or actor.get_username() if actor else "Someone"
    if event.action == "submit":
        notify(
            Event.SUBMITTED,
            editors().exclude(pk=getattr(actor, "pk", None)),
            article,
            f"For review: {article.title}",
            f"{who} submitted “{article.title}” for review.\n\n{admin_link(article)}",
        )
    elif event.action == "send_back":
        notify(
            Event.SENT_BACK,
            writers_of(article).exclude(pk=getattr(actor, "pk", None)),
            article,
            f"Sent back: {article.title}",
            f"{who} sent “{article.title}” back to you:\n\n{event.note}\n\n{admin_link(article)}",
        )


def on_telegram_failed(post):
    """The Telegram post ``post`` failed for good: editors may send it again."""
    article = post.article
    notify(
        Event.TELEGRAM_FAILED,
        editors(),
        article,
        f"Telegram post failed: {article.title}",
        f"“{article.title}” was not posted to the Telegram channel after {post.attempts} "
        f"attempt(s): {post.last_error}\n\nSend it again from the article's page: "
        f"{admin_link(article)}",
    )


def on_schedule_failed(article, reason):
    """A scheduled article's time came and what had to happen then did not, or late."""
    notify(
        Event.SCHEDULE_FAILED,
        editors(),
        article,
        f"Scheduled publication: {article.title}",
        f"“{article.title}”, scheduled for "
        f"{timezone.localtime(article.published_at):%Y-%m-%d %H:%M %Z}: {reason}\n\n"
        f"{admin_link(article)}",
    )


def notify(event, users, article, subject, text):
    """Queue ``subject``/``text`` for every one of ``users`` who chose ``event`` (and has
    an e-mail address), and for the desk's Telegram chat. Returns the rows."""
    rows = []
    if settings.NOTIFY_BY_EMAIL:
        users = list(users)
        chosen = {p.user_id: p for p in NotificationPreference.objects.filter(user__in=users)}
        for user in users:
            preference = chosen.get(user.pk) or NotificationPreference(user=user)
            if user.email and preference.wants(event):
                rows.append((Notification.Channel.EMAIL, user, user.email))
    if settings.NOTIFY_TELEGRAM_CHAT_ID and telegram.is_configured():
        rows.append((Notification.Channel.TELEGRAM, None, settings.NOTIFY_TELEGRAM_CHAT_ID))
    made = []
    for channel, user, address in rows:
        row = Notification.objects.create(
            event=event,
            channel=channel,
            recipient=user,
            address=address,
            article=article,
            subject=subject[:200],
            text=text,
        )
        enqueue(row.pk)
        made.append(row)
    return made


def enqueue(notification_id, at=None):
    enqueue_with_transaction(send_notification, notification_id, run_after=at)


def claim(notification_id):
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update()
            .filter(pk=notification_id, state=State.WAITING)
            .first()
        )
        if row is None:
            return None
        row.state = State.SENDING
        row.save(update_fields=["state"])
        return row


def deliver(row):
    if row.channel == Notification.Channel.EMAIL:
        EmailMessage(row.subject, row.text, to=[row.address]).send()
    else:
        telegram.call(
            "sendMessage",
            {"chat_id": row.address, "text": f"{row.subject}\n\n{row.text}"},
        )


@task()
def send_notification(notification_id):
    """Send the notification if it is waiting; record the outcome. A failure is tried
    again after ``NOTIFY_RETRY_SECONDS``, then twice that…, ``NOTIFY_MAX_ATTEMPTS`` times
    in all (Telegram's "too many requests" waits as long as it says, and does not count:
    ``channels.delivery``)."""
    row = claim(notification_id)
    if row is None:
        return "nothing to send"
    outcome, _ = delivery.send_claimed(
        row,
        deliver,
        rule=delivery.RetryRule.notifications(),
        failures=row.attempts,
        record_failure=record_failure,
        name=f"Notification {row.pk}",
    )
    if outcome == "sent":
        row.state = State.SENT
        row.sent_at = timezone.now()
        row.last_error = ""
        row.save()
    return outcome


def record_failure(row, error, next_try):
    row.last_error = str(error) or error.__class__.__name__
    row.attempts = next_try.failures
    if next_try.at is None:
        row.state = State.FAILED
    else:
        row.state = State.WAITING
        enqueue(row.pk, at=next_try.at)
    row.save()
