"""The site's one public origin: every absolute address the site writes starts here.

Canonical links, ``og:url``, feeds, sitemaps, JSON-LD, robots.txt and anything built outside
a request (tasks, messages) call ``absolute_url``; nothing calls the request's
``build_absolute_uri``. The origin is the ``SITE_URL`` setting, never the request's
``Host``, ``X-Forwarded-Proto`` or ``SCRIPT_NAME``: a cached page is the same whoever asked
first, and a header cannot put another address into it."""

from django.conf import settings


def site_origin():
    """The public origin, ``https://ifpnews.com``: scheme and host, no slash at the end."""
    return settings.SITE_URL


def absolute_url(url):
    """``url`` (a path such as ``/some-story/``) at the public origin. An address that is
    already absolute (a picture in an object store's own domain) is kept as it is."""
    if url.startswith(("http://", "https://")):
        return url
    if url.startswith("//"):
        return f"{site_origin().split(':', 1)[0]}:{url}"
    return f"{site_origin()}/{url.lstrip('/')}"
