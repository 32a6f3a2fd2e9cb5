"""An index of each tag's taggings by the tagged object, newest (highest id) first within
a content type: (content_type_id, tag_id, object_id) on taggit's table. Related stories
read the newest taggings of each of an article's tags (``articles.related``); without it
the database either walks every tagging backwards until it meets enough of a rare tag's
(150 ms on a million articles when no other story has the tag), or reads every tagging of
a common one to sort them. With it, each tag's newest taggings are one short index range.

taggit's model is not this project's, so the index is made with SQL rather than in the
model's Meta; on PostgreSQL without locking the table against writes (CONCURRENTLY, so
outside a transaction), so that a newsroom with a large archive can migrate while it
publishes."""

from django.db import migrations

INDEX = "taggit_item_tag_newest_idx"
TABLE = "taggit_taggeditem"


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    concurrently = "CONCURRENTLY " if connection.vendor == "postgresql" else ""
    schema_editor.execute(
        f"CREATE INDEX {concurrently}IF NOT EXISTS {quote(INDEX)}"
        f" ON {quote(TABLE)} (content_type_id, tag_id, object_id)"
    )


def drop_index(apps, schema_editor):
    connection = schema_editor.connection
    concurrently = "CONCURRENTLY " if connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {connection.ops.quote_name(INDEX)}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("articles", "0028_section_list_index"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
