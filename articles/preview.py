"""Expiring, revocable share links to an article's preview, for people without an account.

A link carries a random token; the database keeps only its SHA-256 (``ShareLink``), so a
copy of the database opens no preview. Logs keep only the token's first characters
(``redact``): the access log of gunicorn (ifp.logs.AccessLogger) and the app's JSON lines.
The models are imported inside the functions: logging, set up before the apps are
loaded, imports ``redact``.
"""

import hashlib
import re
import secrets
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

DEFAULT_LIFETIME = timedelta(days=2)
MAX_LIFETIME = timedelta(days=14)
# Enough to tell links apart in a log and in the admin's list; far too few to open one.
PREFIX_LENGTH = 6
TOKEN_BYTES = 32

_TOKEN_IN_PATH = re.compile(rf"(/preview/)([A-Za-z0-9_\-]{{{PREFIX_LENGTH}}})[^/?#\s\"']*")


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def share_url(article, *, lifetime=DEFAULT_LIFETIME, user=None):
    """A new link that shows ``article`` as it is saved, until ``lifetime`` has passed,
    the article is published or an editor revokes it. Returns (path, expiry)."""
    from articles.models import ShareLink

    lifetime = min(lifetime, MAX_LIFETIME)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = ShareLink.objects.create(
        article=article,
        token_hash=_hash(token),
        prefix=token[:PREFIX_LENGTH],
        created_by=user,
        expires_at=timezone.now() + lifetime,
    )
    return reverse("articles:preview", kwargs={"token": token}), link.expires_at


def article_id_for(token):
    """The article id a link was made for, or None when it is unknown, expired or
    revoked."""
    from articles.models import ShareLink

    if not 20 <= len(token) <= 100:
        return None
    link = ShareLink.objects.active().filter(token_hash=_hash(token)).first()
    return link.article_id if link is not None else None


def revoke(article, *, link_id=None):
    """Revoke the article's links (or one of them); returns how many were active."""
    from articles.models import ShareLink

    links = ShareLink.objects.active().filter(article=article)
    if link_id is not None:
        links = links.filter(pk=link_id)
    return links.update(revoked_at=timezone.now())


def redact(text):
    """``text`` with every preview token cut to its first characters: for log lines."""
    if "/preview/" not in text:
        return text
    return _TOKEN_IN_PATH.sub(lambda match: f"{match[1]}{match[2]}…", text)
