from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0023_autosave_and_edit_lock"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["language", "status", "-published_at", "-id"], name="article_edition_idx"
            ),
        ),
    ]
