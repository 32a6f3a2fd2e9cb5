"""The open article form kept safe, through the admin's own addresses: the autosave of
what is typed (a new article's too) and its restore prompt, and the soft lock that tells a
second user who is editing and since when (articles/admin_editing.py)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Autosave, EditLock
from tests.admin_forms import add_url, change_url, messages_of, open_change_form, save_in_admin
from tests.conftest import client_for
from tests.factories import DraftArticleFactory, PublishedArticleFactory

pytestmark = pytest.mark.django_db


def autosave_url(article=None):
    if article is None:
        return reverse("admin:article_autosave_new")
    return reverse("admin:article_autosave", args=[article.pk])


def lock_url(article, what=""):
    name = {"": "article_lock", "take": "article_lock_take", "release": "article_lock_release"}
    return reverse(f"admin:{name[what]}", args=[article.pk])


# Autosave


def test_autosave_keeps_the_typed_text_and_offers_it_back(editor_client, editor):
    article = DraftArticleFactory(title="Old headline")
    response = editor_client.post(
        autosave_url(article),
        {"title": "A headline typed but not saved", "body": "<p>A paragraph.</p>"},
    )
    assert response.status_code == 200
    assert response.json()["saved_at"].endswith("Tehran time")
    autosave = Autosave.objects.get(user=editor, article=article)
    assert autosave.data["title"] == "A headline typed but not saved"

    page = editor_client.get(change_url(article)).content.decode()
    assert "Restore the text you were writing at" in page
    # The form shows the article as stored until the user says restore.
    assert 'value="Old headline"' in page

    restored = editor_client.get(change_url(article) + "?restore=1").content.decode()
    assert 'value="A headline typed but not saved"' in restored
    assert "is back in the form below" in restored


def test_saving_the_article_forgets_its_autosave(editor_client, editor):
    article = DraftArticleFactory()
    editor_client.post(autosave_url(article), {"title": "Typed"})
    save_in_admin(editor_client, article, title="Saved headline")
    assert not Autosave.objects.filter(user=editor).exists()
    assert "Restore the text" not in editor_client.get(change_url(article)).content.decode()


def test_a_new_article_is_autosaved_and_restored_in_the_add_form(writer_client, writer):
    response = writer_client.post(autosave_url(), {"title": "A story not yet saved once"})
    assert response.status_code == 200
    assert Autosave.objects.get(user=writer, article=None).data == {
        "title": "A story not yet saved once"
    }
    # A second autosave replaces the first: one per user and new article.
    writer_client.post(autosave_url(), {"title": "The same story, longer"})
    assert Autosave.objects.filter(user=writer).count() == 1

    page = writer_client.get(add_url()).content.decode()
    assert "Restore the text you were writing at" in page
    restored = writer_client.get(add_url() + "?restore=1").content.decode()
    assert 'value="The same story, longer"' in restored


def test_autosaves_are_per_user(editor_client, writer_client, writer):
    article = DraftArticleFactory(created_by=writer)
    writer_client.post(autosave_url(article), {"title": "The writer's words"})
    assert "Restore the text" not in editor_client.get(change_url(article)).content.decode()


def test_discarding_the_autosave_forgets_it(editor_client, editor):
    article = DraftArticleFactory()
    editor_client.post(autosave_url(article), {"title": "Typed"})
    url = reverse("admin:article_autosave_discard", args=[article.pk])
    response = editor_client.post(url, follow=True)
    assert "The text you were writing was discarded." in messages_of(response)
    assert not Autosave.objects.exists()


def test_autosave_refuses_what_it_cannot_keep(editor_client, writer_client):
    article = DraftArticleFactory()
    assert editor_client.get(autosave_url(article)).status_code == 405
    empty = editor_client.post(autosave_url(article), {"unknown": "x"})
    assert empty.status_code == 400
    assert "Nothing of the article form" in empty.json()["error"]
    # A colleague's draft is not the writer's to see, let alone keep text for.
    assert writer_client.post(autosave_url(article), {"title": "x"}).status_code == 404
    # A live article of another writer is the writer's to read only.
    live = PublishedArticleFactory()
    assert writer_client.post(autosave_url(live), {"title": "x"}).status_code == 403
    assert not Autosave.objects.exists()


def test_the_form_carries_the_autosave_script_and_its_addresses(editor_client):
    article = DraftArticleFactory()
    page = editor_client.get(change_url(article)).content.decode()
    assert "admin-newsroom/editing.js" in page
    assert f'data-autosave-url="{autosave_url(article)}"' in page
    assert f'data-lock-url="{lock_url(article)}"' in page


# The soft lock


def test_opening_an_article_takes_its_lock(editor_client, editor):
    article = DraftArticleFactory()
    open_change_form(editor_client, article)
    lock = EditLock.objects.get(article=article)
    assert lock.user == editor


def test_a_second_user_is_told_who_edits_and_chooses_to_take_over_or_read(editor, newsroom_user):
    article = DraftArticleFactory(title="Held headline")
    client_for(editor).get(change_url(article))
    other = client_for(newsroom_user("sara", "Editors"))
    page = other.get(change_url(article)).content.decode()
    assert 'role="dialog"' in page
    assert "<strong>editor</strong> has been editing this article since" in page
    assert "Tehran time" in page
    assert "Take over" in page
    assert f'href="{change_url(article)}?read_only=1"' in page
    # No autosave or heartbeat of a form that waits behind the dialog.
    assert 'id="newsroom-editing"' not in page
    assert EditLock.objects.get(article=article).user == editor

    reading = other.get(change_url(article) + "?read_only=1").content.decode()
    assert 'name="title"' not in reading
    assert 'name="_save"' not in reading
    assert 'role="dialog"' not in reading
    assert EditLock.objects.get(article=article).user == editor


def test_taking_over_moves_the_lock_and_tells_the_first_user(editor, newsroom_user):
    article = DraftArticleFactory()
    first = client_for(editor)
    first.get(change_url(article))
    sara = newsroom_user("sara", "Editors")
    second = client_for(sara)
    response = second.post(lock_url(article, "take"))
    assert response.status_code == 302
    assert response["Location"] == change_url(article)
    page = second.get(change_url(article)).content.decode()
    assert 'name="title"' in page
    assert EditLock.objects.get(article=article).user == sara

    answer = first.post(lock_url(article)).json()
    assert answer["mine"] is False
    assert answer["by"] == "sara"
    assert "sara took over this article at" in answer["message"]


def test_the_heartbeat_keeps_the_lock(editor_client, editor):
    article = DraftArticleFactory()
    editor_client.get(change_url(article))
    lock = EditLock.objects.get(article=article)
    EditLock.objects.filter(pk=lock.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=60))
    assert editor_client.post(lock_url(article)).json() == {"mine": True}
    lock.refresh_from_db()
    assert timezone.now() - lock.heartbeat_at < timedelta(seconds=30)


def test_a_lock_expires_by_itself(editor, newsroom_user):
    article = DraftArticleFactory()
    client_for(editor).get(change_url(article))
    EditLock.objects.update(heartbeat_at=timezone.now() - EditLock.EXPIRES_AFTER)
    sara = newsroom_user("sara", "Editors")
    page = client_for(sara).get(change_url(article)).content.decode()
    assert "has been editing" not in page
    assert 'name="title"' in page
    assert EditLock.objects.get(article=article).user == sara


def test_leaving_releases_the_lock(editor_client, editor, newsroom_user):
    article = DraftArticleFactory()
    editor_client.get(change_url(article))
    assert editor_client.post(lock_url(article, "release")).status_code == 200
    assert not EditLock.objects.exists()


def test_read_only_on_request_takes_no_lock(editor_client):
    article = DraftArticleFactory()
    page = editor_client.get(change_url(article) + "?read_only=1").content.decode()
    assert 'name="title"' not in page
    assert not EditLock.objects.exists()


def test_a_save_is_not_refused_for_the_lock_alone(editor, newsroom_user):
    """The lock is soft: a save of a form opened before the lock was taken goes through
    (a stale one is refused by its version, as always)."""
    article = DraftArticleFactory()
    sara_client = client_for(newsroom_user("sara", "Editors"))
    _, data = open_change_form(sara_client, article)
    client_for(editor).post(lock_url(article, "take"))
    data["title"] = "Saved while locked"
    assert sara_client.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    assert article.title == "Saved while locked"


def test_a_read_only_live_article_of_another_writer_promises_no_review(writer_client):
    article = PublishedArticleFactory()
    page = writer_client.get(change_url(article)).content.decode()
    assert "kept for an editor's review" not in page
