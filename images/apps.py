from django.apps import AppConfig


class ImagesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "images"
    verbose_name = "Image library"

    def ready(self):
        from django.db.models.signals import post_delete

        from core import tags
        from images import signals
        from images.models import Image, ImageTag

        tags.connect(ImageTag)

        post_delete.connect(signals.delete_files, sender=Image, dispatch_uid="image-files")
