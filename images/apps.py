from django.apps import AppConfig


class ImagesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "images"
    verbose_name = "Image library"

    def ready(self):
        from django.db.models.signals import post_delete

        from images import signals
        from images.models import Image

        post_delete.connect(signals.delete_files, sender=Image, dispatch_uid="image-files")
