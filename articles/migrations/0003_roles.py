from django.db import migrations


def sync_roles(apps, schema_editor):
    from articles.workflow import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    """Create the Writers and Editors groups with the permissions of
    articles.workflow.ROLE_PERMISSIONS. A change to the roles adds a migration like
    this one, so every database is kept in sync."""

    dependencies = [
        ("articles", "0002_workflow"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("staff", "0001_initial"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
