"""``manage.py fill_search_head [--batch-size N]``: give every article written before
migration 0025 its ``search_head`` (the headline-and-standfirst vector search ranks by).

Search works without it (it ranks such a row from its folded texts, a little slower), and
every article gets it on its next write; this fills the rest, a batch at a time, each
batch its own transaction, so a large archive is never locked for long. Safe to stop and
run again. PostgreSQL only: elsewhere there is nothing to fill."""

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from articles.models import Article


def head_vector(row):
    """The SQL of an article's ``search_head`` from the columns of the table alias ``row``
    (its headline as A, its standfirst as B, in its language's search configuration): the
    rule this command fills by, which the benchmark's generator writes by too."""
    config = (
        f"CASE {row}.language WHEN 'fa' THEN 'simple'::regconfig ELSE 'english'::regconfig END"
    )
    return (
        f"setweight(to_tsvector({config}, coalesce({row}.search_title, '')), 'A') ||"
        f" setweight(to_tsvector({config}, coalesce({row}.search_standfirst, '')), 'B')"
    )


FILL = (
    "UPDATE {table} article SET search_head = "
    + head_vector("article")
    + " WHERE article.id > %s AND article.id <= %s AND article.search_head IS NULL"
)


class Command(BaseCommand):
    help = "Fill search_head for articles written before it existed (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, batch_size, **options):
        if connection.vendor != "postgresql":
            self.stdout.write("Nothing to fill: search_head is used on PostgreSQL only.")
            return
        table = connection.ops.quote_name(Article._meta.db_table)
        sql = FILL.format(table=table)
        batch_size = max(batch_size, 1)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT coalesce(min(id) - 1, 0), coalesce(max(id), 0) FROM {table}")
            start, last = cursor.fetchone()
        # Walks the primary key a range at a time: each batch reads its own rows only,
        # however many were filled before it.
        filled = 0
        while start < last:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [start, start + batch_size])
                count = cursor.rowcount
            start += batch_size
            if count:
                filled += count
                self.stdout.write(f"{filled} articles filled")
        self.stdout.write(f"Done: {filled} articles filled.")
