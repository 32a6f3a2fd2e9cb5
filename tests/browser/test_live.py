"""A live story in a real browser: the page picks up an entry added after it loaded,
without a reload, pauses while the tab is hidden, and stops asking once coverage ends."""

import re

from django.utils import timezone
from playwright.sync_api import expect

from articles.management.commands.seed_demo import LIVE_STORY
from live.models import LiveEntry, LiveStory
from tests.browser.conftest import BROWSER_DB

pytestmark = BROWSER_DB

# Makes the tab look hidden or shown to the page, as switching tabs would.
VISIBILITY = """state => {
    Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
    document.dispatchEvent(new Event("visibilitychange"));
}"""


def test_live_page_picks_up_new_entries_and_stops_polling_when_coverage_ends(
    demo_site, live_url, page, settings
):
    settings.LIVE_POLL_SECONDS = 1
    settings.LIVE_CACHE_SECONDS = 1
    errors, polls = [], []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: "/live/" in request.url and polls.append(request.url))
    story = LiveStory.objects.get(article__slug=LIVE_STORY["slug"])

    page.goto(f"{live_url}/{LIVE_STORY['slug']}/")
    expect(page.locator(".live__heading")).to_contain_text("Live coverage")
    expect(page.locator(".live__badge")).to_be_visible()
    expect(page.locator(".live-entry")).to_have_count(5)

    LiveEntry.objects.create(story=story, body="<p>Power is back in Bandar Abbas.</p>")
    newest = page.locator(".live-entry").first
    expect(newest).to_contain_text("Power is back in Bandar Abbas.", timeout=10_000)
    expect(page.locator(".live-entry")).to_have_count(6)

    # A hidden tab asks nothing (Page Visibility API).
    page.evaluate(VISIBILITY, "hidden")
    page.wait_for_timeout(500)
    hidden_from = len(polls)
    page.wait_for_timeout(3_000)
    assert len(polls) == hidden_from
    page.evaluate(VISIBILITY, "visible")

    story.coverage_end = timezone.now()
    story.save()
    expect(page.locator(".live__heading")).to_have_text("Coverage has ended", timeout=10_000)
    expect(page.locator(".live__badge")).to_have_count(0)
    page.wait_for_timeout(500)
    ended_at = len(polls)
    page.wait_for_timeout(3_000)
    assert len(polls) == ended_at, "the page kept asking after the coverage ended"
    assert all(re.search(r"/live/\d+/$", url) for url in polls)
    assert not errors, errors
