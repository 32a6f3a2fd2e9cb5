"""Share links for an article, with no third-party script: each is a plain link to the
network's own share address carrying the article's canonical URL, so it works without
JavaScript and sends nothing to anyone until the reader clicks. ``static/js/article.js``
adds the "Copy link" button and, where the browser has the Web Share API, a "Share…" one."""

from typing import NamedTuple
from urllib.parse import quote, urlencode

from django.utils.translation import gettext as _

from articles.origin import absolute_url


class ShareTarget(NamedTuple):
    key: str  # names the link's CSS class: share__link--telegram
    name: str
    url: str


def _query(**params):
    return urlencode(params, quote_via=quote)


def share_targets(article):
    """Telegram, WhatsApp, X, Facebook and e-mail links for ``article``, each with its
    canonical URL (``SITE_URL``'s, never the request's) and its headline."""
    url = absolute_url(article.get_absolute_url())
    title = article.title
    return [
        ShareTarget(
            "telegram", _("Telegram"), f"https://t.me/share/url?{_query(url=url, text=title)}"
        ),
        ShareTarget("whatsapp", _("WhatsApp"), f"https://wa.me/?{_query(text=f'{title} {url}')}"),
        ShareTarget("x", "X", f"https://x.com/intent/post?{_query(url=url, text=title)}"),
        ShareTarget(
            "facebook",
            _("Facebook"),
            f"https://www.facebook.com/sharer/sharer.php?{_query(u=url)}",
        ),
        ShareTarget("email", _("E-mail"), f"mailto:?{_query(subject=title, body=url)}"),
    ]
