"""The article body's rich-text format: one definition for the editor and the sanitizer.

The admin's editor (django-prose-editor) offers exactly the extensions below, and the
sanitizer keeps exactly the tags and attributes those extensions produce, so nothing an
editor can write is lost on save and nothing else (scripts, event handlers, styles,
``javascript:`` links) is ever stored.
"""

import functools
import html as html_lib
import re

import nh3
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django_prose_editor.config import allowlist_from_extensions

from core.text import clean_text

BODY_EXTENSIONS = {
    "Heading": {"levels": [2, 3, 4]},
    "Bold": True,
    "Italic": True,
    "Link": {"enableTarget": False},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HardBreak": True,
    "HorizontalRule": True,
    # Pictures inside the story, with their captions (WordPress's [caption] imports so).
    "Figure": True,
    "Caption": True,
    "Image": True,
}
BODY_EDITOR_CONFIG = {"extensions": BODY_EXTENSIONS}

# Links may point at web pages, mail addresses and paths on this site, nothing else.
LINK_SCHEMES = {"http", "https", "mailto"}


@functools.cache
def _body_cleaner():
    allowlist = allowlist_from_extensions(BODY_EXTENSIONS)
    return nh3.Cleaner(**allowlist, url_schemes=LINK_SCHEMES)


def sanitize_body(fragment):
    """Return the HTML ``fragment`` reduced to what the body editor can produce."""
    cleaned = _body_cleaner().clean(clean_text(fragment or "")).strip()
    # ProseMirror always submits at least one empty paragraph for an empty document.
    return "" if re.fullmatch(r"(<p>\s*</p>)*", cleaned) else cleaned


_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|figcaption)>|<br\s*/?>", re.IGNORECASE)


def plain_text(fragment):
    """The words of an HTML fragment, with block boundaries kept as spaces."""
    text = html_lib.unescape(strip_tags(_BLOCK_END.sub(" ", fragment or "")))
    return " ".join(text.split())


def excerpt(text, words):
    """Cut ``text`` after ``words`` words, with an ellipsis when something was cut."""
    return Truncator(text).words(words, truncate="…")
