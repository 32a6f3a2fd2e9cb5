"""The sitemap index and its sitemaps, the Google News sitemap and robots.txt, validated
with lxml against the official schemas (copied into tests/xsd/)."""

from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from lxml import etree

from articles import editions
from articles.models import Page
from articles.sitemaps import ArticleSitemap
from tests.factories import (
    HIDDEN_FACTORIES,
    AuthorFactory,
    DraftArticleFactory,
    ImageFactory,
    PublishedArticleFactory,
    ScheduledArticleFactory,
    SectionFactory,
    UnpublishedArticleFactory,
)

pytestmark = pytest.mark.django_db

XSD_DIR = Path(__file__).resolve().parent.parent / "xsd"
NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "image": "http://www.google.com/schemas/sitemap-image/1.1",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


def combined_schema(tmp_path, *extensions):
    """sitemap.xsd plus extension schemas, through a wrapper that imports each by path."""
    imports = [("http://www.sitemaps.org/schemas/sitemap/0.9", "sitemap.xsd")]
    imports += [(NS[prefix], f"sitemap-{prefix}.xsd") for prefix in extensions]
    lines = "\n".join(
        f'  <xsd:import namespace="{namespace}" '
        f'schemaLocation="{(XSD_DIR / name).resolve().as_uri()}"/>'
        for namespace, name in imports
    )
    wrapper = tmp_path / f"wrapper-{'-'.join(extensions) or 'plain'}.xsd"
    wrapper.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">\n'
        f"{lines}\n</xsd:schema>\n"
    )
    return etree.XMLSchema(etree.parse(str(wrapper)))


@pytest.fixture
def index_schema():
    return etree.XMLSchema(etree.parse(str(XSD_DIR / "siteindex.xsd")))


@pytest.fixture
def sitemap_schema(tmp_path):
    return combined_schema(tmp_path, "image")


@pytest.fixture
def news_schema(tmp_path):
    return combined_schema(tmp_path, "news")


def valid_xml(response, schema):
    assert response.status_code == 200, response
    assert response["Content-Type"].startswith("application/xml")
    document = etree.fromstring(response.content)
    assert schema.validate(document), schema.error_log
    return document


def path_of(url):
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.netloc == "testserver", url
    return parts.path + (f"?{parts.query}" if parts.query else "")


def index_locations(client, index_schema):
    index = valid_xml(client.get("/sitemap.xml"), index_schema)
    return index.xpath("/sm:sitemapindex/sm:sitemap/sm:loc/text()", namespaces=NS)


def all_sitemap_urls(client, index_schema, sitemap_schema):
    """Every <url> element of every sitemap the index lists, each sitemap validated."""
    urls = []
    for location in index_locations(client, index_schema):
        document = valid_xml(client.get(path_of(location)), sitemap_schema)
        urls += document.xpath("/sm:urlset/sm:url", namespaces=NS)
    return urls


def locations(urls):
    return [url.findtext("sm:loc", namespaces=NS) for url in urls]


@pytest.fixture
def site():
    """A small published site: two articles (one with a featured image), each sectioned,
    tagged and bylined."""
    politics = SectionFactory(name="Politics", slug="politics")
    economy = SectionFactory(name="Economy", slug="economy")
    now = timezone.now()
    pictured = PublishedArticleFactory(
        slug="pictured-story",
        section=politics,
        authors=[AuthorFactory(slug="maryam-rahimi")],
        tags=["Majlis"],
        published_at=now - timedelta(days=2),
        image=ImageFactory(alt="Parliament", width=30, height=20, fmt="PNG"),
    )
    pictured.content_updated_at = now - timedelta(hours=5)
    pictured.save()
    plain = PublishedArticleFactory(
        slug="plain-story",
        section=economy,
        authors=[AuthorFactory(slug="reza-karimi")],
        tags=["Oil"],
        published_at=now - timedelta(hours=2),
    )
    return {"pictured": pictured, "plain": plain}


# The index and its sitemaps


def test_sitemap_index_is_valid_and_lists_each_sitemap(client, site, index_schema):
    assert sorted(index_locations(client, index_schema)) == [
        "http://testserver/sitemap-articles.xml",
        "http://testserver/sitemap-authors.xml",
        "http://testserver/sitemap-sections.xml",
        "http://testserver/sitemap-tags.xml",
    ]


def test_every_listed_sitemap_is_valid_with_the_image_extension(
    client, site, index_schema, sitemap_schema
):
    urls = all_sitemap_urls(client, index_schema, sitemap_schema)
    assert sorted(locations(urls)) == [
        "http://testserver/author/maryam-rahimi/",
        "http://testserver/author/reza-karimi/",
        "http://testserver/category/economy/",
        "http://testserver/category/politics/",
        "http://testserver/pictured-story/",
        "http://testserver/plain-story/",
        "http://testserver/tag/majlis/",
        "http://testserver/tag/oil/",
    ]


def test_schema_check_catches_an_unknown_image_element(tmp_path, sitemap_schema):
    """The wrapper schema really validates the image extension (strictly, as the official
    schema asks), so the sitemap tests above cannot pass by ignoring it."""
    document = etree.fromstring(
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">'
        b"<url><loc>http://testserver/a/</loc><image:image><image:nope>x</image:nope>"
        b"</image:image></url></urlset>"
    )
    assert not sitemap_schema.validate(document)


def test_article_sitemap_has_lastmod_and_the_featured_image(
    client, site, index_schema, sitemap_schema
):
    document = valid_xml(client.get("/sitemap-articles.xml"), sitemap_schema)
    urls = {
        url.findtext("sm:loc", namespaces=NS): url
        for url in document.xpath("/sm:urlset/sm:url", namespaces=NS)
    }
    assert list(urls) == ["http://testserver/plain-story/", "http://testserver/pictured-story/"]
    pictured = urls["http://testserver/pictured-story/"]
    lastmod = datetime.fromisoformat(pictured.findtext("sm:lastmod", namespaces=NS))
    assert lastmod == site["pictured"].content_updated_at
    image_locs = pictured.xpath("image:image/image:loc/text()", namespaces=NS)
    assert image_locs == [f"http://testserver{site['pictured'].image.url}"]
    plain = urls["http://testserver/plain-story/"]
    lastmod = datetime.fromisoformat(plain.findtext("sm:lastmod", namespaces=NS))
    assert lastmod == site["plain"].published_at
    assert plain.xpath("image:image", namespaces=NS) == []


def test_section_tag_and_author_sitemaps_list_only_those_with_published_articles(
    client, site, sitemap_schema
):
    quiet = SectionFactory(name="Quiet", slug="quiet")
    ghost = AuthorFactory(slug="ghost-writer")
    for factory in HIDDEN_FACTORIES:
        factory(section=quiet, authors=[ghost], tags=["Secret"])
    sections = valid_xml(client.get("/sitemap-sections.xml"), sitemap_schema)
    tags = valid_xml(client.get("/sitemap-tags.xml"), sitemap_schema)
    authors = valid_xml(client.get("/sitemap-authors.xml"), sitemap_schema)
    loc = "/sm:urlset/sm:url/sm:loc/text()"
    assert sorted(sections.xpath(loc, namespaces=NS)) == [
        "http://testserver/category/economy/",
        "http://testserver/category/politics/",
    ]
    assert tags.xpath(loc, namespaces=NS) == [
        "http://testserver/tag/majlis/",
        "http://testserver/tag/oil/",
    ]
    assert authors.xpath(loc, namespaces=NS) == [
        "http://testserver/author/maryam-rahimi/",
        "http://testserver/author/reza-karimi/",
    ]


def test_section_sitemap_lastmod_is_its_newest_published_article(client, site, sitemap_schema):
    ScheduledArticleFactory(section=site["plain"].section)
    document = valid_xml(client.get("/sitemap-sections.xml"), sitemap_schema)
    (economy,) = document.xpath(
        "/sm:urlset/sm:url[sm:loc='http://testserver/category/economy/']", namespaces=NS
    )
    lastmod = datetime.fromisoformat(economy.findtext("sm:lastmod", namespaces=NS))
    assert lastmod == site["plain"].published_at


@pytest.mark.parametrize("factory", HIDDEN_FACTORIES)
def test_unpublished_articles_never_appear_in_any_sitemap(
    client, site, index_schema, sitemap_schema, factory
):
    factory(
        slug="hidden-story",
        section=SectionFactory(slug="hidden-section"),
        authors=[AuthorFactory(slug="hidden-author")],
        tags=["Hidden tag"],
    )
    urls = locations(all_sitemap_urls(client, index_schema, sitemap_schema))
    assert "http://testserver/plain-story/" in urls
    assert not [url for url in urls if "hidden" in url]
    assert b"hidden" not in client.get("/news-sitemap.xml").content


def test_article_sitemap_paginates_and_the_index_lists_every_page(
    client, monkeypatch, index_schema, sitemap_schema
):
    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    now = timezone.now()
    articles = [
        PublishedArticleFactory(slug=f"story-{n}", published_at=now - timedelta(hours=n))
        for n in range(1, 6)
    ]
    listed = index_locations(client, index_schema)
    pages = [loc for loc in listed if "sitemap-articles.xml" in loc]
    assert pages == [
        "http://testserver/sitemap-articles.xml",
        "http://testserver/sitemap-articles.xml?p=2",
        "http://testserver/sitemap-articles.xml?p=3",
    ]
    seen = []
    for page in pages:
        document = valid_xml(client.get(path_of(page)), sitemap_schema)
        page_locs = document.xpath("/sm:urlset/sm:url/sm:loc/text()", namespaces=NS)
        assert 1 <= len(page_locs) <= 2
        seen += page_locs
    assert seen == [f"http://testserver{article.get_absolute_url()}" for article in articles]
    assert client.get("/sitemap-articles.xml?p=4").status_code == 404
    assert client.get("/sitemap-articles.xml?p=abc").status_code == 404


def test_unknown_sitemap_is_404(client):
    assert client.get("/sitemap-nope.xml").status_code == 404


def test_every_listed_sitemap_is_valid_when_a_kind_has_no_public_entries(
    client, index_schema, sitemap_schema
):
    PublishedArticleFactory(tags=[])
    DraftArticleFactory(tags=["Secret"])
    urls = all_sitemap_urls(client, index_schema, sitemap_schema)
    assert len(urls) == 3  # the article, its section and its author


# The Google News sitemap


def test_news_sitemap_is_valid_and_lists_the_last_48_hours(client, news_schema):
    now = timezone.now()
    fresh = PublishedArticleFactory(
        slug="fresh-story",
        title="Rial & dollar: a “new” low",
        published_at=now - timedelta(hours=1),
    )
    PublishedArticleFactory(slug="day-old-story", published_at=now - timedelta(hours=47))
    PublishedArticleFactory(slug="old-story", published_at=now - timedelta(hours=49))
    DraftArticleFactory(slug="draft-story")
    ScheduledArticleFactory(slug="scheduled-story")
    UnpublishedArticleFactory(slug="unpublished-story", published_at=now - timedelta(hours=2))
    document = valid_xml(client.get("/news-sitemap.xml"), news_schema)
    urls = document.xpath("/sm:urlset/sm:url", namespaces=NS)
    assert [url.findtext("sm:loc", namespaces=NS) for url in urls] == [
        "http://testserver/fresh-story/",
        "http://testserver/day-old-story/",
    ]
    news = urls[0].find("news:news", namespaces=NS)
    assert news.findtext("news:publication/news:name", namespaces=NS) == "Iran Front Page"
    assert news.findtext("news:publication/news:language", namespaces=NS) == "en"
    assert news.findtext("news:title", namespaces=NS) == "Rial & dollar: a “new” low"
    published = datetime.fromisoformat(news.findtext("news:publication_date", namespaces=NS))
    assert published == fresh.published_at


def test_news_sitemap_schema_check_catches_a_missing_title(news_schema):
    document = etree.fromstring(
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        b"<url><loc>http://testserver/a/</loc><news:news><news:publication>"
        b"<news:name>IFP</news:name><news:language>en</news:language></news:publication>"
        b"<news:publication_date>2025-01-01</news:publication_date></news:news></url>"
        b"</urlset>"
    )
    assert not news_schema.validate(document)


# robots.txt


def test_robots_txt_points_at_both_sitemaps_and_keeps_crawlers_out_of_admin(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Sitemap: http://testserver/news-sitemap.xml" in lines


def test_published_standing_pages_have_their_own_sitemap(
    client, site, index_schema, sitemap_schema
):
    Page.objects.create(title="About us", slug="about", status=Page.Status.PUBLISHED)
    Page.objects.create(title="Draft policy", slug="policy", status=Page.Status.DRAFT)
    assert "http://testserver/sitemap-pages.xml" in index_locations(client, index_schema)
    pages = valid_xml(client.get("/sitemap-pages.xml"), sitemap_schema)
    loc = "/sm:urlset/sm:url/sm:loc/text()"
    assert pages.xpath(loc, namespaces=NS) == ["http://testserver/about/"]


def test_article_sitemap_reads_two_queries_however_many_articles(
    client, django_assert_num_queries
):
    """The count and the page: each article's address (which depends on its language)
    comes from the page's own read, never a query an article."""
    PublishedArticleFactory()
    with django_assert_num_queries(2):
        client.get("/sitemap-articles.xml")
    PublishedArticleFactory.create_batch(5)
    with django_assert_num_queries(2):
        response = client.get("/sitemap-articles.xml")
    assert response.content.count(b"<url>") == 6


# Addresses named by the thousand


def test_sitemaps_name_each_articles_and_tags_own_address_and_remember_none(client):
    """The news sitemap and the articles' and tags' sitemaps name every article and tag in
    both editions at the address its page answers, slugs of any script percent-encoded;
    and naming them leaves no address per article or tag in the process's remembered
    addresses (a sitemap page names thousands, which each worker kept)."""
    from articles import page_cache
    from core.urls import _reverse, forget_reversed

    sitemaps = ["/news-sitemap.xml", "/sitemap-articles.xml", "/sitemap-tags.xml"]
    sitemaps.append("/sitemap-tags-fa.xml")

    def listed():
        found = set()
        for sitemap in sitemaps:
            response = client.get(sitemap)
            assert response.status_code == 200, sitemap
            document = etree.fromstring(response.content)
            found |= {path_of(loc.text) for loc in document.iter(f"{{{NS['sm']}}}loc")}
        return found

    def publish(number):
        persian = PublishedArticleFactory(
            language="fa", slug=f"خبر-{number}", tags=[f"برچسب {number}"]
        )
        english = PublishedArticleFactory(slug=f"story-{number}", tags=[f"Tag {number}"])
        return [persian, english]

    first = publish(0)
    forget_reversed()  # a full memory would hold its size whatever is named
    listed()  # the sitemaps' own addresses, remembered once
    remembered = _reverse.cache_info().currsize
    articles = first + [article for number in range(1, 11) for article in publish(number)]
    page_cache.bump()  # a new content generation, as a publish through the newsroom makes
    news = client.get("/news-sitemap.xml").content.decode()
    found = listed()
    assert _reverse.cache_info().currsize == remembered
    for article in articles:
        assert article.get_absolute_url() in found
        assert client.get(article.get_absolute_url()).status_code == 200
        for tag in article.tags.all():
            address = editions.url(article.language, "tag", slug=tag.slug)
            assert address in found
            assert client.get(address).status_code == 200
    assert "/fa/%D8%AE%D8%A8%D8%B1-3/" in found
    for article in articles:  # the news sitemap lists each, at its address, in its language
        assert f"<loc>http://testserver{article.get_absolute_url()}</loc>" in news
        assert f"<news:language>{article.language}</news:language>" in news
