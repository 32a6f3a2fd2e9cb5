"""The article page's story is kept rendered in the shared cache (articles/article_page.py),
with the whole-page cache off: whatever the story or its JSON-LD shows must change on the
page as soon as it changes, by whatever path it changes, a publish of another story must
not render it again, previews and live stories are never kept, and the page renders
without the shared cache."""

import json
from datetime import timedelta

import lxml.html
import pytest
from django.utils import timezone
from taggit.models import Tag

from articles import article_page
from articles.models import Article, Byline, Correction, Outlet, Page
from images.models import Image
from tests.admin_forms import save_in_admin
from tests.factories import (
    AuthorFactory,
    DraftArticleFactory,
    ImageFactory,
    PublishedArticleFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db


def story_of(client, article):
    """The ``<article>`` element of ``article``'s page and its NewsArticle JSON-LD."""
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    page = lxml.html.fromstring(response.content)
    [element] = page.xpath("//article[contains(@class, 'article')]")
    data = [
        item
        for script in page.xpath('//script[@type="application/ld+json"]')
        for item in json.loads(script.text).get("@graph", [])
        if item.get("@type") == "NewsArticle"
    ]
    return lxml.html.tostring(element, encoding="unicode"), data[0]


@pytest.fixture
def rendered(monkeypatch):
    """The stories rendered from the template (not read from the shared cache) from now on:
    the articles' primary keys."""
    made = []
    real = article_page.render_story

    def counting(context):
        made.append(context["article"].pk)
        return real(context)

    monkeypatch.setattr(article_page, "render_story", counting)
    return made


@pytest.fixture
def author():
    return AuthorFactory(name="Sara Ahmadi", slug="sara-ahmadi", bio="Covers the economy.")


@pytest.fixture
def story(client, author):
    """A story a reader has read: it is kept now."""
    article = PublishedArticleFactory(
        section=SectionFactory(name="Economy", slug="economy"),
        title="Rial falls",
        published_at=timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1),
        authors=[author],
        body="<p>The rial fell again.</p>",
    )
    article.tags.add("Currency")
    assert "Rial falls" in story_of(client, article)[0]
    return article


def test_a_story_is_rendered_once_and_another_publish_does_not_render_it_again(
    client, story, rendered
):
    story_of(client, story)
    assert rendered == []
    other = PublishedArticleFactory(section=story.section, title="Markets close")
    html, _data = story_of(client, story)
    assert rendered == []
    assert "Rial falls" in html
    story_of(client, other)
    assert rendered == [other.pk]


@pytest.mark.parametrize(
    "changes, shown",
    [
        ({"title": "Rial falls to a new low"}, "Rial falls to a new low"),
        ({"kicker": "Currency"}, '<p class="kicker">Currency</p>'),
        ({"standfirst": "A record low."}, "A record low."),
        ({"body": "<p>The rial fell to a record low.</p>"}, "fell to a record low"),
    ],
)
def test_an_edit_in_the_admin_shows_at_once(client, editor_client, story, changes, shown):
    save_in_admin(editor_client, story, **changes)
    assert shown in story_of(client, story)[0]


def test_a_change_behind_the_sites_back_shows_at_once(client, story):
    """No signal, no new generation: the stored fields are the key."""
    Article.objects.filter(pk=story.pk).update(title="Quietly retitled")
    html, data = story_of(client, story)
    assert "Quietly retitled" in html and data["headline"] == "Quietly retitled"


def test_an_author_bio_rewritten_shows_at_once(client, story, author):
    author.bio = "Now covers energy."
    author.job_title = "Energy correspondent"
    author.save()
    html = story_of(client, story)[0]
    assert "Now covers energy." in html and "Energy correspondent" in html


def test_a_translator_added_shows_at_once(client, story):
    Byline.objects.create(
        article=story, author=AuthorFactory(name="Reza Karimi"), position=1, role="translator"
    )
    assert "Translated by" in story_of(client, story)[0]


def test_a_renamed_section_tag_and_outlet_show_at_once(client, story):
    outlet = Outlet.objects.create(name="Kayhan")
    Article.objects.filter(pk=story.pk).update(source_outlet=outlet)
    assert "Kayhan" in story_of(client, story)[0]
    Outlet.objects.filter(pk=outlet.pk).update(name="Kayhan Daily")
    story.section.__class__.objects.filter(pk=story.section_id).update(name="Money")
    Tag.objects.filter(name="Currency").update(name="Rial")
    html, data = story_of(client, story)
    assert "Kayhan Daily" in html and ">Money</a>" in html and ">Rial</a>" in html
    assert data["articleSection"] == "Money" and data["keywords"] == ["Rial"]


def test_a_correction_shows_at_once(client, story):
    Correction.objects.create(article=story, text="An earlier version misstated the rate.")
    assert "misstated the rate" in story_of(client, story)[0]


def test_a_body_picture_and_its_renditions_show_at_once(client, story):
    picture = ImageFactory()
    Article.objects.filter(pk=story.pk).update(
        body=f'<p>Text.</p><p><img src="{picture.file.url}" alt="A market"></p>'
    )
    before = story_of(client, story)[0]
    assert "<picture>" in before and "<source" in before
    # The renditions made again in other formats (a rendition state of the picture, not
    # of the article): new sources.
    Image.objects.filter(pk=picture.pk).update(
        renditions={**picture.renditions, "formats": ["jpeg"]}
    )
    after = story_of(client, story)[0]
    assert "<source" not in after


def test_a_new_standing_page_shows_in_the_publishers_json_ld_at_once(
    client, story, django_capture_on_commit_callbacks
):
    assert "masthead" not in story_of(client, story)[1]["publisher"]
    with django_capture_on_commit_callbacks(execute=True):
        Page.objects.create(title="About us", role="about", status=Page.Status.PUBLISHED)
    assert story_of(client, story)[1]["publisher"]["masthead"].endswith("/about-us/")


def test_the_site_address_shows_in_the_share_links_at_once(client, story, settings):
    settings.SITE_URL = "https://news.example.org"
    assert "https%3A%2F%2Fnews.example.org" in story_of(client, story)[0]


def test_previews_and_live_stories_are_never_kept(editor_client, client, rendered):
    from live.models import LiveStory

    draft = DraftArticleFactory(title="Not yet")
    for _ in range(2):
        assert editor_client.get(draft.get_absolute_url()).status_code == 200
    assert rendered == [draft.pk, draft.pk]
    live = PublishedArticleFactory(title="As it happens")
    LiveStory.objects.create(article=live)
    rendered.clear()
    story_of(client, live)
    story_of(client, live)
    assert rendered == [live.pk, live.pk]


def test_a_published_story_is_not_the_preview_an_editor_saw(editor_client, client, rendered):
    """An editor's preview is never kept, so the reader's first page is a reader's."""
    draft = DraftArticleFactory(title="Soon")
    editor_client.get(draft.get_absolute_url())
    Article.objects.filter(pk=draft.pk).update(
        status=Article.Status.PUBLISHED, published_at=timezone.now() - timedelta(minutes=1)
    )
    html = client.get(draft.get_absolute_url()).content.decode()
    assert "preview-banner" not in html and "data-beacon" in html


def test_the_page_renders_without_the_shared_cache(client, story, shared_cache_down):
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    assert "Rial falls" in response.content.decode()


def test_the_default_share_picture_shows_in_the_json_ld_at_once(client, story, settings):
    """An article without a picture names the site's share picture (SHARE_IMAGE)."""
    assert story.image_id is None
    settings.SHARE_IMAGE = "https://cdn.example.org/share.png"
    [picture] = story_of(client, story)[1]["image"]
    assert picture["url"] == "https://cdn.example.org/share.png"
