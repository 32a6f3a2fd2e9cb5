"""Sending what an outbox row holds, and the one rule for trying again after a failure.

Three outboxes send through here: articles' Telegram posts (``channels.outbox``), live
stories' key points (``live.outbox``) and editors' notifications (``channels.notify``).
Each claims its row in a transaction of its own, so that a second run or a second worker
finds it taken, then calls ``send_claimed`` with what sends it and what records a failure.

The rule for trying again: Telegram's "too many requests" (``telegram.RetryAfter``) is
waited out for as long as Telegram says, and is not counted as a failure; any other failure
that may pass (a ``TelegramError`` marked ``temporary``; for notifications any error, since
a mail server does not say) is tried again after ``retry_seconds``, then twice that and so
on, never more than ``MAX_BACKOFF`` later, until ``max_attempts`` failures; after that, or
after a failure that will not pass (Telegram refusing the message), it has failed for good.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from channels import telegram
from core.tasks import enqueue_with_transaction

logger = logging.getLogger(__name__)

# The longest wait between two attempts after a failure of ours.
MAX_BACKOFF = timedelta(hours=1)


class NextTry(NamedTuple):
    """What comes after a failure: ``at``, when to try again (None: failed for good), and
    ``failures``, the failures counted so far, this one included unless Telegram only
    asked to wait."""

    at: datetime | None
    failures: int


@dataclass(frozen=True)
class RetryRule:
    """How often, and after which errors, one kind of message is tried again."""

    retry_seconds: int  # the wait after the first counted failure
    max_attempts: int  # counted failures before giving up
    any_error: bool = False  # try again after any error, not only a temporary one

    @classmethod
    def telegram(cls):
        """Posts and key points on the channel: ``TELEGRAM_RETRY_SECONDS``,
        ``TELEGRAM_MAX_ATTEMPTS``; a message Telegram refuses is not tried again."""
        return cls(settings.TELEGRAM_RETRY_SECONDS, settings.TELEGRAM_MAX_ATTEMPTS)

    @classmethod
    def notifications(cls):
        """Editors' e-mail and desk-chat messages: ``NOTIFY_RETRY_SECONDS``,
        ``NOTIFY_MAX_ATTEMPTS``, after any error (SMTP, socket and Telegram alike)."""
        return cls(settings.NOTIFY_RETRY_SECONDS, settings.NOTIFY_MAX_ATTEMPTS, any_error=True)

    def next_try(self, error, failures):
        """The ``NextTry`` after ``error``, for a message that had failed ``failures``
        times before it."""
        now = timezone.now()
        if isinstance(error, telegram.RetryAfter):
            return NextTry(now + timedelta(seconds=error.seconds), failures)
        failures += 1
        may_pass = self.any_error or getattr(error, "temporary", False)
        if may_pass and failures < self.max_attempts:
            wait = timedelta(seconds=self.retry_seconds * 2 ** (failures - 1))
            return NextTry(now + min(wait, MAX_BACKOFF), failures)
        return NextTry(None, failures)


def send_claimed(item, send, *, rule, failures, record_failure, name):
    """Send the claimed ``item`` with ``send(item)``.

    Returns ``("sent", what send returned)``; after a failure (a ``TelegramError``, or any
    ``Exception`` where ``rule.any_error``), logs it under ``name`` and calls
    ``record_failure(item, error, next_try)`` in a transaction, where the caller records
    the outcome and enqueues the next attempt (``next_try.at``) so that both commit
    together, and returns ``("retrying", None)`` or ``("failed", None)``. ``failures``: how
    many times ``item`` had failed before this attempt.
    """
    errors = Exception if rule.any_error else telegram.TelegramError
    try:
        return "sent", send(item)
    except errors as error:
        logger.warning("%s not sent: %s", name, error)
        next_try = rule.next_try(error, failures)
        with transaction.atomic():
            record_failure(item, error, next_try)
        return ("failed" if next_try.at is None else "retrying"), None


def enqueue_attempt(task_, next_try, *args):
    """Enqueue ``task_(*args, attempt)`` for ``next_try.at``, for a task that keeps no count
    on a row and carries its attempt number (1 for the first) as its last argument."""
    enqueue_with_transaction(task_, *args, next_try.failures + 1, run_after=next_try.at)
