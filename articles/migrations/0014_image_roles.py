from django.db import migrations

# The roles as they were when this migration was written (see 0003_roles): the image
# library's permissions join them.
WRITERS = (
    "articles.add_article",
    "articles.change_article",
    "articles.view_article",
    "articles.view_section",
    "articles.view_correction",
    "staff.view_author",
    "taggit.add_tag",
    "taggit.view_tag",
    # The image library: writers add pictures and fix their own (images.admin).
    "images.add_image",
    "images.change_image",
    "images.view_image",
    "images.add_imagetag",
    "images.view_imagetag",
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
        "images.delete_image",
        "images.change_imagetag",
        "images.delete_imagetag",
    ),
}


def sync_roles(apps, schema_editor):
    from articles.workflow import sync_roles

    sync_roles(apps, ROLES)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0013_drop_old_image_fields"),
        ("images", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
