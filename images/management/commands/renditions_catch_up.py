from django.core.management.base import BaseCommand

from images import tasks


class Command(BaseCommand):
    help = (
        "Enqueue the renditions of every library image that lacks them. Needed only with a "
        "task backend outside the database (TASKS_BACKEND=redis), where a crash between a "
        "save and its enqueue can lose the task: run it every few minutes (cron or a "
        "systemd timer). Renditions already made are never made again."
    )

    def handle(self, *args, **options):
        count = tasks.catch_up()
        self.stdout.write(f"{count} image(s) queued for renditions.")
