"""A reader's path through the site in a real browser: the home page, a story, its author,
a tag, a section and a search."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import BROWSER_DB

pytestmark = BROWSER_DB


def test_reader_follows_a_story_its_author_a_tag_a_section_and_searches(demo_site, live_url, page):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(live_url + "/")
    expect(page).to_have_title("Iran Front Page: news from Iran")
    lead = page.locator(".lead__headline a")
    expect(lead).to_have_text(demo_site["lead"].title)

    lead.click()
    expect(page).to_have_url(f"{live_url}/{demo_site['lead'].slug}/")
    expect(page.locator("h1")).to_have_text(demo_site["lead"].title)
    # The lead picture is served (from the live server's /media/) and decoded.
    picture = page.locator(".article__figure img")
    expect(picture).to_have_attribute(
        "alt", "Illustration with the words “International Quds Day”"
    )
    assert picture.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(page.locator(".recent-posts__item")).to_have_count(6)
    # relative-time.js ran: the ages are the browser's own.
    expect(page.locator(".recent-posts time[data-age]").first).to_have_text(
        re.compile(r"^(just now|\d+ (minute|hour)s? ago)$")
    )

    page.locator(".article__meta").get_by_role("link", name="IFP Editorial Staff").click()
    expect(page).to_have_url(f"{live_url}/author/ifp-editorial-staff/")
    expect(page.locator("h1")).to_have_text("IFP Editorial Staff")
    page.get_by_role("link", name=demo_site["lead"].title).click()

    page.locator(".tag-list").get_by_role("link", name="Quds Day").click()
    expect(page).to_have_url(f"{live_url}/tag/quds-day/")
    expect(page.locator("h1")).to_have_text("Quds Day")
    expect(page.locator(".card__headline")).to_have_text([demo_site["lead"].title])

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Society").click()
    expect(page).to_have_url(f"{live_url}/category/society/")
    expect(page.locator("h1")).to_have_text("Society")
    expect(page.get_by_role("link", name="Society", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.locator(".layout__main .card__headline")).to_have_count(2)

    page.goto(live_url + "/search/")
    page.get_by_label("Search the news").fill("unhealthy air")
    page.get_by_label("Search the news").press("Enter")
    expect(page).to_have_url(f"{live_url}/search/?q=unhealthy+air")
    expect(page.locator(".search-count")).to_have_text("1 result for “unhealthy air”")
    page.locator(".search-hit a").click()
    expect(page.locator("h1")).to_have_text(
        "Tehran experienced 18 days of unhealthy air in past 30 days"
    )

    assert errors == [], "the browser reported errors (a blocked script or style?)"
