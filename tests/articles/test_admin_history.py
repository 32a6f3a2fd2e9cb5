"""The article admin's history pages (versions, compare, restore), the stale-save
refusal of its change form, and share links for a preview (articles/admin_views.py),
driven through the real admin and reader URLs."""

import json
import re
from datetime import timedelta
from html import unescape

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from reversion.models import Version

from articles.models import Article, PendingEdit
from tests.admin_forms import (
    add_in_admin,
    change_url,
    form_errors,
    messages_of,
    open_change_form,
    posted_fields,
    save_in_admin,
)
from tests.conftest import client_for
from tests.factories import (
    AuthorFactory,
    DraftArticleFactory,
    ImageFactory,
    PublishedArticleFactory,
    SectionFactory,
)
from tests.pages import NOINDEX_META, PREVIEW_BANNER, text_of

pytestmark = pytest.mark.django_db


# Admin pages


def versions_url(article):
    return reverse("admin:article_versions", args=[article.pk])


def compare_url(article):
    return reverse("admin:article_compare", args=[article.pk])


def restore_url(article, version):
    return reverse("admin:article_restore", args=[article.pk, version.pk])


def open_versions(client, article):
    """GET the versions page; returns the article version its restore buttons post."""
    response = client.get(versions_url(article))
    assert response.status_code == 200
    (version,) = re.findall(r'name="expected_version" value="(\d+)"', text_of(response))
    return version


def restore_in_admin(client, article, version, *, opened_at=None):
    """Press "Restore" on the versions page (opened now, unless ``opened_at`` says which
    article version the page showed when it was opened)."""
    if opened_at is None:
        opened_at = open_versions(client, article)
    return client.post(restore_url(article, version), {"expected_version": opened_at})


def share_url(article):
    return reverse("admin:article_share", args=[article.pk])


def versions_of(article):
    """The article's saved versions, newest first."""
    return list(Version.objects.get_for_object(article).select_related("revision__user"))


# 6. Revision history


def field_rows(response):
    """The compare page's field table: label -> (old value, new value with marked words)."""
    rows = re.findall(
        r'<tr><th scope="row">(.*?)</th><td>(.*?)</td><td class="diff-words">(.*?)</td></tr>',
        text_of(response),
    )
    return {label: (old, new) for label, old, new in rows}


def body_rows(response):
    """The compare page's body list: (what happened, paragraph with marked words)."""
    return [
        (kind, unescape(words))
        for kind, words in re.findall(
            r'<li class="diff-\w+"><span class="diff-kind">(\w+)</span> (.*?)</li>',
            text_of(response),
        )
    ]


def test_each_admin_save_keeps_a_version_with_who_and_what(editor_client, editor, newsroom_user):
    article = DraftArticleFactory(title="Smog closes schools")
    save_in_admin(editor_client, article)
    babak = newsroom_user("babak")
    save_in_admin(client_for(babak), article, title="Smog shuts schools")

    newest, oldest = versions_of(article)

    assert (oldest.revision.user, oldest.revision.comment) == (editor, "Edited")
    assert (newest.revision.user, newest.revision.comment) == (babak, "Edited")
    assert oldest.field_dict["title"] == "Smog closes schools"
    assert newest.field_dict["title"] == "Smog shuts schools"


def test_admin_add_form_keeps_the_first_version(editor_client, editor):
    add_in_admin(editor_client, title="A new story", slug="a-new-story")

    (version,) = versions_of(Article.objects.get(slug="a-new-story"))
    assert (version.revision.user, version.revision.comment) == (editor, "Created")


def test_versions_page_lists_who_saved_each_version_and_when(editor_client, newsroom_user):
    article = DraftArticleFactory()
    save_in_admin(editor_client, article)
    save_in_admin(client_for(newsroom_user("babak")), article, title="Second title")

    response = editor_client.get(versions_url(article))

    assert response.status_code == 200
    html = text_of(response)
    rows = re.findall(r"<tr>\s*<td><input[^>]*name=\"from\".*?</tr>", html, re.DOTALL)
    assert len(rows) == 2
    for row, version in zip(rows, versions_of(article), strict=True):
        when = date_format(timezone.localtime(version.revision.date_created), "DATETIME_FORMAT")
        assert f"<td>{when}</td>" in row
        assert f"<td>{version.revision.user.username}</td>" in row
        assert f'formaction="{restore_url(article, version)}"' in row
    assert "babak" in rows[0] and "editor" in rows[1]


def test_compare_marks_changed_words_in_the_headline(editor_client):
    article = DraftArticleFactory(title="Smog closes schools in Tehran")
    save_in_admin(editor_client, article)
    save_in_admin(editor_client, article, title="Smog shuts schools in Tehran")
    newest, oldest = versions_of(article)

    response = editor_client.get(compare_url(article), {"from": oldest.pk, "to": newest.pk})

    assert response.status_code == 200
    assert field_rows(response)["Headline"] == (
        "Smog closes schools in Tehran",
        "Smog <del>closes</del> <ins>shuts</ins> schools in Tehran",
    )


def test_compare_shows_changed_tags_and_byline_by_name(editor_client):
    leila = AuthorFactory(name="Leila Ahmadi")
    reza = AuthorFactory(name="Reza Karimi")
    article = DraftArticleFactory(authors=[leila], tags=["Tehran"])
    save_in_admin(editor_client, article)
    save_in_admin(editor_client, article, tags="Tehran, Smog", **{"bylines-0-author": reza.pk})
    oldest = versions_of(article)[-1]

    response = editor_client.get(compare_url(article), {"from": oldest.pk, "to": "current"})

    rows = field_rows(response)
    assert rows["Tags"] == ("Tehran", "<ins>Smog,</ins> Tehran")
    assert rows["Byline"] == ("Leila Ahmadi", "<del>Leila Ahmadi</del> <ins>Reza Karimi</ins>")
    assert "Headline" not in rows


def test_compare_shows_the_body_paragraph_by_paragraph(editor_client):
    article = DraftArticleFactory(
        body="<p>Schools closed on Sunday.</p>"
        "<p>The minister denied the report.</p>"
        "<p>This paragraph goes away.</p>"
        "<p>Offices stay open.</p>"
    )
    save_in_admin(editor_client, article)
    save_in_admin(
        editor_client,
        article,
        body="<p>Schools closed on Sunday.</p>"
        "<p>The minister confirmed the report.</p>"
        "<p>Offices stay open.</p>"
        "<p>A new last paragraph.</p>",
    )
    newest, oldest = versions_of(article)

    response = editor_client.get(compare_url(article), {"from": oldest.pk, "to": newest.pk})

    assert body_rows(response) == [
        ("unchanged", "Schools closed on Sunday."),
        ("changed", "The minister <del>denied</del> <ins>confirmed</ins> the report."),
        ("removed", "This paragraph goes away."),
        ("unchanged", "Offices stay open."),
        ("added", "A new last paragraph."),
    ]


def test_compare_of_the_newest_version_with_now_shows_no_differences(editor_client):
    leila = AuthorFactory(name="Leila Ahmadi")
    article = DraftArticleFactory(authors=[leila], tags=["Tehran", "Smog"], kicker="Analysis")
    save_in_admin(editor_client, article)
    newest = versions_of(article)[0]

    response = editor_client.get(compare_url(article), {"from": newest.pk, "to": "current"})

    assert response.status_code == 200
    assert "No differences." in text_of(response)
    assert field_rows(response) == {}


@pytest.mark.parametrize("bad", ["999999", "abc", "", "99999999999999999999999", "other"])
def test_compare_with_a_version_that_is_not_the_articles_answers_404(editor_client, bad):
    article = DraftArticleFactory()
    save_in_admin(editor_client, article)
    other = DraftArticleFactory()
    save_in_admin(editor_client, other)
    if bad == "other":
        bad = str(versions_of(other)[0].pk)

    assert editor_client.get(compare_url(article), {"from": bad}).status_code == 404
    assert editor_client.get(compare_url(article), {"to": bad}).status_code == 404


def test_history_pages_are_for_staff_only(client):
    article = DraftArticleFactory()
    for url in (versions_url(article), compare_url(article), share_url(article)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


# 6. Restore


def test_restoring_a_draft_brings_back_the_old_content_as_a_new_version(editor_client, editor):
    leila, reza = AuthorFactory(name="Leila Ahmadi"), AuthorFactory(name="Reza Karimi")
    article = DraftArticleFactory(
        title="First headline", body="<p>First body.</p>", authors=[leila], tags=["Tehran"]
    )
    save_in_admin(editor_client, article)
    save_in_admin(
        editor_client,
        article,
        title="Second headline",
        body="<p>Second body.</p>",
        tags="Isfahan, Smog",
        **{"bylines-0-author": reza.pk},
    )
    first = versions_of(article)[-1]

    response = restore_in_admin(editor_client, article, first)

    assert response.status_code == 302
    assert response["Location"] == change_url(article)
    article.refresh_from_db()
    assert article.title == "First headline"
    assert article.body == "<p>First body.</p>"
    assert sorted(article.tags.names()) == ["Tehran"]
    assert article.byline_authors == [leila]
    assert article.status == Article.Status.DRAFT
    newest = versions_of(article)
    assert len(newest) == 3
    assert newest[0].revision.user == editor
    assert newest[0].revision.comment.startswith("Restored the version of ")
    assert newest[0].field_dict["title"] == "First headline"


def test_restoring_a_live_article_keeps_it_as_a_pending_change_until_approved(
    editor_client, client
):
    article = PublishedArticleFactory(title="First headline", body="<p>First body.</p>")
    save_in_admin(editor_client, article)
    save_in_admin(editor_client, article, title="Second headline", body="<p>Second body.</p>")
    first = versions_of(article)[-1]

    response = restore_in_admin(editor_client, article, first)

    edit = PendingEdit.objects.get(article=article)
    pending_url = reverse("admin:article_pending", args=[article.pk, edit.pk])
    assert response.status_code == 302
    assert response["Location"] == pending_url
    assert edit.state == PendingEdit.State.PENDING
    page = client.get(article.get_absolute_url())
    assert "Second headline" in text_of(page)
    assert "First headline" not in text_of(page)
    review = editor_client.get(pending_url)
    assert review.status_code == 200
    assert field_rows(review)["Headline"] == (
        "Second headline",
        "<del>Second</del> <ins>First</ins> headline",
    )

    approved = editor_client.post(pending_url, {"decision": "approve"})

    assert approved.status_code == 302
    article.refresh_from_db()
    assert (article.title, article.body) == ("First headline", "<p>First body.</p>")
    assert "First headline" in text_of(client.get(article.get_absolute_url()))


def publish_from_the_list(client, article):
    response = client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_now", "_selected_action": [article.pk]},
    )
    assert response.status_code == 302


def test_a_restore_after_a_publish_it_did_not_see_is_refused_and_the_publish_stays(
    editor_client, newsroom_user, client
):
    article = DraftArticleFactory(title="First headline")
    save_in_admin(editor_client, article)
    save_in_admin(editor_client, article, title="Second headline")
    first = versions_of(article)[-1]
    opened_at = open_versions(editor_client, article)
    publish_from_the_list(client_for(newsroom_user("babak")), article)

    response = restore_in_admin(editor_client, article, first, opened_at=opened_at)

    assert response.status_code == 302
    assert response["Location"] == versions_url(article)
    (message,) = messages_of(editor_client.get(versions_url(article)))
    assert message.startswith("babak saved this article at ")
    assert "your restore was refused" in message
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.title == "Second headline"
    assert article.events.filter(action="publish").count() == 1
    assert not PendingEdit.objects.exists()
    assert "Second headline" in text_of(client.get(article.get_absolute_url()))
    assert not versions_of(article)[0].revision.comment.startswith("Restored")


def test_a_restore_after_a_save_it_did_not_see_is_refused(editor_client, newsroom_user):
    article = DraftArticleFactory(title="First headline")
    save_in_admin(editor_client, article)
    save_in_admin(editor_client, article, title="Second headline")
    opened_at = open_versions(editor_client, article)
    save_in_admin(client_for(newsroom_user("babak")), article, title="Babak's headline")

    response = restore_in_admin(
        editor_client, article, versions_of(article)[-1], opened_at=opened_at
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "Babak's headline"


@pytest.mark.parametrize("posted", [{}, {"expected_version": ""}, {"expected_version": "x"}])
def test_a_restore_that_does_not_say_which_version_it_saw_is_refused(editor_client, posted):
    article = DraftArticleFactory(title="First headline")
    save_in_admin(editor_client, article)
    save_in_admin(editor_client, article, title="Second headline")

    response = editor_client.post(restore_url(article, versions_of(article)[-1]), posted)

    assert response.status_code == 302
    message = messages_of(editor_client.get(versions_url(article)))[-1]
    assert "did not say which version" in message
    article.refresh_from_db()
    assert article.title == "Second headline"


def test_a_restore_after_reopening_the_versions_of_a_published_article_is_kept_for_review(
    editor_client, newsroom_user
):
    article = DraftArticleFactory(title="First headline")
    save_in_admin(editor_client, article)
    save_in_admin(editor_client, article, title="Second headline")
    publish_from_the_list(client_for(newsroom_user("babak")), article)

    response = restore_in_admin(editor_client, article, versions_of(article)[-1])

    assert response.status_code == 302
    edit = PendingEdit.objects.get(article=article)
    assert edit.data["title"] == "First headline"
    article.refresh_from_db()
    assert (article.status, article.title) == (Article.Status.PUBLISHED, "Second headline")


def delete_in_admin(client, obj):
    """Delete ``obj`` on its admin delete page, confirming, as a superuser would."""
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 302, response.status_code
    assert not type(obj).objects.filter(pk=obj.pk).exists()


def test_restoring_a_version_whose_picture_was_deleted_restores_the_rest_and_says_so(
    editor_client, admin_client
):
    old_picture, new_picture = ImageFactory(), ImageFactory()
    article = DraftArticleFactory(title="First headline", image=old_picture)
    save_in_admin(editor_client, article)
    save_in_admin(editor_client, article, title="Second headline", image=new_picture.pk)
    delete_in_admin(admin_client, old_picture)

    response = restore_in_admin(editor_client, article, versions_of(article)[-1])

    assert response.status_code == 302
    assert response["Location"] == change_url(article)
    shown = messages_of(editor_client.get(change_url(article)))
    assert "The old version was restored." in shown
    assert any("featured picture was deleted" in message for message in shown)
    article.refresh_from_db()
    assert (article.title, article.image) == ("First headline", new_picture)


@pytest.mark.parametrize("kept", [True, False])
def test_restoring_a_version_whose_author_was_deleted_restores_the_rest_and_says_so(
    editor_client, admin_client, kept
):
    leila, reza = AuthorFactory(name="Leila Ahmadi"), AuthorFactory(name="Reza Karimi")
    article = DraftArticleFactory(
        title="First headline", authors=[leila, reza] if kept else [leila]
    )
    save_in_admin(editor_client, article)
    data = posted_fields(editor_client.get(change_url(article)))
    data["title"] = "Second headline"
    if kept:
        data["bylines-0-DELETE"] = "on"
    else:
        data["bylines-0-author"] = reza.pk
    assert editor_client.post(change_url(article), data).status_code == 302
    delete_in_admin(admin_client, leila)

    response = restore_in_admin(editor_client, article, versions_of(article)[-1])

    assert response.status_code == 302
    shown = messages_of(editor_client.get(change_url(article)))
    assert any("deleted since" in message for message in shown)
    article.refresh_from_db()
    assert article.title == "First headline"
    assert article.byline_authors == [reza]


def test_restoring_a_version_whose_section_was_deleted_keeps_the_current_section(
    editor_client, admin_client
):
    old_section, new_section = SectionFactory(), SectionFactory()
    article = DraftArticleFactory(title="First headline", section=old_section)
    save_in_admin(editor_client, article)
    save_in_admin(editor_client, article, title="Second headline", section=new_section.pk)
    delete_in_admin(admin_client, old_section)

    response = restore_in_admin(editor_client, article, versions_of(article)[-1])

    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.title, article.section) == ("First headline", new_section)


def test_restoring_a_live_version_whose_picture_was_deleted_can_be_approved(
    editor_client, admin_client, client
):
    old_picture, new_picture = ImageFactory(), ImageFactory()
    article = PublishedArticleFactory(title="First headline", image=old_picture)
    save_in_admin(editor_client, article)
    save_in_admin(editor_client, article, title="Second headline", image=new_picture.pk)
    delete_in_admin(admin_client, old_picture)

    response = restore_in_admin(editor_client, article, versions_of(article)[-1])

    edit = PendingEdit.objects.get(article=article)
    assert response["Location"] == reverse("admin:article_pending", args=[article.pk, edit.pk])
    approved = editor_client.post(response["Location"], {"decision": "approve"})
    assert approved.status_code == 302
    article.refresh_from_db()
    assert (article.title, article.image) == ("First headline", new_picture)
    assert client.get(article.get_absolute_url()).status_code == 200


def test_get_on_restore_changes_nothing(editor_client):
    article = DraftArticleFactory(title="First headline")
    save_in_admin(editor_client, article)
    save_in_admin(editor_client, article, title="Second headline")
    first = versions_of(article)[-1]

    response = editor_client.get(restore_url(article, first))

    assert response.status_code == 302
    assert response["Location"] == versions_url(article)
    article.refresh_from_db()
    assert article.title == "Second headline"
    assert len(versions_of(article)) == 2
    assert not PendingEdit.objects.exists()


def test_restoring_a_version_of_another_article_answers_404(editor_client):
    article = DraftArticleFactory(title="Mine")
    other = DraftArticleFactory(title="Someone else's")
    save_in_admin(editor_client, article)
    save_in_admin(editor_client, other)

    response = restore_in_admin(editor_client, article, versions_of(other)[0])

    assert response.status_code == 404
    article.refresh_from_db()
    assert article.title == "Mine"


@pytest.mark.parametrize(
    ("factory", "status"),
    # A colleague's draft is hidden from her; a live article she may read, not restore.
    [(DraftArticleFactory, 404), (PublishedArticleFactory, 403)],
)
def test_a_writer_may_not_restore_another_writers_article(
    editor_client, newsroom_user, factory, status
):
    article = factory(title="First headline")
    save_in_admin(editor_client, article)
    save_in_admin(editor_client, article, title="Second headline")
    writer = client_for(newsroom_user("farid", "Writers"))

    response = restore_in_admin(
        writer, article, versions_of(article)[-1], opened_at=article.version
    )

    assert response.status_code == status
    article.refresh_from_db()
    assert article.title == "Second headline"
    assert len(versions_of(article)) == 2


def test_restoring_a_version_whose_slug_is_now_taken_does_not_crash(editor_client):
    article = DraftArticleFactory(title="Old title", slug="old-slug")
    save_in_admin(editor_client, article)
    save_in_admin(editor_client, article, slug="new-slug")
    DraftArticleFactory(slug="old-slug")
    first = versions_of(article)[-1]

    response = restore_in_admin(editor_client, article, first)

    assert response.status_code in (200, 302)
    assert Article.objects.filter(slug="old-slug").count() == 1


# 7. No lost edits


def test_a_stale_save_is_refused_naming_who_saved_and_keeping_the_text(editor, newsroom_user):
    article = DraftArticleFactory(title="Original title", body="<p>Original body.</p>")
    first, second = client_for(editor), client_for(newsroom_user("babak"))
    first_form, first_data = open_change_form(first, article)
    second_form, second_data = open_change_form(second, article)
    opened_at = second_form.context["adminform"].form["expected_version"].value()
    assert first_form.context["adminform"].form["expected_version"].value() == opened_at
    assert second_data["expected_version"] == str(opened_at)

    saved = first.post(change_url(article), {**first_data, "title": "Amina's title"})
    assert saved.status_code == 302, form_errors(saved)
    second_data.update(title="Babak's title", body="<p>Babak's long rewrite.</p>")
    refused = second.post(change_url(article), second_data)

    assert refused.status_code == 200
    form = refused.context["adminform"].form
    (error,) = form.non_field_errors()
    article.refresh_from_db()
    when = date_format(timezone.localtime(article.updated_at), "DATETIME_FORMAT")
    assert error.startswith(f"editor saved this article at {when}, after you opened it")
    assert "editor saved this article" in text_of(refused)
    assert form["title"].value() == "Babak's title"
    assert form["body"].value() == "<p>Babak's long rewrite.</p>"
    assert article.title == "Amina's title"
    assert article.body == "<p>Original body.</p>"
    assert [v.revision.user for v in versions_of(article)] == [editor]


def test_a_save_based_on_the_current_version_goes_through_after_a_reload(editor, newsroom_user):
    article = DraftArticleFactory(title="Original title")
    babak = client_for(newsroom_user("babak"))
    _, stale = open_change_form(babak, article)
    save_in_admin(client_for(editor), article, title="Amina's title")
    assert babak.post(change_url(article), {**stale, "title": "x"}).status_code == 200

    save_in_admin(babak, article, title="Babak's title, after reloading")

    article.refresh_from_db()
    assert article.title == "Babak's title, after reloading"
    assert article.updated_by.username == "babak"


def test_saving_twice_in_a_row_with_continue_editing_is_not_refused(editor_client):
    article = DraftArticleFactory()
    save_in_admin(editor_client, article, title="First pass", _continue="1")
    save_in_admin(editor_client, article, title="Second pass", _continue="1")

    article.refresh_from_db()
    assert article.title == "Second pass"


@pytest.mark.parametrize("factory", [DraftArticleFactory, PublishedArticleFactory])
@pytest.mark.parametrize("version", [None, "", "  "])
def test_a_save_without_the_version_it_was_based_on_is_refused(
    editor_client, newsroom_user, factory, version
):
    article = factory(title="Original title")
    _, data = open_change_form(editor_client, article)
    del data["expected_version"]
    if version is not None:
        data["expected_version"] = version
    babak = client_for(newsroom_user("babak"))
    save_in_admin(babak, article, title="Babak's title")

    refused = editor_client.post(change_url(article), {**data, "title": "Amina's title"})

    assert refused.status_code == 200
    form = refused.context["adminform"].form
    assert "did not say which version" in str(form.non_field_errors())
    assert form["title"].value() == "Amina's title"
    article.refresh_from_db()
    assert article.title == "Babak's title"
    assert not PendingEdit.objects.filter(proposed_by__username="editor").exists()


def test_a_save_without_the_version_is_refused_even_when_nobody_saved_since(editor_client):
    article = DraftArticleFactory(title="Original title")
    _, data = open_change_form(editor_client, article)
    del data["expected_version"]

    refused = editor_client.post(change_url(article), {**data, "title": "New title"})

    assert refused.status_code == 200
    article.refresh_from_db()
    assert article.title == "Original title"


def test_a_save_with_a_version_that_is_not_a_number_is_refused(editor_client):
    article = DraftArticleFactory(title="Original title")
    _, data = open_change_form(editor_client, article)

    refused = editor_client.post(
        change_url(article), {**data, "expected_version": "abc", "title": "New title"}
    )

    assert refused.status_code == 200
    article.refresh_from_db()
    assert article.title == "Original title"


def test_a_stale_save_of_a_live_article_is_refused_too(editor, newsroom_user):
    article = PublishedArticleFactory(title="Live title")
    babak = client_for(newsroom_user("babak"))
    _, stale = open_change_form(babak, article)
    save_in_admin(client_for(editor), article, title="Amina's live title")

    refused = babak.post(change_url(article), {**stale, "title": "Babak's live title"})

    assert refused.status_code == 200
    assert "editor saved this article" in str(refused.context["adminform"].form.non_field_errors())
    article.refresh_from_db()
    assert article.title == "Amina's live title"


# Share links


def create_share_link(editor_client, article, hours="24"):
    response = editor_client.post(share_url(article), {"hours": hours})
    assert response.status_code == 200
    return response


def test_editor_creates_a_share_link_a_reader_without_account_can_open(editor_client, client):
    article = DraftArticleFactory(title="Embargoed story")

    response = create_share_link(editor_client, article)

    link = response.context["link"]
    assert link.startswith("http://testserver/preview/")
    assert f'value="{link}"' in text_of(response)
    expires = response.context["expires"]
    assert timedelta(hours=23, minutes=59) < expires - timezone.now() <= timedelta(hours=24)
    shared = client.get(link)
    assert shared.status_code == 200
    html = text_of(shared)
    assert "Embargoed story" in html
    assert PREVIEW_BANNER in html
    assert NOINDEX_META in html
    for directive in ("no-cache", "no-store", "must-revalidate", "private"):
        assert directive in shared["Cache-Control"]
    assert shared["X-Robots-Tag"] == "noindex, nofollow"


def test_share_link_shows_the_article_as_saved_later(editor_client, client):
    article = DraftArticleFactory(title="First headline")
    link = create_share_link(editor_client, article).context["link"]
    save_in_admin(editor_client, article, title="Better headline")

    assert "Better headline" in text_of(client.get(link))


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_share_link_with_a_changed_character_answers_404(editor_client, client, where):
    link = create_share_link(editor_client, DraftArticleFactory()).context["link"]
    assert client.get(link).status_code == 200
    start = len("http://testserver/preview/")
    token = link[start:-1]
    index = start + {"first": 0, "middle": len(token) // 2, "last": len(token) - 1}[where]
    changed = "A" if link[index] != "A" else "B"
    tampered = link[:index] + changed + link[index + 1 :]

    assert client.get(tampered).status_code == 404


def test_a_share_link_for_one_article_does_not_open_another(editor_client, client):
    shared = DraftArticleFactory(title="Shared draft")
    DraftArticleFactory(title="Secret draft")
    link = create_share_link(editor_client, shared).context["link"]

    html = text_of(client.get(link))

    assert "Shared draft" in html
    assert "Secret draft" not in html


def test_a_share_link_works_until_it_expires(editor_client, client, monkeypatch):
    article = DraftArticleFactory()
    link = create_share_link(editor_client, article, hours="24").context["link"]
    now = timezone.now()

    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(hours=23, minutes=59))
    assert client.get(link).status_code == 200
    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(hours=24, seconds=1))
    assert client.get(link).status_code == 404


def test_a_share_link_of_a_deleted_article_answers_404(editor_client, client):
    article = DraftArticleFactory()
    link = create_share_link(editor_client, article).context["link"]
    article.delete()
    assert client.get(link).status_code == 404


def test_a_writer_may_not_create_share_links(newsroom_user):
    writer = newsroom_user("farid", "Writers")
    article = DraftArticleFactory(created_by=writer)
    client = client_for(writer)

    assert client.get(share_url(article)).status_code == 403
    response = client.post(share_url(article), {"hours": "24"})
    assert response.status_code == 403
    assert b"/preview/" not in response.content


def publish_and_unpublish(client, article, *actions):
    for action in actions:
        response = client.post(
            reverse("admin:articles_article_changelist"),
            {"action": action, "_selected_action": [article.pk]},
        )
        assert response.status_code == 302


@pytest.mark.parametrize(
    "actions", [("publish_now",), ("publish_now", "unpublish")], ids=["live", "unpublished"]
)
def test_a_share_link_stops_working_once_the_article_is_published_and_does_not_come_back(
    editor_client, client, actions
):
    article = DraftArticleFactory(title="Embargoed story")
    link = create_share_link(editor_client, article).context["link"]
    assert client.get(link).status_code == 200

    publish_and_unpublish(editor_client, article, *actions)

    assert client.get(link).status_code == 404
    # A new link for the unpublished article works; the old one stays dead.
    if actions[-1] == "unpublish":
        fresh = create_share_link(editor_client, article).context["link"]
        assert client.get(fresh).status_code == 200
        assert client.get(link).status_code == 404


def test_a_share_link_does_not_open_an_article_published_without_the_workflow(
    editor_client, client
):
    article = DraftArticleFactory()
    link = create_share_link(editor_client, article).context["link"]
    Article.objects.filter(pk=article.pk).update(
        status=Article.Status.PUBLISHED, published_at=timezone.now()
    )

    assert client.get(link).status_code == 404


def test_a_scheduled_article_ends_its_share_links(editor_client, client):
    article = DraftArticleFactory()
    link = create_share_link(editor_client, article).context["link"]
    _, data = open_change_form(editor_client, article)
    later = timezone.localtime(timezone.now() + timedelta(days=1))
    data.update(
        published_at_0=later.strftime("%Y-%m-%d"),
        published_at_1=later.strftime("%H:%M:%S"),
        _transition="schedule",
    )
    assert editor_client.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    assert article.is_scheduled()

    assert client.get(link).status_code == 404


def test_an_editor_revokes_one_share_link_and_then_all_of_them(editor_client, client):
    article = DraftArticleFactory()
    first = create_share_link(editor_client, article).context["link"]
    second = create_share_link(editor_client, article).context["link"]
    page = editor_client.get(share_url(article))
    listed = re.findall(r'name="revoke" value="(\d+)"', text_of(page))
    assert len(listed) == 2
    assert first not in text_of(page)  # the list shows a prefix, never a whole token
    first_id = article.share_links.get(prefix=first.split("/")[-2][:6]).pk

    response = editor_client.post(share_url(article), {"revoke": str(first_id)})

    assert response.status_code == 302
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    editor_client.post(share_url(article), {"revoke": "all"})
    assert client.get(second).status_code == 404
    assert "None." in text_of(editor_client.get(share_url(article)))


def test_a_writer_may_not_revoke_share_links(editor_client, client, newsroom_user):
    writer = newsroom_user("farid", "Writers")
    article = PublishedArticleFactory(created_by=writer)
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
    link = create_share_link(editor_client, article).context["link"]

    response = client_for(writer).post(share_url(article), {"revoke": "all"})

    assert response.status_code == 403
    assert client.get(link).status_code == 200


def test_a_published_article_gets_no_share_link(editor_client):
    article = PublishedArticleFactory()

    response = create_share_link(editor_client, article)

    assert response.context["link"] is None
    assert not article.share_links.exists()


def test_the_database_keeps_no_share_token(editor_client):
    article = DraftArticleFactory()
    link = create_share_link(editor_client, article).context["link"]
    token = link.split("/")[-2]

    (stored,) = article.share_links.values()
    assert token not in json.dumps(stored, cls=DjangoJSONEncoder)
    assert stored["prefix"] == token[:6]


def test_the_share_preview_sends_no_referrer(editor_client, client):
    link = create_share_link(editor_client, DraftArticleFactory()).context["link"]
    assert client.get(link)["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("hours", ["0", "abc", "10000", "-5", "337", "", "1e3"])
def test_share_link_with_a_bad_lifetime_is_refused_with_a_message(editor_client, hours):
    response = create_share_link(editor_client, DraftArticleFactory(), hours=hours)

    assert response.context["link"] is None
    assert "/preview/" not in text_of(response)
    assert messages_of(response) == ["Choose between 1 hour and 14 days."]


@pytest.mark.parametrize("hours", ["1", "336"])
def test_share_link_lifetime_limits_are_accepted(editor_client, hours):
    response = create_share_link(editor_client, DraftArticleFactory(), hours=hours)

    assert response.context["link"] is not None
    assert messages_of(response) == []


def test_the_admins_history_page_of_an_article_lists_its_log(editor_client):
    """Django's history page (the change form's "History" button) pages the article's log
    entries through the article admin's paginator, which orders articles the newsroom's
    way: it must leave other lists alone (it answered 500)."""
    article = DraftArticleFactory(title="A story with a past")
    save_in_admin(editor_client, article, title="A story with a past, edited")
    url = reverse("admin:articles_article_history", args=[article.pk])
    response = editor_client.get(url)
    assert response.status_code == 200
    assert "Changed" in response.content.decode()
    # The article list, with and without a column chosen, still pages in the newsroom's way.
    listing = reverse("admin:articles_article_changelist")
    assert editor_client.get(listing).status_code == 200
    assert editor_client.get(listing, {"o": "1"}).status_code == 200
