"""The article page's story (its ``<article>`` element: headline, byline, picture, body,
tags, share links, author boxes) and its NewsArticle JSON-LD, kept rendered in the shared
cache for readers.

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

import hashlib
from typing import NamedTuple

from django.conf import settings
from django.core.files.storage import default_storage
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
    """A kept story: its ``<article>`` element and its JSON-LD (``<script>`` text)."""

    html: str
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


def story_key(article, relations, pictures, request):
    """The shared cache's key of ``article``'s story (the module's docstring says what it
    is a digest of). ``relations`` is the article's ``models.page_relations``;
    ``pictures`` its body's ``images.markup.body_pictures``."""
    facts = (
        translation.get_language(),
        get_script_prefix(),
        tuple(getattr(settings, name, None) for name in SETTINGS),
        static("img/logo.png"),
        structured_data.share_image(),  # the JSON-LD's picture when the article has none
        default_storage.url("images/"),  # where pictures are served from (S3's domain…)
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
    template = engines["jinja2"].env.get_template("articles/article_story.html")
    return Markup(template.render(context))


def story(context, request, keep):
    """``(story HTML, JSON-LD)`` of the article page whose context is ``context`` (with
    ``article``, ``authors``, ``translators``, ``tags``, ``corrections`` and
    ``is_preview``): read from the shared cache when ``keep``, else rendered (and kept
    when ``keep``)."""
    article = context["article"]
    relations = context["relations"]
    pictures = markup.body_pictures(article.body)
    context = {**context, "request": request, "body_pictures": pictures}
    key = story_key(article, relations, pictures, request) if keep else None
    if key is not None:
        found = page_cache.entry_or_miss(page_cache.guarded("get", key), KeptStory)
        if found is not None:
            return Markup(found.html), Markup(found.json_ld)
    json_ld = structured_data.news_article(article, relations, request)
    html = render_story(context)
    if key is not None:
        page_cache.guarded("set", key, KeptStory(str(html), str(json_ld)), timeout=STORY_SECONDS)
    return html, json_ld
