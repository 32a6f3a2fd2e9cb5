from django.core.management.base import BaseCommand

from channels import outbox


class Command(BaseCommand):
    help = (
        "Enqueue every Telegram post that is due and not sent. Needed only with a task "
        "backend outside the database (TASKS_BACKEND=redis), where a crash between a "
        "publish and its enqueue can lose the task: run it every few minutes (cron or a "
        "systemd timer). Posts already sent are never sent again."
    )

    def handle(self, *args, **options):
        count = outbox.catch_up()
        self.stdout.write(f"{count} Telegram post(s) enqueued.")
