"""The site-wide parts of every reader page (the section menu and Recent Posts) are read
once a content generation (articles/site_widgets.py), with the page cache off as on: they must
change as soon as what they show changes."""

import re
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from articles import page_cache
from articles.models import Article
from articles.site_widgets import WIDGETS_KEY
from tests.factories import DraftArticleFactory, PublishedArticleFactory, SectionFactory

# Changes reach readers through transaction.on_commit (the generation moves on).
pytestmark = pytest.mark.django_db(transaction=True)


def recent_posts(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    widget = re.search(r'<section class="widget recent-posts".*?</section>', html, re.DOTALL)
    assert widget, "the page has no Recent Posts widget"
    return re.findall(r'class="recent-posts__headline" href="[^"]*">([^<]*)<', widget.group(0))


def section_menu(client):
    html = client.get("/").content.decode()
    menu = re.search(r'<nav class="section-nav".*?</nav>', html, re.DOTALL)
    assert menu, "the page has no section menu"
    return re.findall(r">([^<]+)</a></li>", menu.group(0))


@pytest.fixture
def reading(client):
    """An article page a reader has just seen: the widgets are cached for this generation."""
    article = PublishedArticleFactory(title="Reader's story")
    PublishedArticleFactory(title="Older story", published_at=timezone.now() - timedelta(days=1))
    assert recent_posts(client, article) == ["Older story"]
    return article


def test_a_story_enters_recent_posts_when_it_is_published(client, reading):
    draft = DraftArticleFactory(title="Breaking story")
    assert recent_posts(client, reading) == ["Older story"]
    draft.status = Article.Status.PUBLISHED
    draft.published_at = timezone.now() - timedelta(seconds=1)
    draft.save()
    assert recent_posts(client, reading) == ["Breaking story", "Older story"]


def test_a_story_leaves_recent_posts_when_it_is_unpublished(client, reading):
    older = Article.objects.get(title="Older story")
    older.status = Article.Status.UNPUBLISHED
    older.save()
    assert recent_posts(client, reading) == []


def test_an_edited_headline_shows_in_recent_posts(client, reading):
    older = Article.objects.get(title="Older story")
    older.title = "Older story, corrected"
    older.save()
    assert recent_posts(client, reading) == ["Older story, corrected"]


def test_a_scheduled_story_enters_recent_posts_at_its_time(client, reading, monkeypatch):
    now = timezone.now()
    PublishedArticleFactory(title="Embargoed story", published_at=now + timedelta(minutes=10))
    assert recent_posts(client, reading) == ["Older story"]
    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(minutes=10, seconds=1))
    assert recent_posts(client, reading) == ["Embargoed story", "Older story"]


def test_an_article_never_lists_itself_and_the_widget_still_shows_six(client):
    stories = [
        PublishedArticleFactory(
            title=f"Story {n}", published_at=timezone.now() - timedelta(hours=n)
        )
        for n in range(8)
    ]
    assert recent_posts(client, stories[0]) == [f"Story {n}" for n in range(1, 7)]
    assert recent_posts(client, stories[3]) == [f"Story {n}" for n in (0, 1, 2, 4, 5, 6)]


def test_the_section_menu_follows_new_renamed_and_deleted_sections(client):
    politics = SectionFactory(name="Politics", slug="politics", position=1)
    PublishedArticleFactory(section=politics)
    assert section_menu(client) == ["Home", "Politics"]
    world = SectionFactory(name="World", slug="world", position=2)
    assert section_menu(client) == ["Home", "Politics", "World"]
    politics.name = "Politics and Power"
    politics.save()
    assert section_menu(client) == ["Home", "Politics and Power", "World"]
    world.delete()
    assert section_menu(client) == ["Home", "Politics and Power"]


def test_a_change_that_started_no_generation_shows_once_a_page_could_expire(
    client, reading, monkeypatch, settings
):
    """A change made behind the site's back (no signal, so no new generation) still
    reaches the widgets, as it reaches cached pages: after the page cache's lifetime."""
    settings.PAGE_CACHE_SECONDS = 300
    Article.objects.filter(title="Older story").update(title="Quietly retitled")
    assert recent_posts(client, reading) == ["Older story"]
    later = timezone.now() + timedelta(seconds=301)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert recent_posts(client, reading) == ["Quietly retitled"]


@pytest.mark.parametrize(
    "stored",
    [
        lambda generation: (generation, [], []),  # the shape before this one
        # The positional tuple that came before named entries: fresh, but of no name.
        lambda generation: (generation, time.time() + 60, [], []),
        lambda generation: (generation, "later", [], []),
        lambda generation: "not a tuple",
    ],
    ids=["older-shape", "positional", "bad-time", "not-a-tuple"],
)
def test_an_entry_of_another_shape_is_read_again_not_an_error(client, reading, stored):
    """After a deploy, the shared cache may hold what the previous code wrote."""
    cache.set(WIDGETS_KEY, stored(page_cache.current_generation()))
    assert recent_posts(client, reading) == ["Older story"]
