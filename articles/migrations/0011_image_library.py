# Featured images move into the image library, in three steps so that on
# PostgreSQL no schema change shares a transaction with the data it moves: 0011 adds the
# new column, 0012 moves the data (see there), 0013 drops the old columns.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0010_content_generation"),
        ("images", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="library_image",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="images.image",
            ),
        ),
    ]
