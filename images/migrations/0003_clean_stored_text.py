"""Stored text under the cleaning rule (core.text) and every keyword's slug usable."""

from django.db import migrations

from core.migration_support import clean_rows


def clean(apps, schema_editor):
    clean_rows(apps.get_model("images", "Image"), ["title", "alt", "caption", "credit"])
    clean_rows(apps.get_model("images", "ImageTag"), ["name"], slug_source="name")


class Migration(migrations.Migration):
    dependencies = [("images", "0002_clean_text_fields")]

    operations = [migrations.RunPython(clean, migrations.RunPython.noop)]
