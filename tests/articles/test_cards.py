"""The list pages' article cards are kept rendered in the shared cache (articles/cards.py),
with the whole-page cache off: whatever a card shows must change on the page as soon as it
changes, a publish must render only the new card, and the pages must render without the
shared cache."""

from datetime import timedelta

import lxml.html
import pytest
from django.utils import timezone

from articles import cards
from staff.models import Author
from tests.admin_forms import save_in_admin
from tests.factories import AuthorFactory, ImageFactory, PublishedArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db

SECTION = "/category/politics/"


def card_of(client, path, article):
    """The text of ``article``'s card on the page at ``path`` (its headline links to it)."""
    tree = lxml.html.fromstring(client.get(path).content)
    found = [
        card
        for card in tree.xpath("//article[contains(@class, 'card')]")
        if card.xpath(f".//a[@href='{article.get_absolute_url()}']")
    ]
    assert len(found) == 1, f"{article.title!r} has {len(found)} cards on {path}"
    return lxml.html.tostring(found[0], encoding="unicode")


@pytest.fixture
def section():
    return SectionFactory(name="Politics", slug="politics")


@pytest.fixture
def story(section, client):
    """A story whose card a reader has seen: it is in the shared cache now."""
    article = PublishedArticleFactory(
        section=section,
        title="Rial falls",
        # To the minute, as the admin's form posts it back: an unchanged save keeps it.
        published_at=timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1),
        kicker="Markets",
        standfirst="The currency fell again.",
        authors=[AuthorFactory(name="Sara Ahmadi", slug="sara-ahmadi")],
    )
    assert "Rial falls" in card_of(client, SECTION, article)
    return article


@pytest.fixture
def rendered(monkeypatch):
    """The cards rendered from the template (not read from the shared cache) from now on."""
    made = []
    real = cards._macros

    class Counting:
        def __init__(self, module):
            self.module = module

        def article_card(self, article, **kwargs):
            made.append(article.pk)
            return self.module.article_card(article, **kwargs)

        def __getattr__(self, name):
            return getattr(self.module, name)

    monkeypatch.setattr(cards, "_macros", lambda: Counting(real()))
    return made


@pytest.mark.parametrize(
    "changes, shown",
    [
        ({"title": "Rial falls to a new low"}, "Rial falls to a new low"),
        ({"kicker": "Currency"}, '<p class="kicker">Currency</p>'),
        ({"standfirst": "A record low."}, "A record low."),
    ],
)
def test_an_edit_in_the_admin_shows_on_the_card(client, editor_client, story, changes, shown):
    save_in_admin(editor_client, story, **changes)
    story.refresh_from_db()
    assert shown in card_of(client, SECTION, story)


def test_a_new_address_shows_on_the_card(client, editor_client, story):
    save_in_admin(editor_client, story, slug="rial-falls-again")
    story.refresh_from_db()
    assert 'href="/rial-falls-again/"' in card_of(client, SECTION, story)


def test_a_renamed_author_shows_on_the_card(client, story):
    author = story.byline_authors[0]
    author.name = "Sara Ahmadi-Karimi"
    author.save()
    assert "Sara Ahmadi-Karimi</a>" in card_of(client, SECTION, story)


def test_an_author_added_to_the_byline_shows_on_the_card(client, editor_client, story):
    second = AuthorFactory(name="Reza Karimi")
    data = {
        "bylines-TOTAL_FORMS": "2",
        "bylines-1-author": str(second.pk),
        "bylines-1-position": "1",
    }
    save_in_admin(editor_client, story, **data)
    assert "Reza Karimi</a>" in card_of(client, SECTION, story)


def test_a_picture_and_its_renditions_show_on_the_card(client, story):
    picture = ImageFactory()
    story.image = picture
    story.save()
    assert picture.renditions["formats"], "the factory makes renditions"
    before = card_of(client, SECTION, story)
    assert "<picture>" in before
    # The renditions made again in other formats (a new rendition state): new sources.
    picture.renditions = {**picture.renditions, "formats": ["jpeg"]}
    picture.save()
    after = card_of(client, SECTION, story)
    assert "<source" in before and "<source" not in after


def test_the_card_age_is_live_not_kept(client, story, rendered, monkeypatch):
    """The card read back from the shared cache after the clock moved: its age moved."""
    now = timezone.now()
    story.__class__.objects.filter(pk=story.pk).update(published_at=now - timedelta(hours=1))
    story.refresh_from_db()
    assert "data-age>1 hour ago</time>" in card_of(client, SECTION, story)
    rendered.clear()
    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(hours=3))
    assert "data-age>4 hours ago</time>" in card_of(client, SECTION, story)
    assert rendered == []


def test_a_card_is_rendered_once_and_a_publish_renders_only_the_new_one(
    client, section, story, rendered, django_capture_on_commit_callbacks
):
    # Published as on the site: the content generation moves when each commits.
    with django_capture_on_commit_callbacks(execute=True):
        others = [PublishedArticleFactory(section=section) for _ in range(3)]
    client.get(SECTION)
    assert sorted(rendered) == sorted(article.pk for article in others)
    rendered.clear()
    client.get(SECTION)
    assert rendered == []
    with django_capture_on_commit_callbacks(execute=True):
        new = PublishedArticleFactory(section=section, published_at=timezone.now())
    html = client.get(SECTION).content.decode()
    assert rendered == [new.pk]
    assert new.title in html and story.title in html


def test_the_home_page_cards_are_kept_too(client, section, rendered):
    articles = [
        PublishedArticleFactory(section=section, published_at=timezone.now() - timedelta(hours=n))
        for n in range(3)
    ]
    client.get("/")
    assert rendered, "the home page's cards were rendered"
    rendered.clear()
    html = client.get("/").content.decode()
    assert rendered == []
    assert all(article.title in html for article in articles)


@pytest.fixture
def card_reads(section, monkeypatch):
    """A home page of 15 stories, and the keys of each read of cards from the shared
    cache from now on (one list a read)."""
    for n in range(15):
        PublishedArticleFactory(section=section, published_at=timezone.now() - timedelta(hours=n))
    reads = []
    guarded = cards.page_cache.guarded

    def counting(operation, *args, **kwargs):
        if operation == "get_many" and any(key.startswith("card:") for key in args[0]):
            reads.append(args[0])
        return guarded(operation, *args, **kwargs)

    monkeypatch.setattr(cards.page_cache, "guarded", counting)
    return reads


def test_the_home_page_reads_all_its_cards_in_one_round_trip(client, card_reads):
    """The latest news and every section block: one read of the shared cache."""
    reads = card_reads
    html = client.get("/").content.decode()
    assert len(reads) == 1
    # The lead is not a card; the 12 latest and the section block's 4 are.
    assert len(reads[0]) == 12 + 4
    assert html.count('class="section-block"') == 1


def test_a_process_reads_each_card_from_the_shared_cache_once(
    client, section, card_reads, django_capture_on_commit_callbacks
):
    """A card's key names everything it shows, so a process keeps the cards it read:
    the next request for the page asks the shared cache for none, and after a publish
    only for the cards it had not shown (the new article is the lead, so the previous
    lead gets a card in the latest news and one in its section's block)."""
    reads = card_reads
    first = client.get("/").content.decode()
    assert [len(keys) for keys in reads] == [12 + 4]
    reads.clear()
    assert client.get("/").content.decode() == first
    assert reads == []
    with django_capture_on_commit_callbacks(execute=True):
        PublishedArticleFactory(section=section, title="Just in", published_at=timezone.now())
    lead, latest, blocks = home_parts(client)
    assert [len(keys) for keys in reads] == [2]
    assert "Just in" in lead
    assert "Just in" not in latest + blocks


def test_the_persian_edition_has_its_own_cards(client, settings):
    settings.SITE_LANGUAGES = ["en", "fa"]
    english = SectionFactory(name="Politics", slug="politics")
    persian = SectionFactory(name="سیاست", slug="politics-fa", language="fa")
    author = AuthorFactory(name="Sara")
    PublishedArticleFactory(section=english, authors=[author], title="In English")
    PublishedArticleFactory(section=persian, authors=[author], title="به فارسی", language="fa")
    assert "By" in client.get(SECTION).content.decode()
    html = client.get("/fa/category/politics-fa/").content.decode()
    assert "به فارسی" in html
    assert "By <a" not in html


def test_the_list_renders_without_the_shared_cache(client, story, shared_cache_down):
    response = client.get(SECTION)
    assert response.status_code == 200
    assert "Rial falls" in response.content.decode()


def home_parts(client):
    """The home page's lead, latest list and section blocks, as text."""
    tree = lxml.html.fromstring(client.get("/").content)

    def text(xpath):
        return " ".join(lxml.html.tostring(node, encoding="unicode") for node in tree.xpath(xpath))

    return (
        text("//section[contains(@class, 'lead')]"),
        text("//section[contains(@class, 'latest')]"),
        text("//section[contains(@class, 'section-block')]"),
    )


@pytest.fixture
def home(section, story, client):
    """A home page a reader has seen: a marked lead, and the story in the latest list and
    in its section's block (both of its cards in the shared cache now)."""
    lead = PublishedArticleFactory(
        section=section,
        title="Talks resume",
        is_featured=True,
        published_at=timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=5),
        authors=[AuthorFactory(name="Leila Sadr")],
    )
    lead_html, latest, blocks = home_parts(client)
    assert "Talks resume" in lead_html
    assert "Rial falls" in latest and "Rial falls" in blocks
    return lead


def test_an_edit_in_the_admin_shows_on_every_card_of_the_home_page(
    client, editor_client, story, home
):
    save_in_admin(editor_client, story, title="Rial hits a record low")
    _lead, latest, blocks = home_parts(client)
    for part in (latest, blocks):
        assert "Rial hits a record low" in part and "Rial falls<" not in part
    save_in_admin(editor_client, story, kicker="Currency")
    _lead, latest, blocks = home_parts(client)
    for part in (latest, blocks):
        assert '<p class="kicker">Currency</p>' in part


def test_an_edit_to_the_lead_shows_on_the_home_page(client, editor_client, home):
    save_in_admin(editor_client, home, title="Talks resume in Vienna")
    Author.objects.filter(name="Leila Sadr").update(name="Leila Sadr-Amini")
    lead_html, _latest, _blocks = home_parts(client)
    assert "Talks resume in Vienna" in lead_html
    assert "Leila Sadr-Amini</a>" in lead_html


def test_a_publish_shows_on_the_home_page_at_once(client, section, story, home, rendered):
    """A newer story joins the latest list and its section's block at once; only its
    cards are rendered."""
    new = PublishedArticleFactory(section=section, title="Parliament votes")
    _lead, latest, blocks = home_parts(client)
    assert "Parliament votes" in latest and "Parliament votes" in blocks
    assert set(rendered) == {new.pk}
