"""The site's editions: one per language of its content (``SITE_LANGUAGES``).

Every rule that differs by language lives here: the language's name, its writing
direction, where its edition's pages live (English at ``/``, Persian at ``/fa/``) and the
PostgreSQL text-search configuration its articles are indexed and searched with. Persian
is indexed with ``simple`` (no stemming) over folded text (``core.persian.fold``):
PostgreSQL has no Persian stemmer, and the English one would cut Persian words by English
rules.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.urls import get_resolver
from django.utils import translation

from core.urls import reverse, reverse_text


@dataclass(frozen=True)
class Edition:
    code: str  # BCP 47: the value of lang, hreflang and inLanguage
    name: str  # in its own language, for the link between editions
    direction: str  # "ltr" or "rtl"
    namespace: str  # the URL namespace of its pages
    search_config: str  # PostgreSQL's text-search configuration


KNOWN = {
    "en": Edition("en", "English", "ltr", "articles", "english"),
    "fa": Edition("fa", "فارسی", "rtl", "fa", "simple"),
}
DEFAULT = "en"

LANGUAGE_CHOICES = [(code, edition.name) for code, edition in KNOWN.items()]


def get(code):
    """The edition of language ``code``; the default one for an unknown code."""
    return KNOWN.get(code) or KNOWN[DEFAULT]


def enabled():
    """The editions the site serves, in ``SITE_LANGUAGES`` order."""
    return [KNOWN[code] for code in settings.SITE_LANGUAGES]


def is_enabled(code):
    return code in settings.SITE_LANGUAGES


def url(code, name, **kwargs):
    """``reverse`` of page ``name`` (``"home"``, ``"detail"``…) in the edition ``code``."""
    return reverse(f"{get(code).namespace}:{name}", kwargs=kwargs or None)


def slug_url(code, name, slug):
    """``url(code, name, slug=slug)``, not remembered (``core.urls.reverse_text``): for
    the addresses that lists name by the thousand (articles, tags in the sitemaps)."""
    return reverse_text(f"{get(code).namespace}:{name}", "slug", slug)


def reverse_in(edition, name, kwargs=None):
    """``reverse(name)`` in ``edition``: the Persian edition's routes are the articles
    app's in its namespace (``fa:home``) and, outside it, the routes named ``fa-`` and
    the English name with ":" as "-" (``fa-feed``, ``fa-staff-detail``); a name the edition
    has no route for is the English one."""
    kwargs = kwargs or None
    if edition.code != DEFAULT:
        own = f"{edition.code}-{name.replace(':', '-')}"
        # Looked up, not tried: a NoReverseMatch for every link would cost a page dearly.
        if own in get_resolver().reverse_dict:
            return reverse(own, kwargs=kwargs)
    return reverse(name, kwargs=kwargs, current_app=edition.namespace)


def of_request(request):
    """The edition a request's page belongs to: Persian under /fa/ (its pages, feeds and
    author pages), else the default one (the admin, a 404, a render without a request)."""
    path = getattr(request, "path_info", "") or ""
    if path.startswith("/fa/") and is_enabled("fa"):
        return KNOWN["fa"]
    return KNOWN[DEFAULT]


class EditionLink(NamedTuple):
    code: str
    name: str
    home: str


def other_editions():
    """The masthead's links to the other editions' home pages, from the page's edition."""
    here = current().code
    return [
        EditionLink(edition.code, edition.name, url(edition.code, "home"))
        for edition in enabled()
        if edition.code != here
    ]


def alternates(request, article=None):
    """``[(hreflang, absolute URL)]`` of the page in every language it exists in: the
    article and its published translation (``Article.with_translation``); for the home
    page (no article), every edition's home, and ``x-default`` for the English one."""
    from articles.origin import absolute_url

    if article is not None:
        if not getattr(article, "translation_url", ""):
            return []
        return [
            (article.language, absolute_url(article.get_absolute_url())),
            (article.translation_language, absolute_url(article.translation_url)),
        ]
    if len(enabled()) < 2:
        return []
    homes = [(edition.code, absolute_url(url(edition.code, "home"))) for edition in enabled()]
    return [*homes, ("x-default", homes[0][1])]


# The edition of the page being rendered, for what formats dates and ages
# (articles.persian_dates): set for each request by ``EditionMiddleware``, as Django's
# LocaleMiddleware activates a language, because Jinja2 macros see no page context.
_current = ContextVar("edition", default=None)


def current():
    return _current.get() or KNOWN[DEFAULT]


class EditionMiddleware:
    """Sets the request's edition (``current``) and activates its language, so that the
    interface's words (``gettext``, ``locale/``) are the edition's; the language is the
    page's address's, never the reader's Accept-Language, so a cached page is the same
    for every reader of its address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with rendering_in(of_request(request)):
            return self.get_response(request)


@contextmanager
def rendering_in(edition):
    """Render as a page of ``edition`` (an ``Edition``, or a language code) does: its
    dates, digits and interface words. For what is rendered outside the edition's own
    addresses, such as the live block a story's page polls from /live/."""
    if isinstance(edition, str):
        edition = KNOWN.get(edition, KNOWN[DEFAULT])
    token = _current.set(edition)
    try:
        with translation.override(edition.code):
            yield edition
    finally:
        _current.reset(token)
