"""``manage.py rollup_most_read``: copy the last week's read counts from Redis into the
database (``articles.most_read.roll_up``), where the most read widget and the admin read
them. Idempotent: it writes totals, so running it twice, or on two hosts, counts nothing
twice. Without ``REDIS_URL`` the counts are in the database already and it does nothing."""

from django.core.management.base import BaseCommand, CommandError

from articles import most_read
from articles.page_cache import CACHE_ERRORS


class Command(BaseCommand):
    help = "Copy the most read counts from Redis into the database."

    def handle(self, *args, **options):
        try:
            written = most_read.roll_up()
        except CACHE_ERRORS as error:
            raise CommandError(f"Redis is unavailable: {error}") from error
        self.stdout.write(f"Rolled up {written} hourly count(s).")
