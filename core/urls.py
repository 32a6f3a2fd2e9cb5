"""Making the addresses inside stored HTML absolute, for readers that resolve relative
ones against their own host (feed readers). The site's own origin is ``SITE_URL``
(``articles.origin``)."""

import re
from urllib.parse import urljoin

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
