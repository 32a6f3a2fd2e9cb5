"""Bringing stored rows under the text and slug rules, for data migrations (which see
historical models, without the models' own ``save()``)."""

from core.slugs import fill_slug, is_usable
from core.text import clean_text


def clean_rows(model, text_fields, slug_source=None):
    """Clean ``text_fields`` of every row of ``model``; with ``slug_source``, also give a
    usable slug to rows whose slug is empty or unusable. Rows already clean are not written."""
    fields = list(text_fields) + (["slug"] if slug_source else [])
    for row in model._default_manager.only("pk", *fields).iterator():
        changed = []
        for name in text_fields:
            value = getattr(row, name)
            cleaned = clean_text(value)
            if cleaned != value:
                setattr(row, name, cleaned)
                changed.append(name)
        if slug_source and not is_usable(row.slug):
            fill_slug(row, getattr(row, slug_source))
            changed.append("slug")
        if changed:
            # update(), not save(): no signal, no timestamp moved by a cleaning.
            model._default_manager.filter(pk=row.pk).update(
                **{name: getattr(row, name) for name in changed}
            )
