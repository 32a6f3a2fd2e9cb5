"""Background tasks through Django's Tasks framework, on Django 6 and on 5.2 alike.

Django 6 ships it as ``django.tasks``; on 5.2 the ``django-tasks`` backport provides the same
names under ``django_tasks``. Every app imports them from here, so that the switch is made
once. The backend (``settings.TASKS``) is django-tasks-db's database backend by default, run
by ``manage.py db_worker`` (README, "Background tasks").

A task must be idempotent (DESIGN.md): a worker that dies after doing the work but before
recording it runs the task again.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

try:
    from django.tasks import default_task_backend, task, task_backends
    from django.tasks.base import TaskResultStatus
except ImportError:  # Django 5.2: the backport
    from django_tasks import default_task_backend, task, task_backends
    from django_tasks.base import TaskResultStatus

__all__ = [
    "TaskResultStatus",
    "default_task_backend",
    "enqueue_with_transaction",
    "oldest_waiting_age",
    "queue_in_database",
    "queue_is_stuck",
    "task",
    "task_backends",
]


def queue_in_database():
    """Whether the default backend keeps its queue in the site's database: then a task
    enqueued inside a transaction commits or rolls back with it."""
    from django.apps import apps

    if not apps.is_installed("django_tasks_db"):
        return False
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends["default"], DatabaseBackend)


def enqueue_with_transaction(task_, *args, run_after=None):
    """Enqueue ``task_(*args)`` (at ``run_after``, a datetime, or at once) so that it stands
    or falls with the caller's transaction: in it with the database backend, once it
    commits with another (Redis), so that a worker never looks for a row not yet written.
    With another backend a process that dies between the commit and the enqueue loses the
    task: ``telegram_catch_up`` and ``renditions_catch_up`` enqueue again what was lost."""
    run = task_.using(run_after=run_after) if run_after else task_
    if queue_in_database():
        run.enqueue(*args)
    else:
        transaction.on_commit(lambda: run.enqueue(*args))


def oldest_waiting_age(now=None):
    """How long the oldest task that is due has been waiting for a worker (a ``timedelta``),
    or None when none is due or the backend keeps no queue in the database (then its own
    monitoring watches it). A task deferred to a later time is due from that time on."""
    if not queue_in_database():
        return None
    from django_tasks_db.models import DBTaskResult, get_date_max

    backend = task_backends["default"]
    now = now or timezone.now()
    never = get_date_max()  # how the backend marks a task that is not deferred
    # Not deferred: waiting since it was enqueued; deferred: since the time it was due.
    since = (
        DBTaskResult.objects.ready()
        .filter(backend_name=backend.alias)
        .aggregate(
            enqueued=Min("enqueued_at", filter=Q(run_after=never)),
            due=Min("run_after", filter=~Q(run_after=never)),
        )
    )
    since = [when for when in since.values() if when is not None]
    return now - min(since) if since else None


def queue_is_stuck(now=None):
    """Whether a due task has waited longer than ``TASKS_STUCK_SECONDS``: no worker is
    running, or the workers cannot keep up."""
    age = oldest_waiting_age(now)
    return age is not None and age > timedelta(seconds=settings.TASKS_STUCK_SECONDS)
