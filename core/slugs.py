"""The one slug rule for every object with an address (article, section, tag, author).

Unicode letters are kept (``/tag/تحریم/`` reads as Persian). A name with nothing left to
slugify (an emoji, a flag, ``#``) falls back to its code points (``🔥`` becomes
``u1f525``): still tied to the name, stable across databases, and known before the row
has an id. A slug already taken gets ``-2``, ``-3``… Models call ``fill_slug`` from
``save()`` (taggit's ``Tag`` through ``core.tags``), so every entry point gets it, and
no stored object can have a slug that ``reverse()`` refuses.
"""

import re

from django.utils.text import slugify

from core.text import clean_text

# What the URL converters accept as one path segment and what a SlugField validates
# (Unicode letters, digits, ``_`` and ``-``).
_USABLE = re.compile(r"^[-\w]+\Z")


def is_usable(slug):
    return bool(slug) and bool(_USABLE.match(slug))


def slug_from(text, max_length):
    """A slug for ``text``: slugified with Unicode kept, else its code points."""
    text = clean_text(text or "")
    slug = slugify(text, allow_unicode=True)
    if not is_usable(slug):
        slug = "-".join(f"u{ord(char):x}" for char in text if not char.isspace()) or "untitled"
    return slug[:max_length].strip("-_") or "untitled"


def fill_slug(instance, source, field_name="slug", *, refused=None):
    """Give ``instance`` a usable, unique slug made from ``source`` when its own is empty or
    unusable; a usable slug the editor chose is kept as it is. ``refused(slug)`` says which
    slugs the model's addresses cannot take (an article called "Search")."""
    current = getattr(instance, field_name)
    if is_usable(current):
        return
    field = instance._meta.get_field(field_name)
    base = slug_from(source or current, field.max_length)
    setattr(instance, field_name, _unique(instance, field, base, refused))


def _unique(instance, field, base, refused=None):
    others = type(instance)._default_manager.exclude(pk=instance.pk) if instance.pk else None
    if others is None:
        others = type(instance)._default_manager.all()
    candidate, number = base, 1
    while (refused and refused(candidate)) or others.filter(**{field.name: candidate}).exists():
        number += 1
        suffix = f"-{number}"
        candidate = base[: field.max_length - len(suffix)] + suffix
    return candidate
