"""The text and slug rules for taggit's tag models, which this project cannot subclass
without moving every stored tag: a ``pre_save`` receiver, connected in the using app's
``AppConfig.ready()``, cleans the name (``core.text``) and gives the tag a usable slug
(``core.slugs``) before any insert, whoever creates the tag (the admin's tags field,
``article.tags.add()``, the importer)."""

from django.db.models.signals import pre_save
from taggit.managers import _TaggableManager

from core.slugs import fill_slug
from core.text import clean_text


def clean_name(name):
    return clean_text(name).strip()


def clean_tag(sender, instance, **kwargs):
    instance.name = clean_name(instance.name)
    fill_slug(instance, instance.name)


class CleanTagManager(_TaggableManager):
    """The manager behind ``article.tags`` (``TaggableManager(manager=…)``): names are
    cleaned before taggit looks them up, so that a pasted "Sanctions\x0bEU" finds the
    stored "Sanctions EU" instead of creating it a second time (a unique-name error)."""

    def _to_tag_model_instances(self, tags, tag_kwargs):
        cleaned = (clean_name(tag) if isinstance(tag, str) else tag for tag in tags)
        unique = list(dict.fromkeys(tag for tag in cleaned if tag != ""))
        return super()._to_tag_model_instances(unique, tag_kwargs)


def connect(*tag_models):
    for model in tag_models:
        pre_save.connect(clean_tag, sender=model, dispatch_uid=f"core.tags.{model._meta.label}")
