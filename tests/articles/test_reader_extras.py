"""The reader pages' extras, through HTTP: the masthead search box, share links, standing
pages in the footer and the publisher's JSON-LD, sources, the breaking-news alert, the
Discover robots directive and the visible RSS links."""

import json
from datetime import timedelta

import lxml.html
import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Alert, Byline, Outlet, Page
from tests.factories import (
    AuthorFactory,
    DraftArticleFactory,
    PublishedArticleFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db


def tree(response):
    assert response.status_code == 200
    return lxml.html.fromstring(response.content)


def json_ld(page, type_name):
    for script in page.xpath('//script[@type="application/ld+json"]'):
        data = json.loads(script.text)
        for item in data.get("@graph", [data]):
            if item.get("@type") == type_name:
                return item
    raise AssertionError(f"no {type_name} JSON-LD")


# Search from every page


@pytest.mark.parametrize("path", ["/", "/corrections/", "/search/?q=x", "/about-us/"])
def test_every_page_has_the_masthead_search_box(client, path):
    PublishedArticleFactory()
    Page.objects.create(title="About us", status=Page.Status.PUBLISHED)
    page = tree(client.get(path))
    [form] = page.xpath('//header[@class="site-header"]//form[@role="search"]')
    assert form.get("action") == "/search/" and form.get("method") == "get"
    assert form.xpath('.//input[@name="q"]')
    # On phones an icon opens it: a link to the form, no script needed.
    assert page.xpath('//a[@class="masthead__search-toggle"][@href="#site-search"]')


def test_the_masthead_search_box_finds_articles(client):
    PublishedArticleFactory(title="Air pollution in Tehran")
    response = client.get("/search/", {"q": "Tehran"})
    assert "Air pollution in Tehran" in response.content.decode()


def test_website_search_action_points_at_the_search_page(client):
    PublishedArticleFactory()
    website = json_ld(tree(client.get("/")), "WebSite")
    target = website["potentialAction"]["target"]["urlTemplate"]
    assert target.endswith("/search/?q={search_term_string}")


# Share links


def test_article_page_has_share_links_with_the_canonical_url(client, settings):
    settings.SITE_URL = "https://ifpnews.com"
    article = PublishedArticleFactory(title="Rial & markets", slug="rial-markets")
    page = tree(client.get(article.get_absolute_url(), HTTP_HOST="testserver"))
    links = {a.text: a.get("href") for a in page.xpath('//section[@class="share"]//a')}
    assert set(links) == {"Telegram", "WhatsApp", "X", "Facebook", "E-mail"}
    encoded = "https%3A%2F%2Fifpnews.com%2Frial-markets%2F"
    assert links["Telegram"] == f"https://t.me/share/url?url={encoded}&text=Rial%20%26%20markets"
    assert links["WhatsApp"] == f"https://wa.me/?text=Rial%20%26%20markets%20{encoded}"
    assert links["X"] == f"https://x.com/intent/post?url={encoded}&text=Rial%20%26%20markets"
    assert links["Facebook"] == f"https://www.facebook.com/sharer/sharer.php?u={encoded}"
    assert links["E-mail"] == f"mailto:?subject=Rial%20%26%20markets&body={encoded}"
    # The buttons that need JavaScript are hidden until article.js shows them; no other
    # origin's script is loaded.
    buttons = page.xpath('//section[@class="share"]//button')
    assert [b.get("data-share") for b in buttons] == ["native", "copy"]
    assert all(b.getparent().get("hidden") is not None for b in buttons)
    scripts = [s.get("src") for s in page.xpath("//script[@src]")]
    assert all(src.startswith("/static/") for src in scripts)
    assert any(src.endswith("/article.js") for src in scripts)


# Standing pages, footer and the Trust Project properties


def standing_pages():
    for role, title in [
        ("about", "About us"),
        ("standards", "Editorial standards"),
        ("corrections", "Corrections policy"),
        ("ownership", "Ownership and funding"),
        ("contact", "Contact"),
    ]:
        Page.objects.create(title=title, role=role, status=Page.Status.PUBLISHED, body="<p>x</p>")


def test_footer_links_the_published_standing_pages_in_order(client):
    standing_pages()
    Page.objects.create(title="Draft policy", status=Page.Status.DRAFT)
    footer = tree(client.get("/corrections/")).xpath('//footer[@class="site-footer"]')[0]
    assert [a.text for a in footer.xpath(".//a")] == [
        "About us",
        "Editorial standards",
        "Corrections policy",
        "Ownership and funding",
        "Contact",
        "Corrections and updates",
        "RSS feed",
    ]
    assert client.get("/about-us/").status_code == 200


def test_a_draft_standing_page_is_not_linked(client):
    Page.objects.create(title="About us", role="about", status=Page.Status.DRAFT)
    html = client.get("/corrections/").content.decode()
    assert "/about-us/" not in html


def test_publisher_json_ld_carries_the_trust_project_properties(client, settings):
    settings.SITE_URL = "https://ifpnews.com"
    standing_pages()
    article = PublishedArticleFactory()
    publisher = json_ld(tree(client.get(article.get_absolute_url())), "NewsArticle")["publisher"]
    assert publisher["masthead"] == "https://ifpnews.com/about-us/"
    assert publisher["publishingPrinciples"] == "https://ifpnews.com/editorial-standards/"
    assert publisher["correctionsPolicy"] == "https://ifpnews.com/corrections-policy/"
    assert publisher["ownershipFundingInfo"] == "https://ifpnews.com/ownership-and-funding/"
    assert publisher["actionableFeedbackPolicy"] == "https://ifpnews.com/contact/"
    website = json_ld(tree(client.get("/")), "WebSite")
    assert website["publisher"]["masthead"] == "https://ifpnews.com/about-us/"


def test_a_new_standing_page_shows_in_the_footer_at_once(
    client, django_capture_on_commit_callbacks
):
    assert "/about-us/" not in client.get("/corrections/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        Page.objects.create(title="About us", role="about", status=Page.Status.PUBLISHED)
    assert 'href="/about-us/">About us</a>' in client.get("/corrections/").content.decode()


def test_one_page_per_standing_role(admin_client):
    Page.objects.create(title="About us", role="about")
    response = admin_client.post(
        reverse("admin:articles_page_add"),
        {"title": "About again", "slug": "", "role": "about", "status": "draft", "body": ""},
    )
    assert response.status_code == 200
    assert "Another page in this language has this role already." in response.content.decode()
    assert Page.objects.filter(role="about").count() == 1


# Sources


def test_article_names_its_source_outlet_and_translator(client, settings):
    settings.SITE_URL = "https://ifpnews.com"
    kayhan = Outlet.objects.create(name="Kayhan")
    writer, translator = AuthorFactory(name="Writer One"), AuthorFactory(name="Translator Two")
    article = PublishedArticleFactory(
        authors=[writer],
        source_outlet=kayhan,
        source_url="https://kayhan.ir/fa/news/1",
        source_language="fa",
    )
    Byline.objects.create(article=article, author=translator, position=1, role="translator")
    page = tree(client.get(article.get_absolute_url()))
    source = page.xpath('//p[contains(@class, "article__source")]')[0]
    link = source.xpath(".//a")[0]
    assert link.text == "Kayhan" and link.get("href") == "https://kayhan.ir/fa/news/1"
    assert link.get("rel") == "noopener"
    assert "Source: Kayhan (in Persian)" in source.text_content()
    assert "Translated by Translator Two" in source.text_content()
    # The byline names the writer only.
    assert page.xpath('//p[contains(@class,"article__meta")]//a[@rel="author"]/text()') == [
        "Writer One"
    ]
    data = json_ld(page, "NewsArticle")
    assert [a["name"] for a in data["author"]] == ["Writer One"]
    assert [t["name"] for t in data["translator"]] == ["Translator Two"]
    assert data["isBasedOn"] == {
        "@type": "NewsArticle",
        "url": "https://kayhan.ir/fa/news/1",
        "inLanguage": "fa",
        "publisher": {"@type": "NewsMediaOrganization", "name": "Kayhan"},
    }


def test_translators_are_not_in_the_listing_byline(client):
    writer, translator = AuthorFactory(name="Writer One"), AuthorFactory(name="Translator Two")
    article = PublishedArticleFactory(authors=[writer])
    Byline.objects.create(article=article, author=translator, position=1, role="translator")
    html = client.get(article.section.get_absolute_url()).content.decode()
    assert "Writer One" in html and "Translator Two" not in html


def test_outlet_page_lists_its_published_stories(client):
    kayhan = Outlet.objects.create(name="Kayhan")
    published = PublishedArticleFactory(title="Based on Kayhan", source_outlet=kayhan)
    DraftArticleFactory(title="Draft from Kayhan", source_outlet=kayhan)
    PublishedArticleFactory(title="Other story")
    response = client.get("/source/kayhan/")
    html = lxml.html.tostring(tree(response).xpath('//div[@class="layout__main"]')[0]).decode()
    assert published.title in html and "Draft from Kayhan" not in html
    assert "Other story" not in html
    assert f'href="{published.get_absolute_url()}"' in html


def test_outlet_without_published_stories_is_404(client):
    kayhan = Outlet.objects.create(name="Kayhan")
    DraftArticleFactory(source_outlet=kayhan)
    assert client.get("/source/kayhan/").status_code == 404
    assert client.get("/source/nobody/").status_code == 404


def test_article_without_a_source_has_no_source_line(client):
    article = PublishedArticleFactory()
    page = tree(client.get(article.get_absolute_url()))
    assert not page.xpath('//p[contains(@class, "article__source")]')
    assert "isBasedOn" not in json_ld(page, "NewsArticle")


def test_outlet_and_alert_admin_pages(admin_client):
    Outlet.objects.create(name="Kayhan")
    Alert.objects.create(text="Quake", expires_at=timezone.now() + timedelta(hours=1))
    for name in ("outlet", "alert"):
        url = reverse(f"admin:articles_{name}_changelist")
        assert admin_client.get(url).status_code == 200
        assert admin_client.get(url, {"q": "a"}).status_code == 200
        assert admin_client.get(reverse(f"admin:articles_{name}_add")).status_code == 200


# Breaking-news alert


def test_alert_appears_on_every_page_at_once(client, django_capture_on_commit_callbacks):
    article = PublishedArticleFactory()
    assert "site-alert" not in client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        Alert.objects.create(
            text="Earthquake in Kerman",
            link=article.get_absolute_url(),
            expires_at=timezone.now() + timedelta(hours=1),
        )
    for path in ("/", article.get_absolute_url(), "/corrections/", "/search/"):
        page = tree(client.get(path))

        alert = page.xpath('//div[contains(@class, "site-alert")]')[0]
        assert alert.text_content().strip() == "Breaking news: Earthquake in Kerman"
        assert alert.xpath(".//a/@href") == [article.get_absolute_url()]


def test_alert_refuses_a_link_to_another_scheme(admin_client):
    response = admin_client.post(
        reverse("admin:articles_alert_add"),
        {
            "text": "Bad",
            "link": "javascript:alert(1)",
            "level": "breaking",
            "expires_at_0": "2030-01-01",
            "expires_at_1": "10:00",
        },
    )
    assert response.status_code == 200
    assert "Give a path on this site" in response.content.decode()
    assert not Alert.objects.exists()


def test_expired_alert_is_not_shown(client):
    Alert.objects.create(text="Old news", expires_at=timezone.now() - timedelta(minutes=1))
    assert "site-alert" not in client.get("/").content.decode()


@pytest.mark.django_db(transaction=True)
class TestAlertBehindThePageCache:
    @pytest.fixture(autouse=True)
    def _page_cache_on(self, settings):
        settings.PAGE_CACHE = True
        settings.PAGE_CACHE_SECONDS = 3600

    def test_alert_appears_changes_and_expires_on_cached_pages(self, client, monkeypatch):
        now = timezone.now()
        PublishedArticleFactory()
        assert "site-alert" not in client.get("/").content.decode()
        assert client.get("/")["X-Page-Cache"] == "hit"

        alert = Alert.objects.create(text="Polls close", expires_at=now + timedelta(minutes=10))
        response = client.get("/")
        assert "Polls close" in response.content.decode()
        # No page may be kept past the alert's expiry, by this cache or by a CDN.
        control = response["Cache-Control"]
        assert "s-maxage=600" in control or "s-maxage=599" in control
        assert "stale-while-revalidate=0" in control
        assert client.get("/")["X-Page-Cache"] == "hit"

        alert.text = "Polls extended"
        alert.level = Alert.Level.DEVELOPING
        alert.save()
        html = client.get("/").content.decode()
        assert "Developing story:</strong> Polls extended" in html and "Polls close" not in html

        monkeypatch.setattr(timezone, "now", lambda: now + timedelta(minutes=10, seconds=1))
        assert "site-alert" not in client.get("/").content.decode()
        assert "site-alert" not in client.get("/corrections/").content.decode()


# Discover and RSS


def test_public_pages_allow_large_image_previews(client):
    article = PublishedArticleFactory(tags=["Oil"])
    for path in ("/", article.get_absolute_url(), "/tag/oil/", article.section.get_absolute_url()):
        robots = tree(client.get(path)).xpath('//meta[@name="robots"]/@content')
        assert robots == ["max-image-preview:large"], path
    assert tree(client.get("/search/?q=oil")).xpath('//meta[@name="robots"]/@content') == [
        "noindex, follow"
    ]


def test_preview_is_noindex_without_the_discover_directive(admin_client):
    draft = DraftArticleFactory()
    robots = tree(admin_client.get(draft.get_absolute_url())).xpath(
        '//meta[@name="robots"]/@content'
    )
    assert robots == ["noindex, nofollow"]


def test_visible_rss_links_on_home_section_tag_and_author_pages(client):
    author = AuthorFactory(slug="writer")
    section = SectionFactory(slug="politics")
    PublishedArticleFactory(section=section, authors=[author], tags=["Oil"])
    expected = {
        "/": "/feed/",
        "/category/politics/": "/category/politics/feed/",
        "/tag/oil/": "/tag/oil/feed/",
        "/author/writer/": "/author/writer/feed/",
    }
    for path, feed in expected.items():
        links = tree(client.get(path)).xpath("//body//a/@href")
        assert feed in links, path


def test_lead_picture_is_offered_1200_pixels_wide_or_more(client):
    from tests.factories import ImageFactory

    article = PublishedArticleFactory(image=ImageFactory(width=2000, height=1125))
    page = tree(client.get(article.get_absolute_url()))
    figure = page.xpath('//figure[@class="article__figure"]')[0]
    candidates = " ".join(figure.xpath(".//source/@srcset | .//img/@srcset"))
    widths = [
        int(word[:-1]) for word in candidates.replace(",", " ").split() if word.endswith("w")
    ]
    assert max(widths) >= 1200
