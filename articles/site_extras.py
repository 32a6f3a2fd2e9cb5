"""The reader pages' site-wide extras: the standing pages the footer links to (and the
publisher's JSON-LD names), the breaking-news alert and the most read lists.

They are read with the section navigation and Recent Posts, once a content generation
(``articles.site_widgets``): saving a page or an alert starts a new generation, and
an alert's expiry is one of the moments the page cache never keeps a page past
(``articles.page_cache.next_scheduled``), so an alert appears at once and disappears by itself.
"""

from datetime import datetime
from typing import NamedTuple

from django.utils import timezone

from articles import editions, most_read
from articles.models import Alert, Page

# The footer's order, and the Trust Project property each standing page answers
# (https://thetrustproject.org, schema.org's NewsMediaOrganization).
STANDING_ROLES = ("about", "standards", "corrections", "ownership", "contact")
TRUST_PROPERTIES = {
    "about": "masthead",
    "standards": "publishingPrinciples",
    "corrections": "correctionsPolicy",
    "ownership": "ownershipFundingInfo",
    "contact": "actionableFeedbackPolicy",
}


class StandingLink(NamedTuple):
    role: str
    title: str
    url: str


class LiveAlert(NamedTuple):
    text: str
    link: str
    level: str
    label: str
    expires_at: datetime


class Extras(NamedTuple):
    standing_pages: list
    alert: LiveAlert | None
    most_read_day: list
    most_read_week: list


def read(language=editions.DEFAULT):
    """The edition ``language``'s extras: its published standing pages in the footer's
    order (for a role it has no page of, the English one), the newest live alert for it
    (one of its language or of every edition) and its most read lists
    (``articles.most_read``): four queries, whatever their lengths."""
    languages = {language, editions.DEFAULT}
    pages = {}
    found = (
        Page.objects.published()
        .exclude(role="")
        .filter(language__in=languages)
        .only("title", "slug", "role", "language")
    )
    for page in found:
        if page.role not in pages or page.language == language:
            pages[page.role] = StandingLink(page.role, page.title, page.get_absolute_url())
    alert = Alert.objects.live().filter(language__in=("", language)).first()
    live = None
    if alert is not None:
        live = LiveAlert(
            alert.text, alert.link, alert.level, alert.get_level_display(), alert.expires_at
        )
    day, week = most_read.most_read_lists(language=language)
    return Extras([pages[role] for role in STANDING_ROLES if role in pages], live, day, week)


def _extras(request):
    from articles.site_widgets import site_widgets

    return site_widgets(request).extras


def standing_pages(request):
    """The footer's links to the published standing pages (About, Editorial standards…)."""
    return _extras(request).standing_pages


def site_alert(request):
    """The breaking-news alert to show, or None; one that expired since the extras were
    read is already gone."""
    alert = _extras(request).alert
    if alert is None or alert.expires_at <= timezone.now():
        return None
    return alert


def most_read_lists(request):
    """The most read widget's lists: (last 24 hours, last 7 days)."""
    extras = _extras(request)
    return extras.most_read_day, extras.most_read_week


def trust_properties(request):
    """The publisher's Trust Project properties: each published standing page's address,
    under the property it answers."""
    from articles.origin import absolute_url

    return {
        TRUST_PROPERTIES[link.role]: absolute_url(link.url) for link in standing_pages(request)
    }
