"""Stored text under the cleaning rule (core.text) and every slug usable (core.slugs)."""

from django.db import migrations

from core.migration_support import clean_rows


def clean(apps, schema_editor):
    clean_rows(apps.get_model("staff", "Author"), ["name", "job_title", "bio"], slug_source="name")


class Migration(migrations.Migration):
    dependencies = [("staff", "0003_clean_text_fields")]

    operations = [migrations.RunPython(clean, migrations.RunPython.noop)]
