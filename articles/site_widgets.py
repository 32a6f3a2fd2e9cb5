"""The site-wide parts of every reader page, the section navigation and Recent Posts
(``ifp.jinja2`` names them for the templates).

They are the same on every page of a content generation, so they are read from the
database once a generation, not once a request: the generation moves on with every change
a reader could see, including a scheduled article's minute (``articles.page_cache``). Like
a cached page, an entry is also read again after the page cache's lifetime (never past the
next scheduled article), so a change that somehow started no generation shows within
minutes.
"""

import weakref
from datetime import datetime
from typing import NamedTuple

from articles import editions, most_read, page_cache, site_extras
from articles.models import Article, Section

RECENT_POSTS = 6


class NavLink(NamedTuple):
    name: str
    url: str


class RecentPost(NamedTuple):
    pk: int
    title: str
    url: str
    excerpt: str
    published_at: datetime


class SiteWidgets(NamedTuple):
    """What the shared cache keeps: the generation it was read in, the time (a Unix
    timestamp) it is fresh until, the section links and the newest published articles."""

    generation: int
    fresh_until: float
    sections: list  # of NavLink
    newest: list  # of RecentPost, one more than Recent Posts shows
    extras: site_extras.Extras  # standing pages, the alert, most read


# The entry's shape is in its key: after a deploy that changes it, the running site never
# reads the entries the previous code wrote.
WIDGETS_KEY = "site-widgets:" + page_cache.shape_key(
    SiteWidgets,
    NavLink,
    RecentPost,
    site_extras.Extras,
    site_extras.StandingLink,
    site_extras.LiveAlert,
    most_read.MostRead,
)


# What each request in flight has read (a page asks several times); gone with the request.
_read_this_request = weakref.WeakKeyDictionary()


def site_widgets(request):
    """The sections, the newest published articles (one more than Recent Posts shows,
    so that an article's own page can leave itself out) and the footer's standing pages,
    alert and most read (``site_extras``), as of the current generation.
    Read once a request; from the database once a generation, or when the entry is older
    than a cached page may be."""
    found = _read_this_request.get(request)
    if found is None:
        # Each edition has its own: its sections and its language's newest articles.
        language = editions.of_request(request).code
        key = WIDGETS_KEY if language == editions.DEFAULT else f"{WIDGETS_KEY}:{language}"
        found = page_cache.generation_entry(
            key,
            SiteWidgets,
            lambda state, now: SiteWidgets(
                state.generation,
                now.timestamp() + state.lifetime,
                _nav_links(language),
                _newest(RECENT_POSTS + 1, language),
                site_extras.read(language),
            ),
        )
        _read_this_request[request] = found
    return found


def _nav_links(language):
    return [
        NavLink(section.name, section.get_absolute_url())
        for section in Section.objects.filter(language=language).only("name", "slug", "language")
    ]


def _newest(count, language):
    articles = (
        Article.objects.published()
        .in_language(language)
        .only("title", "slug", "excerpt", "published_at", "language")
    )
    return [
        RecentPost(a.pk, a.title, a.get_absolute_url(), a.excerpt, a.published_at)
        for a in articles[:count]
    ]


def sections(request):
    """The section navigation, in the newsroom's order."""
    return site_widgets(request).sections


def recent_posts(request, exclude=None, count=RECENT_POSTS):
    """The Recent Posts widget: the newest published articles but ``exclude``."""
    newest = site_widgets(request).newest
    return [post for post in newest if exclude is None or post.pk != exclude.pk][:count]
