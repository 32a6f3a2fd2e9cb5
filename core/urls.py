"""The site's own address, and making the addresses inside stored HTML absolute.

``site_origin`` is the one place that says where the site lives: feeds (item links, guids,
enclosures and every URL inside item content) build on it, so that moving it to a setting
is a change here alone.
"""

import re
from urllib.parse import urljoin

from django.utils.encoding import iri_to_uri


def site_origin(request):
    """``scheme://host`` of the site, as the request reached it."""
    return f"{request.scheme}://{request.get_host()}"


def absolute_url(request, path):
    """``path`` on this site as an absolute URI (non-ASCII slugs percent-encoded)."""
    return iri_to_uri(urljoin(site_origin(request) + "/", path))


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
