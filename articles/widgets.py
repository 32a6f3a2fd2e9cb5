"""What the reader pages' templates call (``ifp.jinja2`` names them): the site-wide widgets,
relative ages and pagination addresses."""

from datetime import datetime
from typing import NamedTuple

from django.http import QueryDict
from django.utils import timezone

from articles import cache as cache_state
from articles import site_extras
from articles.models import Article, Section
from articles.origin import absolute_url

RECENT_POSTS = 6

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


class NavLink(NamedTuple):
    name: str
    url: str


class RecentPost(NamedTuple):
    pk: int
    title: str
    url: str
    excerpt: str
    published_at: datetime


# The site-wide parts of every page (the section navigation and Recent Posts) are the same
# on every page of a content generation, so they are read from the database once a
# generation, not once a request: the generation moves on with every change a reader could
# see, including a scheduled article's minute (articles.cache). Like a cached page, an entry
# is also read again after the page cache's lifetime (never past the next scheduled
# article), so a change that somehow started no generation shows within minutes.
# The entry's shape is in its key: after a deploy that changes it, the running site must
# not read the entries the previous code wrote.
WIDGETS_KEY = "site-widgets:3"


def site_widgets(request):
    """The sections, the newest published articles (one more than Recent Posts shows,
    so that an article's own page can leave itself out) and the footer's standing pages and
    alert (``site_extras``), as of the current generation.
    Read once a request; from the database once a generation, or when the entry is older
    than a cached page may be."""
    found = getattr(request, "_site_widgets", None)
    if found is None:
        state = cache_state.live_generation(WIDGETS_KEY)
        entry = cache_state.entry_of(state.values.get(WIDGETS_KEY), 5)
        now = timezone.now().timestamp()
        if entry is None or entry[0] != state.generation or entry[1] <= now:
            entry = (
                state.generation,
                now + state.lifetime,
                _nav_links(),
                _newest(RECENT_POSTS + 1),
                site_extras.read(),
            )
            if state.answered:
                cache_state.guarded(
                    "set", WIDGETS_KEY, entry, timeout=state.lifetime + WIDGETS_GRACE_SECONDS
                )
        found = request._site_widgets = entry[2:]
    return found


# Kept a little past its freshness, like a page, then dropped.
WIDGETS_GRACE_SECONDS = 60


def _nav_links():
    return [
        NavLink(section.name, section.get_absolute_url())
        for section in Section.objects.only("name", "slug")
    ]


def _newest(count):
    articles = Article.objects.published().only("title", "slug", "excerpt", "published_at")
    return [
        RecentPost(a.pk, a.title, a.get_absolute_url(), a.excerpt, a.published_at)
        for a in articles[:count]
    ]


def sections(request):
    """The section navigation, in the newsroom's order."""
    return site_widgets(request)[0]


def recent_posts(request, exclude=None, count=RECENT_POSTS):
    """The Recent Posts widget: the newest published articles but ``exclude``."""
    newest = site_widgets(request)[1]
    return [post for post in newest if exclude is None or post.pk != exclude.pk][:count]


def page_url(request, number, absolute=False):
    """The current address with ``?page=number`` (page 1 has no parameter) and the other
    query parameters kept but the tracking ones (the page is cached without them: one
    reader's campaign must not show in everyone's links); just the query part unless
    ``absolute``."""
    params = QueryDict(mutable=True)
    for name in request.GET:
        if name != "page" and not cache_state.is_tracking(name):
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
