from django.db import migrations


# The roles as they were when this migration was written (articles.workflow holds the
# current ones; a change there comes with a new migration like this one).
WRITERS = (
    "articles.add_article",
    "articles.change_article",
    "articles.view_article",
    "articles.view_section",
    "articles.view_correction",
    "staff.view_author",
    "taggit.add_tag",
    "taggit.view_tag",
)
ROLES = {
    "Writers": WRITERS,
    "Editors": (
        *WRITERS,
        "articles.publish_article",
        "articles.edit_any_article",
        "articles.add_section",
        "articles.change_section",
        "articles.add_correction",
        "articles.change_correction",
        "articles.view_pendingedit",
        "articles.change_pendingedit",
        "articles.view_workflowevent",
        "articles.add_redirect",
        "articles.change_redirect",
        "articles.view_redirect",
        "staff.add_author",
        "staff.change_author",
        "taggit.change_tag",
    ),
}


def sync_roles(apps, schema_editor):
    from articles.workflow import sync_roles

    sync_roles(apps, ROLES)


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
