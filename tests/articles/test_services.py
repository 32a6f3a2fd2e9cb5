"""articles.services, the one module that writes articles: its functions called as the
admin, the importer and the history pages call them, the admin's one-UPDATE save, and a
check of the code that nothing else writes a status or a workflow event."""

import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from reversion.models import Version

from articles import services
from articles.models import Article, ContentGeneration, PendingEdit, WorkflowEvent
from tests.admin_forms import change_url, form_errors, open_change_form
from tests.conftest import client_for
from tests.factories import (
    AuthorFactory,
    DraftArticleFactory,
    PublishedArticleFactory,
    ReviewArticleFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db

Status = Article.Status


def versions_of(article):
    return list(Version.objects.get_for_object(article))


def article_updates(queries):
    return [q["sql"] for q in queries if re.match(r'UPDATE "articles_article"\s', q["sql"])]


def generation():
    row = ContentGeneration.objects.filter(pk=1).first()
    return row.number if row else 0


# The rule held by reading the code: nothing but the service writes a status or an event.

WRITES = re.compile(
    r"\b\w+\.status\s*=(?!=)"
    r"|WorkflowEvent\.objects\.\w*create"
    r"|\bWorkflowEvent\("
    r"|\brecord_version\("
)


def project_files():
    root = Path(settings.BASE_DIR)
    skipped = {".venv", "tests", "migrations", "node_modules", ".cache"}
    for path in sorted(root.rglob("*.py")):
        parts = set(path.relative_to(root).parts)
        if not parts & skipped and path != root / "articles" / "services.py":
            yield root, path


def test_nothing_outside_the_service_writes_a_status_an_event_or_a_version():
    found = []
    for root, path in project_files():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#")[0]
            if not WRITES.search(code):
                continue
            allowed = (
                code.lstrip().startswith(("class WorkflowEvent(", "def record_version("))
                # A standing page is no article: its status is the importer's to set.
                or "= Page.Status." in code
                # A line of SQL text that compares a status: a read's condition (the
                # reader's article page, the translation's address), not an assignment.
                or re.match(r'\s*f?"[^"]*\bstatus = %s', code) is not None
            )
            if not allowed:
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert found == []


def test_the_check_of_the_code_finds_a_status_written_elsewhere():
    assert WRITES.search("        article.status = Article.Status.PUBLISHED")
    assert WRITES.search("WorkflowEvent.objects.create(article=article)")
    assert WRITES.search("event = WorkflowEvent(article=article)")
    assert WRITES.search("workflow.record_version(article, None, 'x')")
    assert not WRITES.search("if article.status == Article.Status.PUBLISHED:")


# The admin's save: one UPDATE of the row, one version, one event, one new generation.


def test_save_and_publish_from_the_admin_writes_the_article_row_once(
    editor, django_capture_on_commit_callbacks
):
    article = DraftArticleFactory(title="Rial slides")
    client = client_for(editor)
    _, data = open_change_form(client, article)
    version, before = article.version, generation()

    with django_capture_on_commit_callbacks(execute=True):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                change_url(article),
                {**data, "title": "Rial slides again", "_transition": "publish"},
            )

    assert response.status_code == 302, form_errors(response)
    assert len(article_updates(queries.captured_queries)) == 1
    article.refresh_from_db()
    assert (article.status, article.title) == (Status.PUBLISHED, "Rial slides again")
    assert article.version == version + 1
    assert [e.action for e in WorkflowEvent.objects.filter(article=article)] == ["publish"]
    (newest, *_) = versions_of(article)
    assert newest.revision.comment == "Edited; Publish"
    assert generation() == before + 1


def test_a_save_without_a_step_writes_the_row_once_too(editor):
    # Whole seconds, as the admin's time field posts them back: the time is not moved.
    article = PublishedArticleFactory(published_at=timezone.now().replace(microsecond=0))
    client = client_for(editor)
    _, data = open_change_form(client, article)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(change_url(article), {**data, "title": "A better headline"})
    assert response.status_code == 302, form_errors(response)
    assert len(article_updates(queries.captured_queries)) == 1
    assert not WorkflowEvent.objects.filter(article=article).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two connections saving at once: PostgreSQL"
)
def test_a_save_committed_between_the_forms_check_and_the_lock_is_refused_with_the_text_kept(
    editor, newsroom_user, monkeypatch
):
    """The form checks the version without a lock; another editor's save commits before
    the service takes the row lock, which refuses this one; the admin shows that refusal
    as the form's own, the user's text kept."""
    article = DraftArticleFactory(title="Original title")
    babak = newsroom_user("babak")
    lock_for_save = services.lock_for_save
    calls = []

    def babaks_save():
        try:
            other = Article.objects.get(pk=article.pk)
            other.title = "Babak's title"
            other.updated_by = babak
            other.save()
        finally:
            connections.close_all()

    def another_save_first(stored, *args, **kwargs):
        if not calls:
            thread = threading.Thread(target=babaks_save)
            thread.start()
            thread.join()
        calls.append(stored.pk)
        return lock_for_save(stored, *args, **kwargs)

    monkeypatch.setattr(services, "lock_for_save", another_save_first)
    client = client_for(editor)
    _, data = open_change_form(client, article)
    refused = client.post(change_url(article), {**data, "title": "Editor's title"})

    assert refused.status_code == 200
    assert calls == [article.pk]  # the second look at the form refused it before the lock
    form = refused.context["adminform"].form
    (error,) = form.non_field_errors()
    assert error.startswith("babak saved this article at")
    assert form["title"].value() == "Editor's title"
    article.refresh_from_db()
    assert article.title == "Babak's title"


# article_save


def test_article_save_of_a_writers_live_article_keeps_only_the_changes_for_review(writer):
    author = AuthorFactory(user=writer)
    article = PublishedArticleFactory(title="Live title", authors=[author], tags=["Tehran"])
    article.refresh_from_db()
    version = article.version
    article.title = "A writer's better title"

    edit = services.article_save(
        article=article,
        user=writer,
        bylines=[author.pk],
        tags=["Tehran"],
        expected_version=version,
    )

    assert isinstance(edit, PendingEdit)
    assert edit.data == {"title": "A writer's better title"}
    assert edit.base_version == version
    article.refresh_from_db()
    assert (article.title, article.version) == ("Live title", version)
    assert not WorkflowEvent.objects.exists()


def test_article_save_refuses_a_stale_version_and_writes_nothing(editor):
    article = DraftArticleFactory(title="Original")
    article.refresh_from_db()
    stale = article.version - 1
    article.title = "Changed"
    with pytest.raises(ValidationError) as refused:
        services.article_save(article=article, user=editor, expected_version=stale)
    assert refused.value.code == "stale"
    with pytest.raises(ValidationError) as refused:
        services.article_save(article=article, user=editor, expected_version=None)
    assert refused.value.code == "no_version"
    assert Article.objects.get(pk=article.pk).title == "Original"
    assert versions_of(article) == []


def test_article_save_refuses_a_step_the_user_may_not_take(writer):
    author = AuthorFactory(user=writer)
    article = DraftArticleFactory(authors=[author])
    article.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.article_save(
            article=article,
            user=writer,
            transition="publish",
            expected_version=article.version,
        )
    assert Article.objects.get(pk=article.pk).status == Status.DRAFT
    assert not WorkflowEvent.objects.exists()


def test_article_save_of_a_new_article_records_its_creator_byline_tags_and_version(writer):
    first, second = AuthorFactory(), AuthorFactory()
    article = Article(title="New story", slug="new-story", section=SectionFactory())

    saved = services.article_save(
        article=article,
        user=writer,
        bylines=[second.pk, first.pk],
        tags=["Oil", "Tehran"],
        transition="submit",
    )

    saved.refresh_from_db()
    assert (saved.status, saved.created_by, saved.updated_by) == (Status.REVIEW, writer, writer)
    assert saved.byline_authors == [second, first]
    assert sorted(saved.tags.names()) == ["Oil", "Tehran"]
    (event,) = WorkflowEvent.objects.filter(article=saved)
    assert (event.action, event.from_status, event.to_status) == ("submit", "draft", "review")
    assert [v.revision.comment for v in versions_of(saved)] == ["Created; Submit for review"]


def test_article_save_records_a_moved_publication_time_as_a_reschedule(editor):
    article = PublishedArticleFactory()
    article.refresh_from_db()
    article.published_at = timezone.now() + timedelta(days=1)
    services.article_save(article=article, user=editor, expected_version=article.version)
    (event,) = WorkflowEvent.objects.filter(article=article)
    assert event.action == "reschedule"
    assert event.note.startswith("Publication time moved from ")
    assert Article.objects.scheduled().filter(pk=article.pk).exists()


# article_transition


def test_article_transition_acts_on_the_row_as_stored(editor):
    article = ReviewArticleFactory(title="Stored title")
    stale_copy = Article.objects.get(pk=article.pk)
    Article.objects.filter(pk=article.pk).update(title="Saved since")

    event = services.article_transition(article=stale_copy, user=editor, name="publish")

    article.refresh_from_db()
    assert (article.status, article.title) == (Status.PUBLISHED, "Saved since")
    assert (event.action, event.from_status, event.to_status) == ("publish", "review", "published")
    assert versions_of(article)[0].revision.comment == "Publish"


def test_article_transition_of_a_deleted_article_is_refused(editor):
    article = DraftArticleFactory()
    Article.objects.filter(pk=article.pk).delete()
    with pytest.raises(ValidationError, match="deleted meanwhile"):
        services.article_transition(article=article, user=editor, name="publish")


def test_article_transition_to_send_back_needs_a_note(editor):
    article = ReviewArticleFactory()
    with pytest.raises(ValidationError, match="Write a note"):
        services.article_transition(article=article, user=editor, name="send_back")
    assert Article.objects.get(pk=article.pk).status == Status.REVIEW


# article_import


def test_article_import_stores_the_sources_state_bylines_tags_event_and_version():
    first, second = AuthorFactory(), AuthorFactory()
    when = timezone.now().replace(microsecond=0) + timedelta(hours=3)
    article = Article(title="From WordPress", slug="from-wordpress", section=SectionFactory())

    services.article_import(
        article=article,
        status=Status.PUBLISHED,
        published_at=when,
        bylines=[first.pk, second.pk],
        tags=["Oil"],
        source="Imported from WordPress (post 7)",
    )

    article.refresh_from_db()
    assert (article.status, article.published_at) == (Status.PUBLISHED, when)
    assert article.is_scheduled()
    assert article.byline_authors == [first, second]
    assert list(article.tags.names()) == ["Oil"]
    (event,) = WorkflowEvent.objects.filter(article=article)
    assert (event.action, event.to_status, event.note) == (
        "import",
        "published",
        "Imported from WordPress (post 7).",
    )
    assert [v.revision.comment for v in versions_of(article)] == [
        "Imported from WordPress (post 7)"
    ]

    # Again (a newer export): the byline is replaced, no second import event.
    services.article_import(
        article=article,
        status=Status.DRAFT,
        published_at=None,
        bylines=[second.pk],
        tags=[],
        source="Imported from WordPress (post 7)",
    )
    article.refresh_from_db()
    assert (article.status, article.byline_authors) == (Status.DRAFT, [second])
    assert WorkflowEvent.objects.filter(article=article).count() == 1
    assert len(versions_of(article)) == 2


def test_article_import_without_an_event_records_only_the_version():
    article = Article(title="Demo", slug="demo", section=SectionFactory())
    services.article_import(
        article=article,
        status=Status.PUBLISHED,
        published_at=timezone.now(),
        bylines=[AuthorFactory().pk],
        tags=[],
        source="Created by the demo content",
        record_event=False,
    )
    assert not WorkflowEvent.objects.exists()
    assert versions_of(article)[0].revision.comment == "Created by the demo content"


# edit_decide and version_restore


def proposed_change(writer):
    author = AuthorFactory(user=writer)
    article = PublishedArticleFactory(title="Live title", authors=[author])
    article.refresh_from_db()
    article.title = "Proposed title"
    return services.article_save(
        article=article, user=writer, bylines=[author.pk], expected_version=article.version
    )


def test_edit_decide_is_for_editors_only(writer):
    edit = proposed_change(writer)
    with pytest.raises(PermissionDenied):
        services.edit_decide(edit=edit, user=writer, approve=True)
    edit.refresh_from_db()
    assert edit.state == PendingEdit.State.PENDING


def test_edit_decide_approval_applies_the_change_once(writer, editor):
    edit = proposed_change(writer)
    article = edit.article
    version = Article.objects.get(pk=article.pk).version

    with CaptureQueriesContext(connection) as queries:
        services.edit_decide(edit=edit, user=editor, approve=True, note="Fine.")

    assert len(article_updates(queries.captured_queries)) == 1
    article.refresh_from_db()
    assert (article.title, article.version, article.updated_by) == (
        "Proposed title",
        version + 1,
        editor,
    )
    edit.refresh_from_db()
    assert (edit.state, edit.decided_by, edit.note) == (
        PendingEdit.State.APPROVED,
        editor,
        "Fine.",
    )
    assert versions_of(article)[0].revision.comment == "Approved changes proposed by writer"
    with pytest.raises(ValidationError, match="already decided"):
        services.edit_decide(edit=edit, user=editor, approve=False)


def test_version_restore_brings_back_a_drafts_old_content(editor):
    article = DraftArticleFactory(title="First headline")
    article.refresh_from_db()
    services.article_save(article=article, user=editor, expected_version=article.version)
    (first,) = versions_of(article)
    article.refresh_from_db()
    article.title = "Second headline"
    services.article_save(article=article, user=editor, expected_version=article.version)
    article.refresh_from_db()

    restored, left_out = services.version_restore(
        article=article, version=first, user=editor, expected_version=article.version
    )

    assert (restored.title, left_out) == ("First headline", [])
    assert Article.objects.get(pk=article.pk).title == "First headline"
    with pytest.raises(ValidationError) as refused:
        services.version_restore(
            article=article, version=first, user=editor, expected_version=article.version
        )
    assert refused.value.code == "stale"
