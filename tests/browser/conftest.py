"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server.

They run when tests/browser is named on the command line (`make test-browser`); a plain
`make test` skips them, so that the suite stays fast. Without chromium they skip, or fail
where IFP_REQUIRE_BROWSER=1 (.ci/run, which installs it)."""

import io
import os
import shutil
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from articles.management.commands.seed_demo import LIVE_STORY
from tests.browser.checks import require_tool
from tests.conftest import role_groups

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags chromium tries to reach Google's services, which
# this network refuses; the sandbox needs privileges CI's containers do not have.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
WIDTHS = {"phone": PHONE, "desktop": DESKTOP}

# The live server's thread must see what a test writes, so tests commit; each ends with
# every table emptied.
BROWSER_DB = pytest.mark.django_db(transaction=True)


def _named_on_command_line(config):
    return any(
        (HERE == path or HERE in path.parents)
        for path in (Path(arg.split("::")[0]).resolve() for arg in config.args)
    )


def pytest_collection_modifyitems(config, items):
    if _named_on_command_line(config):
        return
    skip = pytest.mark.skip(reason="browser tests: run them with make test-browser")
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM) and not shutil.which("chromium"):
        require_tool(f"chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test's thread; Django refuses database
    # access from a thread with a running loop unless told that it is safe, as it is here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium"),
            args=CHROMIUM_ARGS,
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def new_page(browser):
    """new_page(width="desktop"): a page in a fresh context (its own cookies)."""
    contexts = []

    def make(width="desktop"):
        context = browser.new_context(viewport=WIDTHS[width], locale="en-GB")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    wait_for_requests_to_finish()


def wait_for_requests_to_finish(timeout=5.0):
    """Let the live server finish what closing pages sent (the article form saves what was
    typed, and lets go of its lock, as it closes) before the test's database is emptied: a
    request still reading would lock SQLite's tables under the flush."""
    time.sleep(0.3)  # what a closing page sends reaches the server
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # The live server answers each request in a thread of its own.
        if not any("process_request" in thread.name for thread in threading.enumerate()):
            return
        time.sleep(0.05)


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """pytest-django's live server, started with the settings its middleware reads once, when
    the server's thread starts (before tests/conftest.py sets its own): a STATIC_ROOT that
    exists (the static handler serves /static/ from the finders, as in development) and no
    redirect to HTTPS, which this plain-HTTP server does not speak."""
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    static_root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STATIC_ROOT=static_root, SECURE_SSL_REDIRECT=False):
        server = LiveServer(os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"))
    yield server
    server.stop()


@pytest.fixture
def live_url(live_server, settings):
    """The live server's address. Uploads are served too (tests/browser/urls.py): with
    DEBUG off the site leaves /media/ to the web server in front."""
    settings.ROOT_URLCONF = "tests.browser.urls"
    # Absolute addresses (canonical links, feeds) name the live server, as SITE_URL would.
    settings.SITE_URL = live_server.url
    # The live server speaks plain HTTP: what DJANGO_HTTPS=0 would set.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_HSTS_SECONDS = 0
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
    if policy and "upgrade-insecure-requests" in policy.get("DIRECTIVES", {}):
        directives = dict(policy["DIRECTIVES"])
        del directives["upgrade-insecure-requests"]
        settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}
    return live_server.url


def login(page, base_url, username, password, next_path="/admin/"):
    """Log in through the admin's login form, as a person would."""
    page.goto(f"{base_url}/admin/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base_url}{next_path}")


@pytest.fixture
def demo_site(db):
    """The demo content (`seed_demo --admin`: the seed article, six recent posts, logins
    admin, editor and sara) plus what the public templates need to show every part: enough
    articles for a second page, a correction, an author photo, a rich body and a draft."""
    from articles.models import Article, Correction
    from staff.models import Author
    from tests.factories import DraftArticleFactory, PublishedArticleFactory, SectionFactory
    from tests.images import png_bytes

    role_groups()
    call_command("seed_demo", admin=True, stdout=io.StringIO())
    world = SectionFactory(slug="world")
    sara = Author.objects.get(slug="sara-ahmadi")
    sara.photo.save("sara.png", ContentFile(png_bytes(192, 192, "#8a6d5a")))
    now = timezone.now()
    for n in range(22):
        PublishedArticleFactory(
            title=f"Regional briefing number {n + 1}",
            slug=f"regional-briefing-{n + 1}",
            section=world,
            published_at=now - timedelta(days=1, hours=n),
            authors=[sara],
            tags=["Diplomacy"],
        )
    lead = Article.objects.get(is_featured=True)
    Correction.objects.create(
        article=lead, text="An earlier version gave the wrong date for Quds Day."
    )
    rich = PublishedArticleFactory(
        title="What the new budget means for Tehran",
        slug="what-the-new-budget-means-for-tehran",
        section=world,
        standfirst="Five numbers that explain the plan.",
        body=(
            "<p>The plan, <a href='/tag/diplomacy/'>announced on Sunday</a>, runs to "
            "<strong>300 pages</strong>.</p><h2>Spending</h2><p>Most of it is salaries.</p>"
            "<h3>Subsidies</h3><ul><li>Bread</li><li>Fuel</li></ul>"
            "<blockquote><p>It is a budget for hard times.</p></blockquote><hr>"
            "<ol><li>First</li><li>Second</li></ol>"
        ),
        published_at=now - timedelta(hours=5),
        authors=[sara, Author.objects.get(slug="ifp-editorial-staff")],
        tags=["Tehran", "Budget"],
    )
    draft = DraftArticleFactory(
        title="A draft the readers cannot see yet",
        slug="a-draft-the-readers-cannot-see-yet",
        section=world,
        authors=[sara],
    )

    # Each edition's month archive is the month (in the newsroom's time zone) of one of its
    # own articles: "this month" has none in an edition for the first hours of a month
    # (the Persian demo stories went out days ago).
    def month_of(article):
        local = timezone.localtime(article.published_at)
        return f"/{local:%Y}/{local:%m}/"

    persian = Article.objects.get(language="fa", slug=PERSIAN_SEED_TRANSLATION)
    return {
        "lead": lead,
        "rich": rich,
        "draft": draft,
        "month": month_of(rich),
        "fa_month": month_of(persian),
    }


def public_pages(site):
    """Every public page template, with what makes each look different: (name, path,
    whether it needs an editor's session). The 404 is the site's own error page."""
    return [
        ("home", "/", False),
        ("home-page-2", "/?page=2", False),
        ("article", f"/{site['lead'].slug}/", False),
        ("article-rich", f"/{site['rich'].slug}/", False),
        ("article-live", f"/{LIVE_STORY['slug']}/", False),
        ("section", "/category/politics/", False),
        ("section-page-2", "/category/world/?page=2", False),
        ("tag", "/tag/palestine/", False),
        ("author", "/author/sara-ahmadi/", False),
        ("author-desk", "/author/ifp-editorial-staff/", False),
        ("month", site["month"], False),
        ("search", "/search/?q=Tehran", False),
        ("search-no-results", "/search/?q=xylophone", False),
        ("search-empty", "/search/", False),
        ("corrections", "/corrections/", False),
        ("not-found", "/no-such-story/", False),
        ("preview", f"/{site['draft'].slug}/", True),
        # The Persian edition, right to left (articles/demo_persian.py).
        ("fa-home", "/fa/", False),
        ("fa-article", f"/fa/{PERSIAN_SEED_TRANSLATION}/", False),
        ("fa-section", "/fa/category/جامعه/", False),
        ("fa-tag", "/fa/tag/تهران/", False),
        ("fa-author", "/fa/author/ifp-editorial-staff/", False),
        ("fa-month", f"/fa{site['fa_month']}", False),
        ("fa-search", "/fa/search/?q=تهران", False),
        ("fa-search-empty", "/fa/search/", False),
        ("fa-corrections", "/fa/corrections/", False),
    ]


PERSIAN_SEED_TRANSLATION = "قدردانی-گروه-های-فلسطینی-از-موضع-رهبر-ایران"
