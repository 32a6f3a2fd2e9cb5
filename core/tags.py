"""The text and slug rules for taggit's tag models, which this project cannot subclass
without moving every stored tag: a ``pre_save`` receiver, connected in the using app's
``AppConfig.ready()``, cleans the name (``core.text``) and gives the tag a usable slug
(``core.slugs``) before any insert, whoever creates the tag (the admin's tags field,
``article.tags.add()``, the importer)."""

from django.db.models.signals import pre_save

from core.slugs import fill_slug
from core.text import clean_text


def clean_tag(sender, instance, **kwargs):
    instance.name = clean_text(instance.name)
    fill_slug(instance, instance.name)


def connect(*tag_models):
    for model in tag_models:
        pre_save.connect(clean_tag, sender=model, dispatch_uid=f"core.tags.{model._meta.label}")
