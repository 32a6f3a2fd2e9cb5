"""The article page's story (its ``<article>`` element: headline, byline, picture, body,
tags, share links, author boxes), its share tags in the ``<head>`` (canonical link,
OpenGraph, Twitter) and its NewsArticle JSON-LD, kept rendered in the shared cache for
readers.

A story is the same HTML for as long as what it is made from is the same, so it is
rendered once and read again by every request for the page, before and after every
publish: the site-wide content generation is not part of its key, and a publish of another
article leaves it kept (the related stories, Recent Posts and most read around it are
rendered on every request). Its key is a digest of everything it is made from: every
stored field of the article, its section, picture, source outlet, bylines (with their
authors and roles), tags and corrections, the library pictures its body shows, the
address of its published translation, the standing pages the publisher's JSON-LD names,
the settings and the interface language its text depends on, and the code, templates and
translations of the deploy (``page_cache.CODE_DIGEST``). Any change to one of them (an
edit, a bio rewritten, a rendition made, a deploy) reads under a new key, so no story is
ever served stale and nothing needs to be removed: every entry expires a day after it was
kept.

Not kept: previews (staff, never cached), and live stories, whose updates arrive without
the article changing. One round trip to the shared cache a page, and one more to keep a
story that was missing; when the shared cache is down every story is rendered
(``page_cache.guarded``: fail open).
"""

import functools
import hashlib
from typing import NamedTuple

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import engines
from django.urls import get_script_prefix
from django.utils import translation
from markupsafe import Markup

from articles import page_cache, site_extras, structured_data
from core.urls import static
from images import markup

# A story is rendered again a day after it was kept, so that the archive's pages, which
# crawlers walk, do not pile up in Redis.
STORY_SECONDS = 86400

# The settings whose values show in a story or its JSON-LD.
SETTINGS = (
    "SITE_URL",
    "SITE_NAME",
    "MEDIA_URL",
    "STATIC_URL",
    "TIME_ZONE",
    "SITE_LANGUAGES",
    "SHARE_IMAGE",
    "SHARE_IMAGE_WIDTH",
    "SHARE_IMAGE_HEIGHT",
)


class KeptStory(NamedTuple):
    """A kept story: its ``<article>`` element, its share tags (the ``<head>``'s canonical
    link, OpenGraph and Twitter tags) and its JSON-LD (``<script>`` text)."""

    html: str
    head: str
    json_ld: str


# The entry's shape and the code that writes the HTML: a deploy that changes either reads
# under new keys.
STORY_SHAPE = f"{page_cache.shape_key(KeptStory)}{page_cache.CODE_DIGEST}"


def _stored(instance):
    """Every stored field's value of ``instance`` as loaded (a deferred one is left out,
    so that it is never read here), or None."""
    if instance is None:
        return None
    loaded = instance.__dict__
    return tuple(
        (field.attname, loaded[field.attname])
        for field in instance._meta.concrete_fields
        if field.attname in loaded
    )


@functools.cache
def _deploy_facts():
    """What a story's key holds that only a deploy's settings change: the settings a story
    shows, the logo's and the default share picture's addresses, where pictures are served
    from (S3's domain…). Worked out once a process; forgotten when a setting changes
    (``setting_changed``: the tests' ``override_settings``)."""
    return (
        tuple(getattr(settings, name, None) for name in SETTINGS),
        static("img/logo.png"),
        structured_data.share_image(),  # the JSON-LD's picture when the article has none
        default_storage.url("images/"),  # where pictures are served from (S3's domain…)
    )


@receiver(setting_changed)
def _forget_deploy_facts(**kwargs):
    _deploy_facts.cache_clear()


def story_key(article, relations, pictures, request):
    """The shared cache's key of ``article``'s story (the module's docstring says what it
    is a digest of). ``relations`` is the article's ``models.page_relations``;
    ``pictures`` its body's ``images.markup.body_pictures``."""
    facts = (
        translation.get_language(),
        get_script_prefix(),
        _deploy_facts(),
        tuple(site_extras.standing_pages(request)),
        _stored(article),
        getattr(article, "translation_slug", None),
        getattr(article, "translation_language", None),
        _stored(article.section),
        _stored(article.image),
        _stored(article.source_outlet),
        tuple((_stored(author), author.byline_role) for author in relations.authors),
        tuple(_stored(tag) for tag in relations.tags),
        tuple(_stored(correction) for correction in relations.corrections),
        tuple((name, _stored(image)) for name, image in sorted(pictures.items())),
    )
    digest = hashlib.blake2b(repr(facts).encode(), digest_size=16).hexdigest()
    return f"story:{STORY_SHAPE}:{digest}"


def render_story(context):
    """The story's ``<article>`` element (``Markup``) for ``context``: the article page's
    context with ``body_pictures``."""
    return _render("articles/article_story.html", context)


def render_head(context):
    """The story's share tags for the page's ``<head>`` (``Markup``) for ``context``."""
    return _render("articles/article_head.html", context)


def _render(name, context):
    return Markup(engines["jinja2"].env.get_template(name).render(context))


def story(context, request, keep):
    """``(story HTML, share tags, JSON-LD)`` of the article page whose context is
    ``context`` (with ``article``, ``authors``, ``translators``, ``tags``,
    ``corrections`` and ``is_preview``): read from the shared cache when ``keep``, else
    rendered (and kept when ``keep``)."""
    article = context["article"]
    relations = context["relations"]
    pictures = markup.body_pictures(article.body)
    # The share tags name the site (``context_processors.site`` gives the page the same).
    context = {
        **context,
        "request": request,
        "body_pictures": pictures,
        "site_name": settings.SITE_NAME,
    }
    key = story_key(article, relations, pictures, request) if keep else None
    if key is not None:
        found = page_cache.entry_or_miss(page_cache.guarded("get", key), KeptStory)
        if found is not None:
            return Markup(found.html), Markup(found.head), Markup(found.json_ld)
    json_ld = structured_data.news_article(article, relations, request)
    html, head = render_story(context), render_head(context)
    if key is not None:
        kept = KeptStory(str(html), str(head), str(json_ld))
        page_cache.guarded("set", key, kept, timeout=STORY_SECONDS)
    return html, head, json_ld
