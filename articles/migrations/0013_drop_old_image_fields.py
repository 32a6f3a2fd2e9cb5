import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The old featured-image columns go, now that 0012 has moved what they held."""

    dependencies = [
        ("articles", "0012_move_images_into_library"),
    ]

    operations = [
        migrations.RemoveField(model_name="article", name="image"),
        migrations.RemoveField(model_name="article", name="image_width"),
        migrations.RemoveField(model_name="article", name="image_height"),
        migrations.RemoveField(model_name="article", name="image_alt"),
        migrations.RemoveField(model_name="article", name="image_credit"),
        migrations.RenameField(model_name="article", old_name="library_image", new_name="image"),
        migrations.AlterField(
            model_name="article",
            name="image",
            field=models.ForeignKey(
                blank=True,
                help_text="Shown at the top of the article and on cards. Choose from the image "
                "library, or add a new picture with +.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="articles",
                to="images.image",
                verbose_name="featured image",
            ),
        ),
        migrations.AlterField(
            model_name="article",
            name="image_caption",
            field=models.CharField(
                blank=True,
                help_text="Printed under the picture on this article. Left empty, the "
                "library's caption is used.",
                max_length=300,
                verbose_name="caption",
            ),
        ),
    ]
