"""Finding articles in the newsroom's list: the work in hand first, "Mine", author and
section filters, one state filter, and a search over the story text and bylines."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    AuthorFactory,
    DraftArticleFactory,
    PublishedArticleFactory,
    ReviewArticleFactory,
    ScheduledArticleFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("admin:articles_article_changelist")


def titles(response):
    return [article.title for article in response.context["cl"].result_list]


def test_drafts_review_and_scheduled_come_first_by_last_change(editor_client):
    now = timezone.now()
    for n in range(3):
        PublishedArticleFactory(title=f"Live {n}", published_at=now - timedelta(hours=n + 1))
    old_draft = DraftArticleFactory(title="Old draft")
    ReviewArticleFactory(title="In review")
    ScheduledArticleFactory(title="Scheduled")
    new_draft = DraftArticleFactory(title="New draft")
    type(old_draft).objects.filter(pk=old_draft.pk).update(updated_at=now - timedelta(days=3))
    type(new_draft).objects.filter(pk=new_draft.pk).update(updated_at=now + timedelta(minutes=1))

    listed = titles(editor_client.get(LIST))
    assert listed[:4] == ["New draft", "Scheduled", "In review", "Old draft"]
    assert listed[4:] == ["Live 0", "Live 1", "Live 2"]


def test_mine_lists_the_users_own_articles(editor_client, editor):
    DraftArticleFactory(title="Someone else's")
    DraftArticleFactory(title="The editor's own", created_by=editor)
    assert titles(editor_client.get(LIST, {"whose": "mine"})) == ["The editor's own"]


def test_author_and_section_filters(editor_client):
    sara = AuthorFactory(name="Sara Ahmadi")
    theirs = DraftArticleFactory(title="By Sara", authors=[sara])
    DraftArticleFactory(title="By someone else")
    page = editor_client.get(LIST)
    assert "By author" in page.content.decode()
    assert titles(editor_client.get(LIST, {"bylines__author__id__exact": sara.pk})) == ["By Sara"]
    section = theirs.section
    assert titles(editor_client.get(LIST, {"section__id__exact": section.pk})) == ["By Sara"]


def test_one_state_filter(editor_client):
    page = editor_client.get(LIST).content.decode()
    assert "By state" in page
    assert "By status" not in page


def test_search_finds_a_word_of_the_body_and_a_bylines_name(editor_client):
    DraftArticleFactory(title="Budget", body="<p>The parliament debated saffron exports.</p>")
    DraftArticleFactory(title="Rial", authors=[AuthorFactory(name="Golnar Motevalli")])
    DraftArticleFactory(title="Other")
    assert titles(editor_client.get(LIST, {"q": "saffron"})) == ["Budget"]
    assert titles(editor_client.get(LIST, {"q": "Motevalli"})) == ["Rial"]
    assert titles(editor_client.get(LIST, {"q": "nothing-like-this"})) == []
