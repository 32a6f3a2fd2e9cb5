"""Month archives, structured data (read with extruct, as search engines do), social cards,
canonical links and rel=prev/next on every list page."""

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import extruct
import pytest
from django.utils import timezone
from lxml import html as lxml_html

from articles import views
from staff import views as staff_views
from tests.factories import (
    AuthorFactory,
    DeskAuthorFactory,
    DraftArticleFactory,
    ImageFactory,
    PublishedArticleFactory,
    ReviewArticleFactory,
    ScheduledArticleFactory,
    SectionFactory,
    UnpublishedArticleFactory,
)

pytestmark = pytest.mark.django_db


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def tree_of(response):
    assert response.status_code == 200, response
    return lxml_html.fromstring(response.content)


def head_links(response, rel):
    return tree_of(response).xpath(f"//head/link[@rel='{rel}']/@href")


def listed_titles(response):
    return [article.title for article in response.context["articles"]]


# Month archives


@pytest.fixture
def archive():
    """Articles around the end of March 2025. Tehran is UTC+3:30, so 21:00 UTC on 31 March
    is already 1 April there."""
    return {
        "january": PublishedArticleFactory(title="January story", published_at=utc(2025, 1, 10)),
        "march": PublishedArticleFactory(title="March story", published_at=utc(2025, 3, 15, 12)),
        "last_of_march": PublishedArticleFactory(
            title="Late on 31 March", published_at=utc(2025, 3, 31, 20, 29)
        ),
        "first_of_april": PublishedArticleFactory(
            title="Early on 1 April", slug="early-on-1-april", published_at=utc(2025, 3, 31, 21)
        ),
    }


def test_month_archive_lists_that_months_articles_in_newsroom_time(client, archive):
    march = client.get("/2025/03/")
    assert listed_titles(march) == ["Late on 31 March", "March story"]
    april = client.get("/2025/04/")
    assert listed_titles(april) == ["Early on 1 April"]
    html = april.content.decode()
    assert '<h1 class="list-header__title">April 2025</h1>' in html
    assert "Early on 1 April" in html


@pytest.mark.parametrize(
    "factory",
    [DraftArticleFactory, ReviewArticleFactory, UnpublishedArticleFactory],
)
def test_month_archive_lists_only_published_articles(client, archive, factory):
    hidden = factory(title="Hidden March story", slug="hidden-march-story")
    hidden.published_at = utc(2025, 3, 20)
    hidden.save()
    response = client.get("/2025/03/")
    assert listed_titles(response) == ["Late on 31 March", "March story"]
    assert b"hidden-march-story" not in response.content


def test_month_archive_links_the_neighbouring_months_with_articles(client, archive):
    nav = tree_of(client.get("/2025/03/")).xpath("//nav[@class='archive-nav']//a")
    assert [(link.get("href"), link.text_content()) for link in nav] == [
        ("/2025/01/", "← January 2025"),
        ("/2025/04/", "April 2025 →"),
    ]
    first = tree_of(client.get("/2025/01/")).xpath("//nav[@class='archive-nav']//a/@href")
    assert first == ["/2025/03/"]
    last = tree_of(client.get("/2025/04/")).xpath("//nav[@class='archive-nav']//a/@href")
    assert last == ["/2025/03/"]


def test_month_archive_paginates(client, archive, monkeypatch):
    monkeypatch.setattr(views.ArticleMonthArchiveView, "paginate_by", 1)
    assert listed_titles(client.get("/2025/03/")) == ["Late on 31 March"]
    assert listed_titles(client.get("/2025/03/?page=2")) == ["March story"]
    assert client.get("/2025/03/?page=3").status_code == 404


def future_month():
    month = timezone.localtime() + timedelta(days=40)
    return f"/{month:%Y}/{month:%m}/"


@pytest.mark.parametrize(
    "path",
    [
        "/2025/13/",
        "/2025/00/",
        "/0000/01/",
        "/9999/12/",
        "/2025/02/",  # no articles that month
        "/2025/3/",
        "/2025/03/?page=abc",
        "/2025/03/?page=9",
        "future",
    ],
)
def test_bad_future_or_empty_months_are_404(client, archive, path):
    if path == "future":
        ScheduledArticleFactory(published_at=timezone.now() + timedelta(days=40))
        path = future_month()
    assert client.get(path).status_code == 404


def test_article_page_date_links_to_its_month_in_newsroom_time(client, archive):
    tree = tree_of(client.get("/early-on-1-april/"))
    (link,) = tree.xpath("//a[@class='article__date']")
    assert link.get("href") == "/2025/04/"
    assert link.xpath("time/@datetime") == ["2025-04-01T00:30:00+03:30"]
    assert client.get(link.get("href")).status_code == 200


def test_month_archive_shows_an_article_once_its_scheduled_time_has_come(client, monkeypatch):
    now = timezone.now()
    article = ScheduledArticleFactory(
        title="Scheduled story", published_at=now + timedelta(minutes=10)
    )
    later = now + timedelta(minutes=10, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert client.get(article.get_absolute_url()).status_code == 200
    month = timezone.localtime(article.published_at)
    response = client.get(f"/{month:%Y}/{month:%m}/")
    assert response.status_code == 200
    assert "Scheduled story" in listed_titles(response)


# Structured data and cards on the article page


@pytest.fixture
def story():
    economy = SectionFactory(name="Economy", slug="economy")
    author = AuthorFactory(name="Maryam Rahimi", slug="maryam-rahimi")
    published = timezone.now() - timedelta(hours=6)
    article = PublishedArticleFactory(
        title="Pistachio exports climb",
        slug="pistachio-exports-climb",
        standfirst="Growers in Kerman ship more than ever.",
        section=economy,
        authors=[author],
        tags=["Kerman"],
        published_at=published,
        image=ImageFactory(alt="A pistachio orchard", credit="IRNA", width=1600, height=900),
    )
    article.content_updated_at = published + timedelta(hours=2)
    article.save()
    article.refresh_from_db()
    return article


def extract(response, url):
    assert response.status_code == 200
    return extruct.extract(
        response.content.decode(),
        base_url=url,
        syntaxes=["json-ld", "opengraph"],
        uniform=True,
    )


def graph_node(data, type_):
    (document,) = data["json-ld"]
    assert document["@context"] == "https://schema.org"
    nodes = [node for node in document["@graph"] if node["@type"] == type_]
    assert len(nodes) == 1, document
    return nodes[0]


def same_instant(json_value, expected):
    """JSON-LD dates are ISO 8601 to the millisecond."""
    return abs(datetime.fromisoformat(json_value) - expected) < timedelta(milliseconds=1)


def test_article_page_has_a_news_article(client, story):
    url = "http://testserver/pistachio-exports-climb/"
    news = graph_node(extract(client.get(story.get_absolute_url()), url), "NewsArticle")
    assert news["headline"] == "Pistachio exports climb"
    assert news["description"] == "Growers in Kerman ship more than ever."
    assert news["url"] == url
    assert news["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    # Google's three shapes (16:9, 4:3, 1:1), each the largest JPEG rendition made.
    shapes = [(image["width"], image["height"]) for image in news["image"]]
    assert shapes == [(1280, 720), (960, 720), (320, 320)]
    for image in news["image"]:
        assert image["url"].startswith("http://testserver/media/renditions/")
        assert image["url"].endswith(".jpg")
        assert image["creditText"] == "IRNA"
    assert same_instant(news["datePublished"], story.published_at)
    assert same_instant(news["dateModified"], story.content_updated_at)
    assert news["author"] == [
        {
            "@type": "Person",
            "name": "Maryam Rahimi",
            "url": "http://testserver/author/maryam-rahimi/",
        }
    ]
    publisher = news["publisher"]
    assert publisher["name"] == "Iran Front Page"
    assert publisher["logo"]["url"] == "http://testserver/static/img/logo.png"
    assert news["articleSection"] == "Economy"
    assert news["keywords"] == ["Kerman"]


def test_publisher_logo_exists_with_the_size_json_ld_states(client, story):
    from django.contrib.staticfiles import finders
    from PIL import Image

    url = "http://testserver/pistachio-exports-climb/"
    logo = graph_node(extract(client.get(story.get_absolute_url()), url), "NewsArticle")[
        "publisher"
    ]["logo"]
    with Image.open(finders.find("img/logo.png")) as image:
        assert image.size == (logo["width"], logo["height"])


def test_desk_byline_is_an_organization(client):
    article = PublishedArticleFactory(
        slug="desk-story", authors=[DeskAuthorFactory(name="IFP Editorial Staff")]
    )
    data = extract(client.get(article.get_absolute_url()), "http://testserver/desk-story/")
    news = graph_node(data, "NewsArticle")
    assert [(author["@type"], author["name"]) for author in news["author"]] == [
        ("Organization", "IFP Editorial Staff")
    ]
    assert same_instant(news["dateModified"], article.published_at)


def test_article_page_has_breadcrumbs_home_section_article(client, story):
    url = "http://testserver/pistachio-exports-climb/"
    crumbs = graph_node(extract(client.get(story.get_absolute_url()), url), "BreadcrumbList")
    assert [
        (item["position"], item["name"], item["item"]) for item in crumbs["itemListElement"]
    ] == [
        (1, "Home", "http://testserver/"),
        (2, "Economy", "http://testserver/category/economy/"),
        (3, "Pistachio exports climb", url),
    ]


def test_article_page_has_opengraph_twitter_canonical_and_description(client, story):
    url = "http://testserver/pistachio-exports-climb/"
    response = client.get(story.get_absolute_url())
    (og,) = extract(response, url)["opengraph"]
    assert og["@type"] == "article"
    assert og["og:title"] == "Pistachio exports climb"
    assert og["og:url"] == url
    social = f"http://testserver{story.image.social[0]}"
    assert social.endswith("/lead-1280.jpg")
    assert og["og:image"] == social
    assert og["og:image:width"] == "1280" and og["og:image:height"] == "720"
    assert og["og:description"] == "Growers in Kerman ship more than ever."
    tree = tree_of(response)

    def meta(name):
        return tree.xpath(f"//head/meta[@name='{name}']/@content")

    assert meta("twitter:card") == ["summary_large_image"]
    assert meta("twitter:title") == ["Pistachio exports climb"]
    assert meta("twitter:image") == [social]
    assert meta("description") == ["Growers in Kerman ship more than ever."]
    assert head_links(response, "canonical") == [url]


DEFAULT_SHARE = "http://testserver/static/img/share.png"


def share_card(tree):
    def values(attribute, name):
        return tree.xpath(f"//head/meta[@{attribute}='{name}']/@content")

    return {
        "og:image": values("property", "og:image"),
        "og:image:width": values("property", "og:image:width"),
        "twitter:card": values("name", "twitter:card"),
        "twitter:image": values("name", "twitter:image"),
    }


def test_article_without_a_picture_shares_the_sites_default_image(client):
    article = PublishedArticleFactory(slug="no-picture")
    response = client.get(article.get_absolute_url())
    assert share_card(tree_of(response)) == {
        "og:image": [DEFAULT_SHARE],
        "og:image:width": ["1200"],
        "twitter:card": ["summary_large_image"],
        "twitter:image": [DEFAULT_SHARE],
    }
    news = graph_node(extract(response, "http://testserver/no-picture/"), "NewsArticle")
    assert news["image"] == [
        {"@type": "ImageObject", "url": DEFAULT_SHARE, "width": 1200, "height": 630}
    ]


def test_the_shipped_default_share_image_is_as_large_as_it_says():
    from django.contrib.staticfiles import finders
    from PIL import Image

    with Image.open(finders.find("img/share.png")) as image:
        assert image.size == (1200, 630)
        assert image.width >= 1200


def test_list_pages_carry_the_default_share_image(client):
    article = PublishedArticleFactory(tags=["Oil"])
    author = article.bylines.get().author
    for path in ("/", article.section.get_absolute_url(), "/tag/oil/", author.get_absolute_url()):
        assert share_card(tree_of(client.get(path)))["og:image"] == [DEFAULT_SHARE], path


def test_the_default_share_image_is_a_setting(client, settings):
    settings.SHARE_IMAGE = "https://cdn.example.org/card.jpg"
    settings.SHARE_IMAGE_WIDTH, settings.SHARE_IMAGE_HEIGHT = 1600, 900
    article = PublishedArticleFactory()
    card = share_card(tree_of(client.get(article.get_absolute_url())))
    assert card["og:image"] == ["https://cdn.example.org/card.jpg"]
    assert card["og:image:width"] == ["1600"]


def test_script_in_a_headline_cannot_break_out_of_the_json_ld(client):
    plain = PublishedArticleFactory(slug="plain-story")
    headline = "</script><script>alert(1)</script> & <!-- \u2028"
    article = PublishedArticleFactory(slug="hostile-story", title=headline)
    expected = len(tree_of(client.get(plain.get_absolute_url())).xpath("//script"))
    assert expected == 3  # the JSON-LD, the relative-time script and the article's own
    response = client.get(article.get_absolute_url())
    tree = tree_of(response)
    assert len(tree.xpath("//script")) == expected
    assert b"<script>alert(1)</script>" not in response.content
    (json_ld,) = tree.xpath("//script[@type='application/ld+json']/text()")
    graph = json.loads(json_ld)["@graph"]
    assert graph[0]["headline"] == headline
    assert graph[1]["itemListElement"][2]["name"] == headline
    data = extract(response, "http://testserver/hostile-story/")
    assert graph_node(data, "NewsArticle")["headline"] == headline
    assert tree.xpath("//h1[@class='article__headline']/text()") == [headline]


# The home page


def test_home_page_has_a_website_with_a_search_action(client):
    PublishedArticleFactory(title="Pistachio exports", slug="pistachio-exports")
    (website,) = extract(client.get("/"), "http://testserver/")["json-ld"]
    assert website["@type"] == "WebSite"
    assert website["url"] == "http://testserver/"
    action = website["potentialAction"]
    assert action["@type"] == "SearchAction"
    template = action["target"]["urlTemplate"]
    assert template == "http://testserver/search/?q={search_term_string}"
    assert action["query-input"] == "required name=search_term_string"
    filled = template.replace("{search_term_string}", quote("pistachio"))
    response = client.get(filled.removeprefix("http://testserver"))
    assert "Pistachio exports" in response.content.decode()


# Canonical and rel=prev/next on every list page


@pytest.fixture
def three_pages(monkeypatch):
    """Two articles a page on every list, and enough articles for three pages of each."""
    for view in (
        views.HomeView,
        views.SectionView,
        views.TagView,
        views.ArticleMonthArchiveView,
        staff_views.AuthorDetailView,
    ):
        monkeypatch.setattr(view, "paginate_by", 2)
    monkeypatch.setattr(views, "SEARCH_PAGE_SIZE", 2)
    section = SectionFactory(slug="economy")
    author = AuthorFactory(slug="maryam-rahimi")
    for day in range(1, 7):
        PublishedArticleFactory(
            title=f"Pistachio report {day}",
            section=section,
            authors=[author],
            tags=["Kerman"],
            published_at=utc(2025, 3, day, 12),
        )
    # The home page's lead story (the newest) is not in its list: one more for the home page.
    PublishedArticleFactory(title="Football results", published_at=utc(2025, 2, 1))


LIST_PAGES = [
    "/",
    "/category/economy/",
    "/tag/kerman/",
    "/author/maryam-rahimi/",
    "/2025/03/",
    "/search/?q=pistachio",
]


def with_page(path, number):
    if number == 1:
        return f"http://testserver{path}"
    return f"http://testserver{path}{'&' if '?' in path else '?'}page={number}"


@pytest.mark.parametrize("path", LIST_PAGES)
def test_list_page_two_of_three_has_canonical_prev_and_next(client, three_pages, path):
    response = client.get(with_page(path, 2).removeprefix("http://testserver"))
    assert response.context["page_obj"].paginator.num_pages == 3
    assert head_links(response, "canonical") == [with_page(path, 2)]
    assert head_links(response, "prev") == [with_page(path, 1)]
    assert head_links(response, "next") == [with_page(path, 3)]


@pytest.mark.parametrize("path", LIST_PAGES)
def test_list_first_and_last_pages_link_only_inwards(client, three_pages, path):
    first = client.get(path)
    assert head_links(first, "canonical") == [with_page(path, 1)]
    assert head_links(first, "prev") == []
    assert head_links(first, "next") == [with_page(path, 2)]
    last = client.get(with_page(path, 3).removeprefix("http://testserver"))
    assert head_links(last, "canonical") == [with_page(path, 3)]
    assert head_links(last, "prev") == [with_page(path, 2)]
    assert head_links(last, "next") == []


@pytest.mark.parametrize("path", [*LIST_PAGES[:-1], "/search/?q=pistachio"])
def test_list_pages_have_a_meta_description(client, three_pages, path):
    (description,) = tree_of(client.get(path)).xpath("//head/meta[@name='description']/@content")
    assert description.strip()


@pytest.mark.parametrize("path", ["/category/economy/", "/", "/2025/03/"])
def test_list_canonical_drops_tracking_parameters(client, three_pages, path):
    response = client.get(path, {"utm_source": "newsletter", "fbclid": "abc"})
    assert head_links(response, "canonical") == [f"http://testserver{path}"]
