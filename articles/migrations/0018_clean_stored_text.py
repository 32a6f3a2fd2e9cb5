"""Stored text under the cleaning rule (core.text) and every slug usable (core.slugs)."""

from django.db import migrations

from core.migration_support import clean_rows


def clean(apps, schema_editor):
    clean_rows(
        apps.get_model("articles", "Article"),
        ["title", "kicker", "standfirst", "seo_title", "seo_description", "image_caption"],
        slug_source="title",
    )
    clean_rows(apps.get_model("articles", "Section"), ["name", "description"], slug_source="name")
    clean_rows(apps.get_model("articles", "Correction"), ["text"])
    clean_rows(apps.get_model("taggit", "Tag"), ["name"], slug_source="name")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0017_clean_text_fields"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(clean, migrations.RunPython.noop)]
