"""On PostgreSQL, the article's long texts (its body, their folded search copies and the
search vector) are compressed with lz4 rather than the server's default, pglz, where the
server was built with lz4 (PostgreSQL 14 and newer, ``default_toast_compression``'s
choices). Reading an lz4 value back costs a fraction of a pglz one, and search reads the
vector of every candidate. Only the columns' setting changes: values already stored keep
their method until they are written again, and the migration takes no time on a large
archive. Elsewhere it does nothing."""

from django.db import migrations

COLUMNS = ("body", "body_text", "search_title", "search_standfirst", "search_body", "search_vector")


def lz4_is_available(cursor):
    cursor.execute("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
    row = cursor.fetchone()
    return bool(row and row[0] and "lz4" in row[0])


def set_compression(method):
    def operation(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            if method == "lz4" and not lz4_is_available(cursor):
                return
            table = connection.ops.quote_name("articles_article")
            changes = ", ".join(
                f"ALTER COLUMN {connection.ops.quote_name(column)} SET COMPRESSION {method}"
                for column in COLUMNS
            )
            cursor.execute(f"ALTER TABLE {table} {changes}")

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0026_lastmod_index"),
    ]

    operations = [
        migrations.RunPython(set_compression("lz4"), set_compression("default")),
    ]
