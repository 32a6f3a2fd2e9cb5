"""The Persian edition at /fa/: its own pages, feeds and widgets, right to left, in Solar
Hijri dates; English pages where they were."""

import io
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import feedparser
import lxml.html
import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.encoding import iri_to_uri

from articles.demo_persian import SEED_SLUG
from articles.models import Article, Page, Section
from tests.conftest import SITE_WIDGETS_COLD, SITE_WIDGETS_WARM
from tests.factories import AuthorFactory, PublishedArticleFactory

pytestmark = pytest.mark.django_db

TEHRAN = ZoneInfo("Asia/Tehran")


@pytest.fixture
def persian_section():
    return Section.objects.create(name="سیاست", slug="سیاست", language="fa")


def persian(section, **kwargs):
    kwargs.setdefault("title", "نشست گروه\u200cهای مقاومت در تهران")
    return PublishedArticleFactory(language="fa", section=section, **kwargs)


def root(response):
    assert response.status_code == 200, response.status_code
    return lxml.html.fromstring(response.content)


def json_ld(page):
    return [
        json.loads(script.text) for script in page.xpath("//script[@type='application/ld+json']")
    ]


def test_persian_home_lists_only_persian_articles_right_to_left(client, persian_section):
    fa = persian(persian_section)
    en = PublishedArticleFactory(title="Tehran talks")
    page = root(client.get("/fa/"))
    assert page.get("lang") == "fa" and page.get("dir") == "rtl"
    text = page.text_content()
    assert fa.title in text and en.title not in text
    english = root(client.get("/"))
    assert english.get("lang") == "en" and english.get("dir") == "ltr"
    assert en.title in english.text_content() and fa.title not in english.text_content()


def test_home_pages_link_each_other_with_hreflang(client):
    links = {
        link.get("hreflang"): link.get("href")
        for link in root(client.get("/fa/")).xpath("//link[@rel='alternate'][@hreflang]")
    }
    assert links == {
        "en": "http://testserver/",
        "fa": "http://testserver/fa/",
        "x-default": "http://testserver/",
    }
    english = root(client.get("/")).xpath("//link[@rel='alternate'][@hreflang]")
    assert {link.get("hreflang") for link in english} == {"en", "fa", "x-default"}


def test_persian_article_lives_under_fa_and_its_english_address_redirects(client, persian_section):
    article = persian(persian_section)
    assert article.get_absolute_url() == f"/fa/{article.slug}/"
    page = root(client.get(article.get_absolute_url()))
    assert page.get("lang") == "fa" and page.get("dir") == "rtl"
    (ld,) = json_ld(page)
    assert ld["@graph"][0]["inLanguage"] == "fa"
    response = client.get(f"/{article.slug}/")
    assert response.status_code == 301 and response["Location"] == article.get_absolute_url()
    english = PublishedArticleFactory()
    response = client.get(f"/fa/{english.slug}/")
    assert response.status_code == 301 and response["Location"] == f"/{english.slug}/"


def test_translations_link_each_other_with_hreflang(client, persian_section):
    english = PublishedArticleFactory(title="Resistance groups meet in Tehran")
    translation = persian(persian_section, translation_of=english)

    def alternates(article):
        page = root(client.get(article.get_absolute_url()))
        return {
            link.get("hreflang"): link.get("href")
            for link in page.xpath("//link[@rel='alternate'][@hreflang]")
        }

    both = {
        "en": f"http://testserver/{english.slug}/",
        "fa": f"http://testserver/fa/{translation.slug}/",
    }
    assert alternates(english) == both
    assert alternates(translation) == both
    # A translation readers cannot see yet is not linked.
    Article.objects.filter(pk=translation.pk).update(status=Article.Status.DRAFT)
    assert alternates(english) == {}


def test_persian_article_page_costs_what_the_english_one_does(
    client, persian_section, django_assert_num_queries
):
    """Its translation's address is read with the article, not in a query of its own (both
    pages run 4 queries: the article, bylines, tags, related stories)."""
    english = PublishedArticleFactory()
    translation = persian(persian_section, translation_of=english)
    with django_assert_num_queries(4 + SITE_WIDGETS_COLD):
        assert client.get(translation.get_absolute_url()).status_code == 200
    with django_assert_num_queries(4 + SITE_WIDGETS_WARM):
        assert client.get(translation.get_absolute_url()).status_code == 200
    client.get(english.get_absolute_url())  # the English edition's widgets, once
    with django_assert_num_queries(4 + SITE_WIDGETS_WARM):
        assert client.get(english.get_absolute_url()).status_code == 200


def test_persian_dates_are_solar_hijri_with_persian_digits(client, persian_section):
    published = datetime(2026, 11, 29, 9, 30, tzinfo=TEHRAN)
    article = persian(persian_section, published_at=published)
    page = root(client.get(article.get_absolute_url()))
    (date,) = page.xpath("//a[@class='article__date']/time")
    assert date.text == "۸ آذر ۱۴۰۵، ۰۹:۳۰"
    # The machine-readable value stays ISO 8601, and the month link Gregorian.
    assert date.get("datetime") == "2026-11-29T09:30:00+03:30"
    assert date.getparent().get("href") == "/fa/2026/11/"


def test_persian_ages_are_in_persian(client, persian_section):
    persian(persian_section, published_at=timezone.now() - timedelta(hours=2, minutes=5))
    page = root(client.get("/fa/"))
    ages = [time.text for time in page.xpath("//time[@data-age]")]
    assert "۲ ساعت پیش" in ages
    english = PublishedArticleFactory(published_at=timezone.now() - timedelta(hours=2))
    page = root(client.get(english.get_absolute_url()))
    assert not any("پیش" in (time.text or "") for time in page.xpath("//time[@data-age]"))


def test_persian_section_tag_month_and_search_pages(client, persian_section):
    article = persian(persian_section, published_at=datetime(2026, 11, 29, 9, tzinfo=TEHRAN))
    article.tags.add("ایران")
    PublishedArticleFactory(title="English story", tags=["ایران"])
    for path in [
        persian_section.get_absolute_url(),
        f"/fa/tag/{article.tags.get().slug}/",
        "/fa/2026/11/",
        "/fa/search/?q=تهران",
    ]:
        page = root(client.get(path))
        assert page.get("dir") == "rtl", path
        text = page.text_content()
        assert article.title in text and "English story" not in text, path
    # An English section has no Persian page, and the other way round.
    english = Section.objects.create(name="Politics")
    assert client.get(f"/fa/category/{english.slug}/").status_code == 404
    assert client.get(f"/category/{persian_section.slug}/").status_code == 404


def test_widgets_of_each_edition_show_its_own_articles(client, persian_section):
    fa = persian(persian_section)
    en = PublishedArticleFactory(title="Tehran talks")
    page = root(client.get("/fa/corrections/"))
    nav = page.xpath("//nav[@class='section-nav']")[0].text_content()
    assert "سیاست" in nav
    recent = " ".join(page.xpath("//*[contains(@class, 'recent')]//text()"))
    assert fa.title in recent and en.title not in recent
    page = root(client.get("/corrections/"))
    assert "سیاست" not in page.xpath("//nav[@aria-label='Sections']")[0].text_content()


def test_persian_feeds_carry_only_persian_articles(client, persian_section):
    fa = persian(persian_section)
    PublishedArticleFactory(title="English story")
    for path in ["/fa/feed/", "/fa/feed/atom/", f"/fa/category/{persian_section.slug}/feed/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        feed = feedparser.parse(response.content)
        assert not feed.bozo, path
        assert [entry.title for entry in feed.entries] == [fa.title], path
        assert feed.entries[0].link == f"http://testserver/fa/{fa.slug}/"
    assert feedparser.parse(client.get("/fa/feed/").content).feed.language == "fa"
    english = feedparser.parse(client.get("/feed/").content)
    assert [entry.title for entry in english.entries] == ["English story"]


def test_news_sitemap_names_each_article_language(client, persian_section):
    fa = persian(persian_section)
    en = PublishedArticleFactory()
    response = client.get("/news-sitemap.xml")
    tree = lxml.etree.fromstring(response.content)
    ns = {
        "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
        "n": "http://www.google.com/schemas/sitemap-news/0.9",
    }
    languages = {
        url.findtext("s:loc", namespaces=ns): url.findtext(".//n:language", namespaces=ns)
        for url in tree.findall("s:url", ns)
    }
    assert languages == {
        f"http://testserver/fa/{fa.slug}/": "fa",
        f"http://testserver/{en.slug}/": "en",
    }


def test_persian_standing_page_lives_under_fa(client):
    Page.objects.create(
        title="درباره ما", slug="درباره-ما", language="fa", status=Page.Status.PUBLISHED
    )
    assert root(client.get("/fa/درباره-ما/")).get("dir") == "rtl"
    assert client.get("/درباره-ما/").status_code == 404


def test_fa_is_not_an_article_address(client, editor):
    client.force_login(editor)
    section = Section.objects.create(name="News")
    author = AuthorFactory()
    response = client.post(
        "/admin/articles/article/add/",
        {
            "language": "en",
            "title": "Fa",
            "slug": "fa",
            "section": section.pk,
            "bylines-TOTAL_FORMS": "1",
            "bylines-INITIAL_FORMS": "0",
            "bylines-0-author": author.pk,
            "bylines-0-position": "0",
            "corrections-TOTAL_FORMS": "0",
            "corrections-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "reserved address" in response.content.decode()


def test_admin_form_has_the_language_and_switches_text_direction(client, editor):
    client.force_login(editor)
    response = client.get("/admin/articles/article/add/")
    page = root(response)
    options = [option.get("value") for option in page.xpath("//select[@id='id_language']/option")]
    assert options == ["en", "fa"]
    scripts = [script.get("src") for script in page.xpath("//script[@src]")]
    assert any(src.endswith("admin-newsroom/text-direction.js") for src in scripts)


def test_seed_demo_shows_the_persian_edition(client):
    call_command("seed_demo", stdout=io.StringIO())
    page = root(client.get("/fa/"))
    assert page.get("dir") == "rtl"
    cards = page.xpath("//main//h2/a/text() | //main//h3/a/text()")
    assert len([title for title in cards if "تهران" in title]) >= 2
    seed = Article.objects.get(slug=SEED_SLUG)
    links = root(client.get(seed.get_absolute_url())).xpath("//link[@hreflang='fa']")
    (translation,) = seed.translations.all()
    assert [link.get("href") for link in links] == [
        f"http://testserver{translation.get_absolute_url()}"
    ]
    # The demo's search finds a word typed with Arabic letters and no non-joiner.
    assert "صادرات پسته کرمان رکورد زد" in client.get("/fa/search/?q=گروههاي").content.decode()


def test_masthead_links_the_other_edition(client):
    (link,) = root(client.get("/")).xpath("//a[@class='masthead__edition']")
    assert (link.get("href"), link.get("hreflang"), link.text) == ("/fa/", "fa", "فارسی")
    (link,) = root(client.get("/fa/")).xpath("//a[@class='masthead__edition']")
    assert (link.get("href"), link.get("hreflang"), link.text) == ("/", "en", "English")


def test_with_english_only_there_is_no_persian_edition(client, settings):
    settings.SITE_LANGUAGES = ["en"]
    assert root(client.get("/")).xpath("//a[@class='masthead__edition']") == []
    assert root(client.get("/")).xpath("//link[@hreflang]") == []


def test_english_author_box_on_a_persian_page_keeps_its_own_direction(client, persian_section):
    desk = AuthorFactory(name="IFP Editorial Staff", bio="An English bio.")
    article = persian(persian_section, authors=[desk])
    page = root(client.get(article.get_absolute_url()))
    (bio,) = page.xpath("//div[contains(@class, 'author-box__bio')]")
    assert bio.get("dir") == "auto"
    (name,) = page.xpath("//span[@class='byline']/a")
    assert name.get("dir") == "auto"


def test_sitemaps_list_each_edition_at_its_own_addresses(client, persian_section, tmp_path):
    from tests.articles.test_sitemaps import NS, combined_schema, valid_xml

    schema = combined_schema(tmp_path, "image")
    fa = persian(persian_section, tags=["تهران"])
    en = PublishedArticleFactory(tags=["Tehran"])
    index = client.get("/sitemap.xml").content.decode()
    assert "/sitemap-tags-fa.xml" in index

    def locations(path):
        document = valid_xml(client.get(path), schema)
        return {loc.text for loc in document.findall("sm:url/sm:loc", NS)}

    articles = locations("/sitemap-articles.xml")
    assert f"http://testserver/fa/{fa.slug}/" in articles
    assert f"http://testserver/{en.slug}/" in articles
    assert iri_to_uri(f"http://testserver/fa/category/{persian_section.slug}/") in locations(
        "/sitemap-sections.xml"
    )
    # A tag page exists in the edition whose articles carry the tag, and only there.
    assert locations("/sitemap-tags.xml") == {"http://testserver/tag/tehran/"}
    assert locations("/sitemap-tags-fa.xml") == {iri_to_uri("http://testserver/fa/tag/تهران/")}


def test_persian_month_archive_names_its_gregorian_month_in_persian(client, persian_section):
    persian(persian_section, published_at=datetime(2026, 11, 29, 9, tzinfo=TEHRAN))
    page = root(client.get("/fa/2026/11/"))
    (title,) = page.xpath("//h1")
    assert title.text == "نوامبر ۲۰۲۶"


def test_editor_files_a_persian_article_through_the_admin(client, editor):
    client.force_login(editor)
    section = Section.objects.create(name="سیاست", language="fa")
    author = AuthorFactory()
    response = client.post(
        "/admin/articles/article/add/",
        {
            "language": "fa",
            "title": "نشست گروه\u200cهای مقاومت",
            "slug": "نشست-گروه-های-مقاومت",
            "section": section.pk,
            "bylines-TOTAL_FORMS": "1",
            "bylines-INITIAL_FORMS": "0",
            "bylines-0-author": author.pk,
            "bylines-0-position": "0",
            "corrections-TOTAL_FORMS": "0",
            "corrections-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get()
    assert article.language == "fa"
    assert article.get_absolute_url() == iri_to_uri("/fa/نشست-گروه-های-مقاومت/")
    assert article.search_title == "نشست گروههای مقاومت"


def test_persian_author_page_and_feed_list_the_authors_persian_articles(client, persian_section):
    author = AuthorFactory(name="Sara Ahmadi", slug="sara-ahmadi")
    fa = persian(persian_section, authors=[author])
    en = PublishedArticleFactory(title="English story", authors=[author])
    page = root(client.get("/fa/author/sara-ahmadi/"))
    assert page.get("dir") == "rtl"
    assert fa.title in page.text_content() and en.title not in page.text_content()
    english = root(client.get("/author/sara-ahmadi/")).text_content()
    assert en.title in english and fa.title not in english
    feed = feedparser.parse(client.get("/fa/author/sara-ahmadi/feed/").content)
    assert [entry.title for entry in feed.entries] == [fa.title]
    # The Persian article's byline and author box lead to the Persian author page, and
    # the section page's feed links to the Persian section feed.
    article = root(client.get(fa.get_absolute_url()))
    hrefs = {a.get("href") for a in article.xpath("//a[@rel='author']")}
    assert hrefs == {"/fa/author/sara-ahmadi/"}
    (ld,) = json_ld(article)
    assert ld["@graph"][0]["author"][0]["url"] == "http://testserver/fa/author/sara-ahmadi/"
    section = root(client.get(persian_section.get_absolute_url()))
    feeds = section.xpath("//link[@type='application/rss+xml']/@href")
    assert feeds == ["/fa/feed/", iri_to_uri(f"/fa/category/{persian_section.slug}/feed/")]
