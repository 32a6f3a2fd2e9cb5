from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class LiveConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "live"
    verbose_name = "Live coverage"

    def ready(self):
        from articles import signals
        from live.models import LiveEntry, LiveStory

        # An entry or a change of the coverage is published content: readers' pages move
        # to a new page-cache generation, as for any edit of a published article.
        for model in (LiveStory, LiveEntry):
            post_save.connect(signals.content_changed, sender=model, dispatch_uid=f"cc-{model}")
            post_delete.connect(signals.content_changed, sender=model, dispatch_uid=f"cd-{model}")
