"""Addresses: working out a route's address and a static file's quickly (``reverse``,
``static``), and making the addresses inside stored HTML absolute, for readers that
resolve relative ones against their own host (feed readers). The site's own origin is
``SITE_URL`` (``articles.origin``)."""

import re
from functools import lru_cache
from urllib.parse import quote, urljoin

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static as django_static
from django.urls import get_resolver, get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse
from django.utils import translation
from django.utils.http import RFC3986_SUBDELIMS

# URL-carrying attributes in HTML the body sanitizer wrote (always double-quoted).
_URL_ATTRIBUTE = re.compile(r'(?P<lead>\s(?:href|src)=")(?P<url>[^"]*)(?=")', re.IGNORECASE)
_SRCSET = re.compile(r'(?P<lead>\ssrcset=")(?P<url>[^"]*)(?=")', re.IGNORECASE)


def absolute_html(fragment, base):
    """``fragment`` with every ``href``, ``src`` and ``srcset`` URL resolved against
    ``base`` (an absolute URL): feed readers resolve relative ones against their own host."""
    if not fragment:
        return fragment

    def single(match):
        return match["lead"] + urljoin(base, match["url"].strip())

    def srcset(match):
        candidates = []
        for candidate in match["url"].split(","):
            url, _, descriptor = candidate.strip().partition(" ")
            if url:
                candidates.append(f"{urljoin(base, url)} {descriptor}".strip())
        return match["lead"] + ", ".join(candidates)

    return _SRCSET.sub(srcset, _URL_ATTRIBUTE.sub(single, fragment))


# Addresses worked out, at most this many kept a process (about 200 bytes each).
REVERSE_CACHE_SIZE = 4096


@lru_cache(maxsize=REVERSE_CACHE_SIZE)
def _reverse(resolver, prefix, language, urlconf, name, kwargs, current_app):
    arguments = {key: value for key, _kind, value in kwargs} if kwargs else None
    return django_reverse(name, urlconf=urlconf, kwargs=arguments, current_app=current_app)


def forget_reversed():
    """Forget every address ``reverse`` remembered (the gunicorn master, before it forks:
    the addresses its first pages named are of particular articles, and each worker
    remembers those its own pages name)."""
    _reverse.cache_clear()


def reverse(name, kwargs=None, current_app=None):
    """Django's ``reverse``, remembered: the same name and arguments give the same address
    as long as the URL configuration (its resolver object, which Django builds again when
    ``ROOT_URLCONF`` changes) and the script prefix are the same, and those are part of the
    key, with the active language (Django's resolver keeps its routes by language, for
    translated patterns). A page works out 20 to 40 addresses, each about 40 µs in
    Django's resolver (measured on the article page); a remembered one is a dictionary
    lookup. Raises ``NoReverseMatch`` as Django's does (a failure is not remembered)."""
    urlconf = get_urlconf()
    # With each value's type: 1 and True are equal keys, not the same address.
    items = ()
    if kwargs:
        items = tuple(sorted((name, type(value), value) for name, value in kwargs.items()))
    key = (get_resolver(urlconf), get_script_prefix(), translation.get_language(), urlconf)
    try:
        return _reverse(*key, name, items, current_app)
    except TypeError:  # an argument that cannot be a key (not hashable): not remembered
        return django_reverse(name, urlconf=urlconf, kwargs=kwargs, current_app=current_app)


# What stands for a route's argument in the one address ``reverse_text`` remembers of it.
_STAND_IN = "0-stand-in-0"
# What Django's resolver leaves unescaped in an address (RFC 3986's "pchar").
_PATH_SAFE = RFC3986_SUBDELIMS + "/~:@"


def reverse_text(name, argument, value):
    """``reverse(name, kwargs={argument: value})`` for a route whose one argument is a
    ``<str:…>`` path converter (any text without "/", such as an article's slug), without
    remembering the address: the route's address is worked out once, with a stand-in for
    the argument, and ``value`` goes in its place percent-encoded as Django's resolver
    encodes it (``urllib.parse.quote`` leaving RFC 3986's ``pchar`` characters).

    For addresses named by the thousand (the news sitemap's and the sitemaps' articles):
    each one remembered by ``reverse`` would stay in every worker that named it, up to
    ``REVERSE_CACHE_SIZE`` of them (a megabyte or two), for addresses no other page asks
    for. Raises ``NoReverseMatch`` as Django does for a value the converter refuses (an
    empty one, or one with a "/"). Only for ``str`` converters: another converter's
    ``to_url`` or regex is not applied here. A value that is not exactly a ``str`` (a
    subclass may print otherwise) goes through Django's ``reverse``, not remembered."""
    if type(value) is not str or not value or "/" in value:
        return django_reverse(name, kwargs={argument: value})  # Django's answer or error
    before, _, after = reverse(name, kwargs={argument: _STAND_IN}).rpartition(_STAND_IN)
    return before + quote(value, safe=_PATH_SAFE) + after


# Static files' addresses kept a process: a page names about ten (stylesheet, scripts, icon).
STATIC_CACHE_SIZE = 256


@lru_cache(maxsize=STATIC_CACHE_SIZE)
def static(path):
    """Django's ``static``, remembered: the address of the static file ``path`` (with the
    manifest's hashed name in production) is the same for the life of a deploy, and
    Django's works it out again on every call (about 45 Python calls: the storage, the
    manifest, ``urljoin``). Forgotten when a setting changes (``setting_changed``: the
    tests' ``override_settings`` of ``STATIC_URL`` or ``STORAGES``). Raises what Django's
    raises for a file the manifest does not know (``ValueError``), not remembered."""
    return django_static(path)


@receiver(setting_changed)
def _forget_static(**kwargs):
    static.cache_clear()
