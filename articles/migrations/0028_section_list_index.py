from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0027_lz4_text_compression"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="article",
            name="article_section_idx",
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["section", "status", "-published_at", "-id", "language"],
                name="article_section_list_idx",
            ),
        ),
    ]
