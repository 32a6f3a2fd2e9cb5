"""RSS 2.0 and Atom feeds: the site, each section, tag and author.

Checked the way a feed reader sees them (feedparser) and against what the specs require
(RSS 2.0, RFC 4287), read from the raw XML with lxml."""

import email.utils
import re
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from lxml import etree

from core.urls import absolute_html
from tests.admin_forms import save_in_admin
from tests.factories import (
    HIDDEN_FACTORIES,
    AuthorFactory,
    DraftArticleFactory,
    ImageFactory,
    PublishedArticleFactory,
    ReviewArticleFactory,
    ScheduledArticleFactory,
    SectionFactory,
    UnpublishedArticleFactory,
)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
RFC_822_DATE = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} "
    r"([+-]\d{4}|GMT|UT)$"
)

# (RSS path, Atom path) of the site, section, tag and author feeds of ``story`` below.
FEED_KINDS = ["site", "section", "tag", "author"]


def feed_paths(kind):
    return {
        "site": ("/feed/", "/feed/atom/"),
        "section": ("/category/economy/feed/", "/category/economy/feed/atom/"),
        "tag": ("/tag/pistachio-trade/feed/", "/tag/pistachio-trade/feed/atom/"),
        "author": ("/author/maryam-rahimi/feed/", "/author/maryam-rahimi/feed/atom/"),
    }[kind]


@pytest.fixture
def story():
    """A published article in section "Economy", tagged, by two authors, with a corrected
    update time, a featured PNG and a body that needed sanitizing."""
    economy = SectionFactory(name="Economy", slug="economy")
    maryam = AuthorFactory(name="Maryam Rahimi", slug="maryam-rahimi")
    reza = AuthorFactory(name="Reza Karimi", slug="reza-karimi")
    published = timezone.now() - timedelta(hours=3)
    article = PublishedArticleFactory(
        title="Pistachio exports climb",
        slug="pistachio-exports-climb",
        standfirst="Growers in Kerman ship more than ever.",
        body='<p>Exports <strong>rose</strong>.</p><script>alert("x")</script>'
        '<p onclick="evil()">Second paragraph.</p>',
        section=economy,
        authors=[maryam, reza],
        tags=["Pistachio Trade", "Kerman"],
        published_at=published,
        image=ImageFactory(alt="Pistachio orchard", width=40, height=20, fmt="PNG"),
    )
    article.content_updated_at = published + timedelta(hours=1)
    article.save()
    article.refresh_from_db()
    return article


def parse(response):
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def entry_for(parsed, article):
    url = f"http://testserver{article.get_absolute_url()}"
    matches = [entry for entry in parsed.entries if entry.link == url]
    assert len(matches) == 1, [entry.link for entry in parsed.entries]
    return matches[0]


def as_utc(struct):
    return datetime(*struct[:6], tzinfo=UTC)


# What a feed reader sees


@pytest.mark.parametrize("kind", FEED_KINDS)
def test_rss_feed_entry_carries_every_part_of_the_article(client, story, kind):
    parsed = parse(client.get(feed_paths(kind)[0]))
    assert parsed.version == "rss20"
    entry = entry_for(parsed, story)
    assert entry.title == "Pistachio exports climb"
    assert entry.link == "http://testserver/pistachio-exports-climb/"
    assert entry.id == "http://testserver/pistachio-exports-climb/"
    assert entry.summary == "Growers in Kerman ship more than ever."
    assert entry.content[0].value == story.body
    assert "<strong>rose</strong>" in story.body
    assert "script" not in entry.content[0].value and "onclick" not in entry.content[0].value
    assert entry.author == "Maryam Rahimi, Reza Karimi"
    assert {tag.term for tag in entry.tags} == {"Economy", "Pistachio Trade", "Kerman"}
    assert as_utc(entry.published_parsed) == story.published_at.replace(microsecond=0)
    (enclosure,) = entry.enclosures
    assert enclosure.href == f"http://testserver{story.image.url}"
    assert enclosure.href.endswith(".png")
    assert enclosure.type == "image/png"
    stored = default_storage.size(story.image.file.name)
    assert int(enclosure.length) == stored == story.image.file_size


@pytest.mark.parametrize("kind", FEED_KINDS)
def test_atom_feed_entry_carries_every_part_of_the_article(client, story, kind):
    parsed = parse(client.get(feed_paths(kind)[1]))
    assert parsed.version == "atom10"
    entry = entry_for(parsed, story)
    assert entry.title == "Pistachio exports climb"
    assert entry.id == "http://testserver/pistachio-exports-climb/"
    assert entry.summary == "Growers in Kerman ship more than ever."
    assert entry.content[0].type == "text/html"
    assert entry.content[0].value == story.body
    assert entry.author == "Maryam Rahimi, Reza Karimi"
    assert {tag.term for tag in entry.tags} == {"Economy", "Pistachio Trade", "Kerman"}
    assert as_utc(entry.published_parsed) == story.published_at.replace(microsecond=0)
    assert as_utc(entry.updated_parsed) == story.content_updated_at.replace(microsecond=0)
    (enclosure,) = entry.enclosures
    assert enclosure.href == f"http://testserver{story.image.url}"
    assert enclosure.type == "image/png"
    assert int(enclosure.length) == story.image.file_size


def test_atom_entry_of_a_single_author_links_the_author_page(client):
    author = AuthorFactory(name="Sara Ahmadi", slug="sara-ahmadi")
    PublishedArticleFactory(authors=[author])
    entry = parse(client.get("/feed/atom/")).entries[0]
    assert entry.author_detail.name == "Sara Ahmadi"
    assert entry.author_detail.href == "http://testserver/author/sara-ahmadi/"


def test_article_without_image_has_no_enclosure(client):
    PublishedArticleFactory()
    for path in ("/feed/", "/feed/atom/"):
        (entry,) = parse(client.get(path)).entries
        assert entry.enclosures == []


def test_atom_entry_updated_is_the_publication_time_when_never_corrected(client):
    article = PublishedArticleFactory(published_at=timezone.now() - timedelta(days=2))
    (entry,) = parse(client.get("/feed/atom/")).entries
    assert as_utc(entry.updated_parsed) == article.published_at.replace(microsecond=0)


@pytest.mark.parametrize(
    ("kind", "title", "link"),
    [
        ("site", "Iran Front Page", "http://testserver/"),
        ("section", "Economy | Iran Front Page", "http://testserver/category/economy/"),
        ("tag", "Pistachio Trade | Iran Front Page", "http://testserver/tag/pistachio-trade/"),
        ("author", "Maryam Rahimi | Iran Front Page", "http://testserver/author/maryam-rahimi/"),
    ],
)
def test_feed_title_and_link_name_the_list(client, story, kind, title, link):
    for path in feed_paths(kind):
        parsed = parse(client.get(path))
        assert parsed.feed.title == title
        assert parsed.feed.link == link


def test_feeds_are_newest_first(client):
    now = timezone.now()
    old = PublishedArticleFactory(published_at=now - timedelta(days=3))
    new = PublishedArticleFactory(published_at=now - timedelta(minutes=5))
    middle = PublishedArticleFactory(published_at=now - timedelta(days=1))
    for path in ("/feed/", "/feed/atom/"):
        titles = [entry.title for entry in parse(client.get(path)).entries]
        assert titles == [new.title, middle.title, old.title]


# What the specs require, read from the raw XML


@pytest.mark.parametrize("kind", FEED_KINDS)
def test_rss_has_the_elements_rss_2_requires_with_rfc_822_dates(client, story, kind):
    response = client.get(feed_paths(kind)[0])
    assert response["Content-Type"].startswith("application/rss+xml")
    root = etree.fromstring(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    (channel,) = root.findall("channel")
    for required in ("title", "link", "description"):
        assert (channel.findtext(required) or "").strip(), required
    assert channel.findtext("link").startswith("http://testserver/")
    (item,) = channel.findall("item")
    assert item.findtext("title") == story.title
    assert item.findtext("link") == "http://testserver/pistachio-exports-climb/"
    assert item.find("guid").get("isPermaLink") == "true"
    assert item.findtext(CONTENT_ENCODED) == story.body
    pub_date = item.findtext("pubDate")
    assert RFC_822_DATE.match(pub_date), pub_date
    assert email.utils.parsedate_to_datetime(pub_date) == story.published_at.replace(microsecond=0)
    enclosure = item.find("enclosure")
    assert set(enclosure.attrib) == {"url", "length", "type"}


@pytest.mark.parametrize("kind", FEED_KINDS)
def test_atom_has_the_elements_rfc_4287_requires(client, story, kind):
    response = client.get(feed_paths(kind)[1])
    assert response["Content-Type"].startswith("application/atom+xml")
    root = etree.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert (root.findtext(f"{ATOM}{required}") or "").strip(), required
    assert root.findtext(f"{ATOM}author/{ATOM}name") == "Iran Front Page"
    self_link = root.find(f"{ATOM}link[@rel='self']")
    assert self_link.get("href") == f"http://testserver{feed_paths(kind)[1]}"
    assert datetime.fromisoformat(root.findtext(f"{ATOM}updated")) == story.content_updated_at
    (entry,) = root.findall(f"{ATOM}entry")
    for required in ("id", "title", "updated"):
        assert (entry.findtext(f"{ATOM}{required}") or "").strip(), required
    # RFC 3339 date-times, with an explicit offset.
    for name in ("published", "updated"):
        value = entry.findtext(f"{ATOM}{name}")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value), (
            value
        )
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert content.text == story.body
    enclosure = entry.find(f"{ATOM}link[@rel='enclosure']")
    assert enclosure.get("type") == "image/png"
    assert int(enclosure.get("length")) == story.image.file_size


# Only published articles


@pytest.mark.parametrize(
    "factory",
    [
        DraftArticleFactory,
        ReviewArticleFactory,
        ScheduledArticleFactory,
        UnpublishedArticleFactory,
    ],
)
@pytest.mark.parametrize("kind", FEED_KINDS)
def test_only_published_articles_appear_in_feeds(client, story, factory, kind):
    hidden = factory(
        title="Hidden pistachio story",
        section=story.section,
        authors=[story.bylines.first().author],
        tags=["Pistachio Trade"],
    )
    for path in feed_paths(kind):
        response = client.get(path)
        parsed = parse(response)
        assert [entry.title for entry in parsed.entries] == [story.title]
        assert hidden.slug.encode() not in response.content
        assert b"Hidden pistachio story" not in response.content


def test_section_tag_and_author_feeds_list_only_their_articles(client, story):
    other = PublishedArticleFactory(title="Football results", tags=["Sport"])
    for kind in ("section", "tag", "author"):
        for path in feed_paths(kind):
            titles = [entry.title for entry in parse(client.get(path)).entries]
            assert titles == [story.title], path
    site_titles = {entry.title for entry in parse(client.get("/feed/")).entries}
    assert site_titles == {story.title, other.title}


def test_feeds_show_at_most_twenty_articles(client):
    PublishedArticleFactory.create_batch(21)
    for path in ("/feed/", "/feed/atom/"):
        assert len(parse(client.get(path)).entries) == 20


@pytest.mark.parametrize(
    "path",
    [
        "/category/nope/feed/",
        "/category/nope/feed/atom/",
        "/tag/nope/feed/",
        "/tag/nope/feed/atom/",
        "/author/nope/feed/",
        "/author/nope/feed/atom/",
    ],
)
def test_unknown_section_tag_or_author_feed_is_404(client, path):
    SectionFactory(slug="economy")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path", ["/category/a%00b/feed/", "/tag/a%00b/feed/atom/", "/author/a%00b/feed/"]
)
def test_feed_slug_with_a_nul_character_is_404(client, path):
    assert client.get(path).status_code == 404


def test_the_empty_site_feeds_still_parse(client):
    for path in ("/feed/", "/feed/atom/"):
        assert parse(client.get(path)).entries == []


@pytest.mark.parametrize("factory", HIDDEN_FACTORIES)
def test_a_list_with_nothing_published_has_no_feed(client, factory):
    """Like the tag's page: a tag only on drafts must not show its name in a feed title,
    and a section or author waiting for an embargoed story has no feed yet."""
    section = SectionFactory(slug="economy")
    author = AuthorFactory(slug="reza")
    factory(section=section, authors=[author], tags=["Embargoed talks"])
    for path in (
        "/category/economy/feed/",
        "/category/economy/feed/atom/",
        "/tag/embargoed-talks/feed/",
        "/tag/embargoed-talks/feed/atom/",
        "/author/reza/feed/",
        "/author/reza/feed/atom/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"Embargoed" not in response.content


def test_every_url_inside_item_content_is_absolute(client):
    """Relative addresses in the body (a link to another story, a library picture's
    /media/ address, a srcset) are resolved against the site, in RSS and in Atom."""
    article = PublishedArticleFactory(
        slug="story",
        body='<p><a href="/other-story/">other</a> <a href="#notes">notes</a> '
        '<a href="https://example.org/x">out</a></p>'
        '<figure><img src="/media/images/a.jpg" alt="A"><figcaption>A</figcaption></figure>',
    )
    for path in ("/feed/", "/feed/atom/", f"/author/{article.bylines.get().author.slug}/feed/"):
        content = parse(client.get(path)).entries[0].content[0].value
        fragment = etree.fromstring(f"<div>{content}</div>")
        urls = [*fragment.xpath("//@href"), *fragment.xpath("//@src")]
        assert sorted(urls) == [
            "http://testserver/media/images/a.jpg",
            "http://testserver/other-story/",
            "http://testserver/story/#notes",
            "https://example.org/x",
        ], path


def test_srcset_candidates_are_each_made_absolute():
    fragment = '<img srcset="/a-400.jpg 400w, b-800.jpg 800w,https://cdn/c.jpg 2x" src="a.jpg">'
    assert absolute_html(fragment, "https://ifp.example/story/") == (
        '<img srcset="https://ifp.example/a-400.jpg 400w, https://ifp.example/story/b-800.jpg'
        ' 800w, https://cdn/c.jpg 2x" src="https://ifp.example/story/a.jpg">'
    )


@pytest.mark.parametrize("count", [2, 15])
def test_feed_query_count_does_not_grow_with_items(client, django_assert_num_queries, count):
    """Articles with sections, their bylines and their tags: 3 queries, never one per item
    (an n+1 here would run on every feed reader's poll); one more, for the bodies of every
    item whose written XML is not kept yet (articles.feeds.write_kept_items)."""
    for _ in range(count):
        PublishedArticleFactory(authors=[AuthorFactory(), AuthorFactory()], tags=["a", "b"])
    with django_assert_num_queries(4):
        response = client.get("/feed/")
    assert len(parse(response).entries) == count
    with django_assert_num_queries(3):
        assert client.get("/feed/").content == response.content


@pytest.mark.parametrize("kind", ["section", "tag", "author"])
def test_a_lists_feed_costs_no_query_more_than_the_sites(
    client, django_assert_num_queries, story, kind
):
    """The list (its section, tag or author) is one query; its articles, their bylines and
    their tags three more, which also tell whether it has a feed at all (no separate
    check that something is published), and never one per item."""
    for _ in range(3):
        PublishedArticleFactory(
            section=story.section, authors=story.byline_authors, tags=["Pistachio Trade"]
        )
    rss, atom = feed_paths(kind)
    client.get(rss)
    with django_assert_num_queries(4):
        assert len(parse(client.get(rss)).entries) == 4
    client.get(atom)
    with django_assert_num_queries(4):
        assert len(parse(client.get(atom)).entries) == 4


# Each item is kept written in the shared cache (articles.feeds.write_kept_items)


def test_an_edited_body_shows_in_the_feed_at_once(client, editor_client):
    article = PublishedArticleFactory(body='<p>First words. <a href="/other/">More</a></p>')
    (entry,) = parse(client.get("/feed/")).entries
    assert "First words." in entry.content[0].value
    save_in_admin(editor_client, article, body='<p>Second words. <a href="/more/">More</a></p>')
    (entry,) = parse(client.get("/feed/")).entries
    assert "Second words." in entry.content[0].value
    assert 'href="http://testserver/more/"' in entry.content[0].value


def test_a_new_address_makes_the_bodys_links_relative_to_it(client, editor_client):
    article = PublishedArticleFactory(body='<p><a href="next-part/">Next</a></p>')
    parse(client.get("/feed/"))
    save_in_admin(editor_client, article, slug="moved-story")
    (entry,) = parse(client.get("/feed/")).entries
    assert 'href="http://testserver/moved-story/next-part/"' in entry.content[0].value


def test_the_feed_is_whole_without_the_shared_cache(client, shared_cache_down):
    PublishedArticleFactory(body="<p>Still here.</p>", tags=["b", "a"])
    (entry,) = parse(client.get("/feed/")).entries
    assert "Still here." in entry.content[0].value


def test_an_items_categories_are_its_section_then_its_tags_by_name(client):
    PublishedArticleFactory(section=SectionFactory(name="World"), tags=["Zahedan", "Ahvaz"])
    (entry,) = parse(client.get("/feed/")).entries
    assert [tag.term for tag in entry.tags] == ["World", "Ahvaz", "Zahedan"]


@pytest.fixture
def written(monkeypatch):
    """The feed items written from the article (not read from the shared cache) from now
    on: their links."""
    from articles import feeds

    made = []
    real = feeds._item_xml

    def counting(feed, item, element):
        made.append(item["link"])
        return real(feed, item, element)

    monkeypatch.setattr(feeds, "_item_xml", counting)
    return made


@pytest.mark.parametrize("path", ["/feed/", "/feed/atom/"])
def test_an_item_is_written_once_and_a_publish_writes_only_the_new_one(client, written, path):
    first = PublishedArticleFactory(published_at=timezone.now() - timedelta(hours=2))
    client.get(path)
    assert len(written) == 1
    written.clear()
    client.get(path)
    assert written == []
    second = PublishedArticleFactory(published_at=timezone.now() - timedelta(hours=1))
    entries = parse(client.get(path)).entries
    assert written == [f"http://testserver{second.get_absolute_url()}"]
    assert [entry.title for entry in entries] == [second.title, first.title]


def test_a_body_changed_behind_the_sites_back_shows_in_the_feed_at_once(client):
    """No signal, no save: the database's digest of the body is the item's key."""
    article = PublishedArticleFactory(body="<p>Before.</p>")
    assert "Before." in parse(client.get("/feed/")).entries[0].content[0].value
    type(article).objects.filter(pk=article.pk).update(body="<p>After.</p>")
    assert "After." in parse(client.get("/feed/")).entries[0].content[0].value


def test_a_renamed_author_tag_and_section_show_in_the_item_at_once(client):
    author = AuthorFactory(name="Sara Ahmadi")
    section = SectionFactory(name="Economy")
    PublishedArticleFactory(authors=[author], section=section, tags=["Rial"])
    (entry,) = parse(client.get("/feed/")).entries
    assert entry.author == "Sara Ahmadi"
    type(author).objects.filter(pk=author.pk).update(name="Sara Ahmadi-Karimi")
    type(section).objects.filter(pk=section.pk).update(name="Money")
    from taggit.models import Tag

    Tag.objects.filter(name="Rial").update(name="Currency")
    (entry,) = parse(client.get("/feed/")).entries
    assert entry.author == "Sara Ahmadi-Karimi"
    assert [tag.term for tag in entry.tags] == ["Money", "Currency"]
