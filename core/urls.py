"""Addresses: working out a route's address and a static file's quickly (``reverse``,
``static``), and making the addresses inside stored HTML absolute, for readers that
resolve relative ones against their own host (feed readers). The site's own origin is
``SITE_URL`` (``articles.origin``)."""

import re
from functools import lru_cache
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static as django_static
from django.urls import get_resolver, get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse
from django.utils import translation
from django.utils.functional import empty

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


# Static files' addresses worked out, by storage, DEBUG and path (a few dozen paths).
_static_urls = {}


def static(path):
    """Django's ``static``: the address of the static file ``path`` (``STATIC_URL`` and,
    with the manifest storage, the file's hashed name), remembered for the storage object
    that answered it and the ``DEBUG`` it answered under (the manifest storage names the
    unhashed file under DEBUG). A new storage (Django makes one when ``STORAGES`` or
    ``STATIC_URL`` changes) is a new key. Through the manifest storage an address costs
    about 90 Python calls; every page names five or more. Raises as Django's does (a
    file missing from the manifest is not remembered)."""
    storage = staticfiles_storage._wrapped
    if storage is empty:
        return django_static(path)
    key = (storage, settings.DEBUG, path)
    url = _static_urls.get(key)
    if url is None:
        url = _static_urls[key] = django_static(path)
    return url
