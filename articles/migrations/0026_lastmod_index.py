import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0025_search_head"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                models.F("status"),
                models.OrderBy(
                    django.db.models.functions.comparison.Coalesce(
                        "content_updated_at", "published_at"
                    ),
                    descending=True,
                ),
                name="article_lastmod_idx",
            ),
        ),
    ]
