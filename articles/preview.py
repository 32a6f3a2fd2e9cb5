"""Signed, expiring share links to an article's preview, for people without an account."""

from datetime import UTC, datetime, timedelta

from django.core import signing
from django.urls import reverse
from django.utils import timezone

SALT = "articles.preview"
DEFAULT_LIFETIME = timedelta(days=2)
MAX_LIFETIME = timedelta(days=14)


def share_url(article, *, lifetime=DEFAULT_LIFETIME):
    """A link that shows ``article`` as it is now saved until ``lifetime`` has passed."""
    lifetime = min(lifetime, MAX_LIFETIME)
    expires = timezone.now() + lifetime
    token = signing.dumps({"a": article.pk, "e": int(expires.timestamp())}, salt=SALT)
    return reverse("articles:preview", kwargs={"token": token}), expires


def article_id_for(token):
    """The article id a link was made for, or None when it is tampered with or expired."""
    try:
        data = signing.loads(token, salt=SALT)
        expires = datetime.fromtimestamp(int(data["e"]), tz=UTC)
        article_id = int(data["a"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, OverflowError):
        return None
    return article_id if expires > timezone.now() else None
