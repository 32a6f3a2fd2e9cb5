"""What the reader pages' templates format (``ifp.jinja2`` names them): relative ages, the
``<time datetime>`` attribute and pagination addresses."""

from django.http import QueryDict
from django.utils import timezone

from articles import page_cache
from articles.origin import absolute_url

# Mirrored by static/js/relative-time.js, which keeps the ages right on cached pages.
AGE_UNITS = (
    (365 * 86400, "year"),
    (30 * 86400, "month"),
    (7 * 86400, "week"),
    (86400, "day"),
    (3600, "hour"),
    (60, "minute"),
)


def age(value, now=None):
    """'1 minute ago', '2 hours ago': how long ago ``value`` was, in its largest unit."""
    if value is None:
        return ""
    seconds = ((now or timezone.now()) - value).total_seconds()
    for size, unit in AGE_UNITS:
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"


def datetime_attr(value):
    """A time for a ``<time datetime>`` attribute: ISO 8601 in the newsroom's zone, to the
    second (HTML allows at most three decimals; Python's isoformat may write six)."""
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def page_url(request, number, absolute=False):
    """The current address with ``?page=number`` (page 1 has no parameter) and the other
    query parameters kept but the tracking ones (the page is cached without them: one
    reader's campaign must not show in everyone's links); just the query part unless
    ``absolute``."""
    params = QueryDict(mutable=True)
    for name in request.GET:
        if name != "page" and not page_cache.is_tracking(name):
            params.setlist(name, request.GET.getlist(name))
    if absolute:
        # Canonical addresses keep only what selects the content (not utm_*, fbclid…).
        params = QueryDict(mutable=True)
        if request.GET.get("q"):
            params["q"] = request.GET["q"]
    if number and int(number) > 1:
        params["page"] = number
    query = params.urlencode()
    if absolute:
        return absolute_url(request.path_info + (f"?{query}" if query else ""))
    return f"?{query}" if query else request.path_info
