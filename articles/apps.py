from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"

    def ready(self):
        import reversion
        from taggit.models import Tag

        from articles import signals
        from articles.models import Article, Byline
        from core import tags

        # The site's tags get the same text and slug rules as every other model.
        tags.connect(Tag)

        # A version holds the article with its bylines and tags (see workflow.snapshot).
        reversion.register(Article, follow=("bylines", "tags"))
        reversion.register(Byline)
        if not reversion.is_registered(Tag):
            reversion.register(Tag)
        post_save.connect(signals.record_slug_redirect, sender=Article)
        from taggit.models import TaggedItem

        from articles.models import Alert, Correction, Outlet, Page, Redirect, Section
        from images.models import Image
        from staff.models import Author

        # Whatever a reader's page shows: a change starts a new page-cache generation.
        for model in (
            Article,
            Byline,
            Section,
            Author,
            Correction,
            Page,
            Redirect,
            Tag,
            TaggedItem,
            Image,
            Alert,
            Outlet,
        ):
            post_save.connect(signals.content_changed, sender=model, dispatch_uid=f"cc-{model}")
            post_delete.connect(signals.content_changed, sender=model, dispatch_uid=f"cd-{model}")
