"""The reader pages' extras in a real browser: the masthead search on a phone, the share
sheet, the most read beacon and the breaking-news alert's expiry; and every page with the
new parts checked by axe-core (phone and desktop widths) and the Nu Html Checker."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.checks import axe_violations, format_violations, vnu_errors, vnu_jar
from tests.browser.conftest import BROWSER_DB, DESKTOP, PHONE

pytestmark = BROWSER_DB

READER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)


@pytest.fixture
def extras_site(demo_site):
    """The demo site with every extra showing: a source and a translator on the lead
    story, the five standing pages, a live alert and read counts."""
    from articles import most_read
    from articles.models import Alert, ArticleViews, Byline, Outlet, Page
    from staff.models import Author

    lead = demo_site["lead"]
    lead.source_outlet = Outlet.objects.create(name="Kayhan", website="https://kayhan.ir/")
    lead.source_url = "https://kayhan.ir/fa/news/1"
    lead.source_language = "fa"
    lead.save()
    translator = Author.objects.get(slug="sara-ahmadi")
    Byline.objects.create(article=lead, author=translator, position=5, role="translator")
    for role, title in [
        ("about", "About us"),
        ("standards", "Editorial standards"),
        ("corrections", "Corrections policy"),
        ("ownership", "Ownership and funding"),
        ("contact", "Contact"),
    ]:
        Page.objects.create(
            title=title, role=role, status=Page.Status.PUBLISHED, body=f"<p>{title}.</p>"
        )
    Alert.objects.create(
        text="Polls close at 8 pm",
        link=lead.get_absolute_url(),
        expires_at=timezone.now() + timedelta(minutes=30),
    )
    hour = most_read.hour_of(timezone.now())
    ArticleViews.objects.create(article=lead, hour=hour, count=40)
    ArticleViews.objects.create(article=demo_site["rich"], hour=hour, count=10)
    return {**demo_site, "outlet": lead.source_outlet}


def extras_pages(site):
    return [
        ("home", "/"),
        ("article", f"/{site['lead'].slug}/"),
        ("article-rich", f"/{site['rich'].slug}/"),
        ("outlet", "/source/kayhan/"),
        ("standing-page", "/about-us/"),
        ("section", "/category/world/"),
    ]


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_pages_with_the_extras_have_no_accessibility_violations(
    extras_site, live_url, new_page, width
):
    page = new_page(width)
    found = {}
    for name, path in extras_pages(extras_site):
        response = page.goto(live_url + path)
        assert response.status == 200, f"{name}: {path} answered {response.status}"
        expect(page.locator(".site-alert")).to_be_visible()
        if violations := axe_violations(page):
            found[name] = violations
    assert not found, "axe-core found:\n" + format_violations(found)


def test_pages_with_the_extras_are_valid_html(extras_site, live_url, new_page, tmp_path):
    vnu_jar()
    page = new_page()
    files = []
    for name, path in extras_pages(extras_site):
        response = page.goto(live_url + path)
        files.append(tmp_path / f"{name}.html")
        files[-1].write_bytes(response.body())
    errors = vnu_errors(files)
    assert not errors, "The Nu Html Checker found:\n" + "\n".join(
        f"{name}: {error}" for name, found in errors.items() for error in found
    )


def test_masthead_search_opens_from_the_icon_on_a_phone(demo_site, live_url, browser):
    for javascript in (True, False):
        context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
        page = context.new_page()
        page.goto(live_url + "/")
        box = page.get_by_label("Search the site")
        expect(box).to_be_hidden()
        page.get_by_role("link", name="Search", exact=True).click()
        expect(box).to_be_visible()
        box.fill("unhealthy air")
        box.press("Enter")
        expect(page).to_have_url(f"{live_url}/search/?q=unhealthy+air")
        context.close()
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(live_url + "/")
    expect(page.get_by_label("Search the site")).to_be_visible()
    expect(page.locator(".masthead__search-toggle")).to_be_hidden()
    context.close()


def test_share_sheet_copies_the_canonical_link(demo_site, live_url, browser):
    lead = demo_site["lead"]
    canonical = f"{live_url}/{lead.slug}/"
    context = browser.new_context(viewport=DESKTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_url)
    page = context.new_page()
    page.goto(canonical)
    share = page.get_by_role("region", name="Share this story")
    for name in ("Telegram", "WhatsApp", "X", "Facebook", "E-mail"):
        expect(share.get_by_role("link", name=name, exact=True)).to_have_count(1)
    # Without the Web Share API (chromium on Linux) only "Copy link" shows.
    expect(share.get_by_role("button", name="Share…")).to_be_hidden()
    share.get_by_role("button", name="Copy link").click()
    expect(share.get_by_role("status")).to_have_text("Link copied.")
    assert page.evaluate("navigator.clipboard.readText()") == canonical
    context.close()


def test_share_sheet_uses_the_web_share_api_where_the_browser_has_it(demo_site, live_url, browser):
    lead = demo_site["lead"]
    context = browser.new_context(viewport=PHONE)
    context.add_init_script(
        "navigator.share = (data) => { window.sharedData = data; return Promise.resolve(); };"
    )
    page = context.new_page()
    page.goto(f"{live_url}/{lead.slug}/")
    page.get_by_role("button", name="Share…").click()
    shared = page.evaluate("window.sharedData")
    assert shared == {"title": lead.title, "url": f"{live_url}/{lead.slug}/"}
    context.close()


def test_share_links_work_without_javascript(demo_site, live_url, browser):
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_url}/{demo_site['lead'].slug}/")
    share = page.get_by_role("region", name="Share this story")
    expect(share.get_by_role("link")).to_have_count(5)
    expect(share.get_by_role("button")).to_have_count(0)
    context.close()


def test_the_beacon_counts_a_reader_once_and_a_headless_browser_never(
    demo_site, live_url, browser
):
    from articles.models import ArticleViews

    lead = demo_site["lead"]
    url = f"{live_url}/{lead.slug}/"
    context = browser.new_context(viewport=DESKTOP, user_agent=READER_AGENT)
    page = context.new_page()
    for _ in range(2):
        with page.expect_response(lambda r: r.url.endswith("/beacon/")) as beacon:
            page.goto(url)
        assert beacon.value.status == 204
        assert beacon.value.request.method == "POST"
    assert sum(ArticleViews.objects.filter(article=lead).values_list("count", flat=True)) == 1
    context.close()

    # chromium's own headless User-Agent says so: not a reader.
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    with page.expect_response(lambda r: r.url.endswith("/beacon/")) as beacon:
        page.goto(f"{live_url}/{demo_site['rich'].slug}/")
    assert beacon.value.status == 204
    assert not ArticleViews.objects.filter(article=demo_site["rich"]).exists()
    context.close()


def test_the_alert_leaves_an_open_page_when_it_expires(demo_site, live_url, browser):
    from articles.models import Alert

    Alert.objects.create(
        text="Polls close at 8 pm", expires_at=timezone.now() + timedelta(minutes=30)
    )
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.clock.install()
    page.goto(live_url + "/")
    alert = page.get_by_role("region", name="Breaking news")
    expect(alert).to_have_text("Breaking news: Polls close at 8 pm")
    page.clock.fast_forward("29:00")
    expect(alert).to_be_visible()
    page.clock.fast_forward("01:05")
    expect(alert).to_have_count(0)
    context.close()
