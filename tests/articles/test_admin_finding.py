"""Finding articles in the newsroom's list: the work in hand first, "Mine", author and
section filters, one state filter, and a search over the story text and bylines."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import (
    AuthorFactory,
    DraftArticleFactory,
    PublishedArticleFactory,
    ReviewArticleFactory,
    ScheduledArticleFactory,
    UnpublishedArticleFactory,
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


def test_every_page_of_the_list_follows_the_newsroom_order_across_its_two_runs(
    editor_client, monkeypatch
):
    """The list reads a page as the work in hand, then the rest (each by its own index):
    the pages together are the newsroom order of one sort, whichever page the two runs
    meet on."""
    now = timezone.now()
    for n in range(4):
        PublishedArticleFactory(title=f"Live {n}", published_at=now - timedelta(hours=n + 1))
        DraftArticleFactory(title=f"Draft {n}")
    ReviewArticleFactory(title="In review")
    ScheduledArticleFactory(title="Scheduled")
    UnpublishedArticleFactory(title="Taken down", published_at=now - timedelta(minutes=90))
    same_time = now - timedelta(hours=2)  # ties are broken by id, as in one sort
    PublishedArticleFactory(title="Tied", published_at=same_time)
    Article.objects.filter(title="Live 1").update(published_at=same_time)
    expected = list(
        Article.objects.order_by(
            *Article.objects.newsroom_order().query.order_by, "-pk"
        ).values_list("title", flat=True)
    )
    assert expected[:6] != sorted(expected[:6])  # the in-hand run is not by title
    for per_page in (3, 5, 6, 7, 100):
        monkeypatch.setattr(admin.site._registry[Article], "list_per_page", per_page)
        listed = []
        for page in range(1, -(-len(expected) // per_page) + 1):
            response = editor_client.get(LIST, {"p": page} if page > 1 else {})
            assert response.status_code == 200
            listed += titles(response)
        assert listed == expected, per_page


def test_a_page_of_the_list_is_read_without_sorting_every_article(editor_client, monkeypatch):
    """Each run of the newsroom order is a plain ORDER BY that an index serves; a sort by
    the CASE of both read every article (a million: 1.5 s), and the author filter's
    DISTINCT over every byline (0.4 s) is an EXISTS an author for an editor. (A list that
    fits on one page is read in one query, sorted as it is.)"""
    monkeypatch.setattr(admin.site._registry[Article], "list_per_page", 5)
    for n in range(4):
        PublishedArticleFactory(title=f"Live {n}")
        DraftArticleFactory(title=f"Draft {n}", authors=[AuthorFactory()])
    with CaptureQueriesContext(connection) as queries:
        response = editor_client.get(LIST, {"p": 2})
    assert sorted(titles(response)) == ["Live 0", "Live 1", "Live 2"]  # the drafts first
    sql = [query["sql"].upper() for query in queries.captured_queries]
    assert not [query for query in sql if "ORDER BY CASE" in query]
    assert not [query for query in sql if "SELECT DISTINCT" in query and "BYLINE" in query]


def test_a_column_chosen_sorts_the_whole_list_by_it(editor_client):
    PublishedArticleFactory(title="Beta")
    DraftArticleFactory(title="Alpha")
    PublishedArticleFactory(title="Gamma")
    assert titles(editor_client.get(LIST, {"o": "1"})) == ["Alpha", "Beta", "Gamma"]


def test_the_author_filter_lists_only_authors_with_a_byline(editor_client, writer_client):
    AuthorFactory(name="Nobody Yet")
    DraftArticleFactory(title="By Sara", authors=[AuthorFactory(name="Sara Ahmadi")])
    PublishedArticleFactory(title="By Reza", authors=[AuthorFactory(name="Reza Karimi")])
    page = editor_client.get(LIST).content.decode()
    assert "Sara Ahmadi" in page and "Reza Karimi" in page and "Nobody Yet" not in page
    listed = page[page.index("By author") :]
    assert listed.index("Reza Karimi") < listed.index("Sara Ahmadi")  # by name
    # A writer's list names the authors of what she can see only: not a colleague's draft.
    page = writer_client.get(LIST).content.decode()
    assert "Reza Karimi" in page and "Sara Ahmadi" not in page


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
