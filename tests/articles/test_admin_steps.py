"""The workflow speaks, through the admin's change form and start page: explicit
"Schedule", "Publish now", "Submit for review" and "Send back" buttons with the primary
step first, messages that name the step, the time and the person, and a send-back note
shown to the writer until she submits again."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, PendingEdit
from core.newsroom_time import newsroom_time
from tests.admin_forms import (
    change_url,
    form_errors,
    messages_of,
    open_change_form,
    save_in_admin,
)
from tests.conftest import client_for
from tests.factories import DraftArticleFactory, PublishedArticleFactory, ReviewArticleFactory

pytestmark = pytest.mark.django_db


def buttons(page):
    """The workflow buttons in page order: (value, words, primary)."""
    return [
        (value, words, "default" in classes)
        for classes, value, words in re.findall(
            r'<button type="submit" class="([^"]*)" name="_transition" value="([a-z_]+)">'
            r"([^<]+)</button>",
            page,
        )
    ]


def split(moment):
    local = timezone.localtime(moment)
    return {
        "published_at_0": local.strftime("%Y-%m-%d"),
        "published_at_1": local.strftime("%H:%M:%S"),
    }


def step(client, article, name, **changes):
    _, data = open_change_form(client, article)
    data.update(_transition=name, **changes)
    return client.post(change_url(article), data, follow=True)


@pytest.fixture
def sara(newsroom_user):
    user = newsroom_user("sara", "Writers")
    user.first_name, user.last_name = "Sara", "Ahmadi"
    user.save()
    return user


def test_the_primary_step_comes_first(editor_client, sara):
    writer_page = client_for(sara).get(reverse("admin:articles_article_add")).content.decode()
    assert buttons(writer_page) == [("submit", "Submit for review", True)]

    review = editor_client.get(change_url(ReviewArticleFactory())).content.decode()
    assert buttons(review) == [
        ("publish", "Publish now", True),
        ("schedule", "Schedule", False),
        ("send_back", "Send back", False),
    ]
    assert "in Tehran time (it is" in review


def test_scheduling_says_when_in_newsroom_time(editor_client):
    article = DraftArticleFactory(title="Rial slides")
    moment = (timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    response = step(editor_client, article, "schedule", **split(moment))
    assert messages_of(response) == [f"“Rial slides” was scheduled for {newsroom_time(moment)}."]
    assert newsroom_time(moment).endswith("Tehran time")
    article.refresh_from_db()
    assert article.is_scheduled()
    assert article.published_at == moment


def test_scheduling_needs_a_time_in_the_future(editor_client):
    article = DraftArticleFactory()
    response = step(editor_client, article, "schedule", **split(timezone.now() - timedelta(1)))
    assert "Set a publication time in the future" in str(form_errors(response))
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_publish_now_refuses_a_future_time_instead_of_scheduling(editor_client):
    article = DraftArticleFactory()
    response = step(editor_client, article, "publish", **split(timezone.now() + timedelta(1)))
    assert "press “Schedule” to publish then" in str(form_errors(response))
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_publishing_says_so_with_the_time(editor_client):
    article = DraftArticleFactory(title="Rial slides")
    response = step(editor_client, article, "publish")
    article.refresh_from_db()
    expected = f"“Rial slides” was published at {newsroom_time(article.published_at)}."
    assert messages_of(response) == [expected]
    assert article.is_published()


def test_submitting_says_so(sara):
    client = client_for(sara)
    article = DraftArticleFactory(title="Rial slides", created_by=sara)
    response = step(client, article, "submit")
    assert messages_of(response) == ["“Rial slides” was submitted for review."]


def test_a_send_back_names_the_writer_and_its_note_stays_until_she_resubmits(editor_client, sara):
    article = ReviewArticleFactory(title="Rial slides", created_by=sara)
    note = "Needs a second source for the minister's quote."
    response = step(editor_client, article, "send_back", workflow_note=note)
    assert messages_of(response) == ["“Rial slides” was sent back to Sara Ahmadi with your note."]

    writer = client_for(sara)
    start = writer.get(reverse("admin:index")).content.decode()
    assert "Sent back to you" in start
    assert "Needs a second source for the minister&#x27;s quote." in start
    form = writer.get(change_url(article)).content.decode()
    assert "Sent back by editor on" in form
    assert "Needs a second source for the minister&#x27;s quote." in form
    assert form.index("workflow-sent-back") < form.index('name="title"')

    step(writer, article, "submit")
    article.refresh_from_db()
    assert article.status == Article.Status.REVIEW
    assert "Sent back to you" not in writer.get(reverse("admin:index")).content.decode()


# A writer's change to her live article: one pending change, updated by each save.


def test_a_writers_saves_to_her_live_article_make_one_pending_change(
    editor_client, sara, settings
):
    article = PublishedArticleFactory(title="Live headline", created_by=sara, tags=["Iran"])
    writer = client_for(sara)
    save_in_admin(writer, article, title="Her better headline")
    # The form shows her proposed text, not the live one: nothing seems to vanish.
    page = writer.get(change_url(article)).content.decode()
    assert 'value="Her better headline"' in page
    save_in_admin(writer, article, standfirst="And a standfirst.", tags="Iran, Rial")

    (edit,) = PendingEdit.objects.all()
    assert edit.data["title"] == "Her better headline"
    assert edit.data["standfirst"] == "And a standfirst."
    assert edit.data["tags"] == ["Iran", "Rial"]
    article.refresh_from_db()
    assert article.title == "Live headline"

    start = editor_client.get(reverse("admin:index")).content.decode()
    assert start.count("Changes to “Live headline”") == 1
    review = editor_client.get(reverse("admin:article_pending", args=[article.pk, edit.pk]))
    shown = review.content.decode()
    # One diff of every field she changed (the words of the new text marked).
    assert shown.count('<tr><th scope="row">') == 3
    for word in ("better", "standfirst", "Rial"):
        assert word in shown


def test_a_read_only_page_shows_the_body_as_formatted_text(writer_client):
    body = "<p>First <strong>bold</strong> words.</p><h2>Next</h2>"
    article = PublishedArticleFactory(body=body)
    page = writer_client.get(change_url(article)).content.decode()
    assert body in page
    assert "&lt;p&gt;" not in page


# The form as a writer's tool.


def test_a_new_articles_byline_starts_with_the_writers_own_author(sara, editor_client):
    from tests.admin_forms import posted_fields
    from tests.factories import AuthorFactory

    author = AuthorFactory(name="Sara Ahmadi", user=sara)
    add = reverse("admin:articles_article_add")
    data = posted_fields(client_for(sara).get(add))
    assert data["bylines-0-author"] == str(author.pk)
    # Someone with no author of their own starts with an empty byline.
    assert posted_fields(editor_client.get(add)).get("bylines-0-author", "") == ""


def test_the_form_loads_the_writing_aids(editor_client):
    page = editor_client.get(reverse("admin:articles_article_add")).content.decode()
    assert "admin-newsroom/writing.js" in page
