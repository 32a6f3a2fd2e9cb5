"""The editorial workflow, driven through the real admin URLs by users in the real role
groups (Writers, Editors) that the data migration creates, and by a superuser."""

import re
from datetime import timedelta
from html import unescape
from zoneinfo import ZoneInfo

import django.utils.timezone
import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles import workflow
from articles.models import Article, PendingEdit, WorkflowEvent
from tests.admin_forms import add_form_data, change_form_data
from tests.factories import (
    AuthorFactory,
    DraftArticleFactory,
    PublishedArticleFactory,
    ReviewArticleFactory,
    ScheduledArticleFactory,
    SectionFactory,
    UnpublishedArticleFactory,
)

Status = Article.Status

# The states of the newsroom, each with the factory that makes an article in it.
STATE_FACTORIES = {
    "draft": DraftArticleFactory,
    "review": ReviewArticleFactory,
    "live": PublishedArticleFactory,
    "scheduled": ScheduledArticleFactory,
    "unpublished": UnpublishedArticleFactory,
}
STATUS_OF = {
    "draft": Status.DRAFT,
    "review": Status.REVIEW,
    "live": Status.PUBLISHED,
    "scheduled": Status.PUBLISHED,
    "unpublished": Status.UNPUBLISHED,
}

# The rules the tests hold the app to, written out independently of articles.workflow.
SOURCES = {
    "submit": {"draft"},
    "publish": {"draft", "review", "unpublished", "scheduled"},
    "schedule": {"draft", "review", "unpublished"},
    "unpublish": {"live", "scheduled"},
    "send_back": {"review", "unpublished"},
}
TARGETS = {
    "submit": Status.REVIEW,
    "publish": Status.PUBLISHED,
    "schedule": Status.PUBLISHED,
    "unpublish": Status.UNPUBLISHED,
    "send_back": Status.DRAFT,
}
# For each transition: the states it starts from, and states it must not start from.
MATRIX_STATES = {
    "submit": ("draft", "review", "live"),
    "publish": ("draft", "review", "unpublished", "scheduled", "live"),
    "unpublish": ("live", "scheduled", "draft"),
    "send_back": ("review", "unpublished", "draft"),
}
ROLES = ("writer", "editor", "superuser")
ROLE_FIXTURES = {"writer": "writer", "editor": "editor", "superuser": "admin_user"}
# A new article's fields, as a writer types them into the add form.
NEW_STORY = {
    "title": "Rial slides again",
    "slug": "rial-slides-again",
    "body": "<p>The currency fell again.</p>",
}
NOTE = "Needs a second source for the minister's quote."


def may(role, whose, transition, state):
    """Whether ``role`` may move an article (its own or another writer's) in ``state``."""
    if state not in SOURCES[transition]:
        return False
    if role == "writer":
        return whose == "own" and transition == "submit"
    return True


def hidden(role, whose, state):
    """Whether the admin hides the article from ``role``: a colleague's article that is
    not live (``ArticleQuerySet.visible_to``); its change page sends a writer back to
    the admin's start page, as for an article that does not exist."""
    return role == "writer" and whose == "other" and state != "live"


# Users in the real groups: writer, other_writer and editor (tests/conftest.py).


@pytest.fixture
def reader():
    """A visitor without an account."""
    return Client()


# Helpers: URLs, the change form as the browser posts it, what a page shows.


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def changelist_url():
    return reverse("admin:articles_article_changelist")


def pending_url(edit):
    return reverse("admin:article_pending", args=[edit.article_id, edit.pk])


def split_time(value):
    """A datetime as the admin's split date and time inputs show it, in newsroom time."""
    if value is None:
        return "", ""
    local = timezone.localtime(value)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")


def post_transition(client, article, transition, **overrides):
    return client.post(
        change_url(article), change_form_data(article, _transition=transition, **overrides)
    )


def form_errors(response):
    return response.context["adminform"].form.errors


def transition_buttons(response):
    return set(re.findall(r'name="_transition" value="([a-z_]+)"', response.content.decode()))


def listed(response):
    return {obj.pk for obj in response.context["cl"].result_list}


def action_choices(response):
    return set(dict(response.context["action_form"].fields["action"].choices))


def run_action(client, action, articles, **kwargs):
    return client.post(
        changelist_url(),
        {"action": action, "_selected_action": [article.pk for article in articles], "index": 0},
        **kwargs,
    )


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def links_to(html, article):
    return f'href="{article.get_absolute_url()}"' in html


def recent_posts_widget(html):
    match = re.search(r'<section class="widget recent-posts".*?</section>', html, re.DOTALL)
    assert match, "the page has no Recent Posts widget"
    return match.group(0)


def dashboard_section(html, section_id):
    match = re.search(rf'<section aria-labelledby="{section_id}">(.*?)</section>', html, re.DOTALL)
    assert match, f"the admin index has no {section_id} section"
    return match.group(1)


def timeline_rows(html):
    """The Timeline table on the change page: (who, from, to, note) per event, as shown."""
    match = re.search(r'<section class="module workflow-timeline".*?</section>', html, re.DOTALL)
    assert match, "the change page has no Timeline"
    rows = re.findall(r"<tr><td>(.*?)</td></tr>", match.group(0), re.DOTALL)
    return [tuple(unescape(cell) for cell in row.split("</td><td>")[1:]) for row in rows]


def events_of(article):
    return list(WorkflowEvent.objects.filter(article=article))


# 1. The role groups.


@pytest.mark.django_db
def test_role_groups_exist_after_migrations_with_the_expected_permissions():
    writers = set(Group.objects.get(name="Writers").permissions.values_list("codename", flat=True))
    editors = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    assert {"add_article", "change_article", "view_article"} <= writers
    assert "publish_article" not in writers
    assert "edit_any_article" not in writers
    assert {"publish_article", "edit_any_article", "change_pendingedit"} <= editors
    assert writers < editors


@pytest.mark.django_db
@pytest.mark.parametrize("group_name", ["Writers", "Editors"])
def test_role_groups_hold_exactly_the_permissions_of_role_permissions(group_name):
    group = Group.objects.get(name=group_name)
    held = {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }
    assert held == set(workflow.ROLE_PERMISSIONS[group_name])


@pytest.mark.django_db
def test_group_membership_alone_gives_the_role(writer, editor):
    assert not writer.has_perm("articles.publish_article")
    assert not writer.has_perm("articles.edit_any_article")
    assert writer.has_perm("articles.change_article")
    assert editor.has_perm("articles.publish_article")
    assert editor.has_perm("articles.edit_any_article")


# 2. The permission matrix: role × transition × whose article × source state.


def matrix_cases():
    for role in ROLES:
        for transition, states in MATRIX_STATES.items():
            for whose in ("own", "other"):
                for state in states:
                    yield pytest.param(
                        role, transition, whose, state, id=f"{role}-{transition}-{whose}-{state}"
                    )


def make_article(state, owner):
    return STATE_FACTORIES[state](created_by=owner)


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "transition", "whose", "state"), list(matrix_cases()))
def test_transition_matrix_through_the_change_form(
    request, client, other_writer, role, transition, whose, state
):
    user = request.getfixturevalue(ROLE_FIXTURES[role])
    article = make_article(state, user if whose == "own" else other_writer)
    client.force_login(user)
    note = NOTE if transition == "send_back" else ""

    response = post_transition(client, article, transition, workflow_note=note)

    article.refresh_from_db()
    if may(role, whose, transition, state):
        assert response.status_code == 302, form_errors(response)
        assert article.status == TARGETS[transition]
        (event,) = events_of(article)
        assert event.actor == user
        assert event.action == transition
        assert (event.from_status, event.to_status) == (STATUS_OF[state], TARGETS[transition])
        assert event.note == note
    else:
        assert response.status_code == (302 if hidden(role, whose, state) else 403)
        assert article.status == STATUS_OF[state]
        assert events_of(article) == []
        assert not PendingEdit.objects.filter(article=article).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("state", list(STATE_FACTORIES))
@pytest.mark.parametrize("whose", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
def test_change_page_offers_only_the_transitions_the_user_may_make(
    request, client, other_writer, role, whose, state
):
    user = request.getfixturevalue(ROLE_FIXTURES[role])
    article = make_article(state, user if whose == "own" else other_writer)
    client.force_login(user)

    response = client.get(change_url(article))

    if hidden(role, whose, state):
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:index")
        return
    assert response.status_code == 200
    expected = {name for name in SOURCES if may(role, whose, name, state)}
    assert transition_buttons(response) == expected


@pytest.mark.django_db
def test_add_page_offers_a_writer_only_submit(client, writer):
    client.force_login(writer)
    response = client.get(reverse("admin:articles_article_add"))
    assert response.status_code == 200
    assert transition_buttons(response) == {"submit"}


@pytest.mark.django_db
def test_writer_creates_a_draft_and_submits_it_from_the_add_form(client, writer):
    section, author = SectionFactory(), AuthorFactory()
    client.force_login(writer)
    data = add_form_data(
        section,
        [author],
        **NEW_STORY,
        _transition="submit",
    )

    response = client.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 302, form_errors(response)
    article = Article.objects.get(slug="rial-slides-again")
    assert article.created_by == writer
    assert article.status == Status.REVIEW
    (event,) = events_of(article)
    assert (event.actor, event.from_status, event.to_status) == (
        writer,
        Status.DRAFT,
        Status.REVIEW,
    )


@pytest.mark.django_db
def test_writer_cannot_publish_from_the_add_form(client, writer):
    section, author = SectionFactory(), AuthorFactory()
    client.force_login(writer)
    data = add_form_data(
        section,
        [author],
        **NEW_STORY,
        _transition="publish",
    )

    response = client.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 403
    assert not Article.objects.exists()
    assert not WorkflowEvent.objects.exists()


@pytest.mark.django_db
def test_writer_may_submit_a_draft_that_carries_their_byline(client, writer, editor):
    """Own also means: the writer's linked author is in the byline."""
    byline = AuthorFactory(user=writer)
    article = DraftArticleFactory(created_by=editor, authors=[byline])
    client.force_login(writer)

    response = post_transition(client, article, "submit")

    assert response.status_code == 302, form_errors(response)
    article.refresh_from_db()
    assert article.status == Status.REVIEW
    assert [event.actor for event in events_of(article)] == [writer]


# 3. Writers and other people's articles, their own articles in review, and their own
# live articles (pending changes).


@pytest.mark.django_db
@pytest.mark.parametrize("state", list(STATE_FACTORIES))
def test_writer_cannot_save_another_writers_article(client, writer, other_writer, state):
    article = STATE_FACTORIES[state](created_by=other_writer, title="Their headline")
    client.force_login(writer)

    response = client.post(change_url(article), change_form_data(article, title="Mine now"))

    assert response.status_code == (302 if hidden("writer", "other", state) else 403)
    article.refresh_from_db()
    assert article.title == "Their headline"
    assert not PendingEdit.objects.exists()


@pytest.mark.django_db
def test_writer_sees_another_writers_live_article_read_only(client, writer, other_writer):
    article = PublishedArticleFactory(created_by=other_writer, title="Their headline")
    client.force_login(writer)

    response = client.get(change_url(article))

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert 'name="title"' not in html
    assert 'name="_save"' not in html
    assert 'name="_continue"' not in html
    assert "Their headline" in html


# Writers see only their own unpublished articles; editors see every article.


def admin_pages(article):
    """Every admin page that shows one article, by name."""
    return {
        "change": change_url(article),
        "history": reverse("admin:articles_article_history", args=[article.pk]),
        "versions": reverse("admin:article_versions", args=[article.pk]),
        "compare": reverse("admin:article_compare", args=[article.pk]) + "?from=current",
        "share": reverse("admin:article_share", args=[article.pk]),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["draft", "review", "scheduled", "unpublished"])
@pytest.mark.parametrize("page", ["change", "history", "versions", "compare", "share"])
def test_writer_cannot_open_a_colleagues_unpublished_article_in_the_admin(
    client, writer, other_writer, state, page
):
    article = STATE_FACTORIES[state](created_by=other_writer, title="Their secret headline")
    client.force_login(writer)

    response = client.get(admin_pages(article)[page])

    assert response.status_code in (302, 404)
    assert "Their secret headline" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("byline", [False, True])
@pytest.mark.parametrize("state", ["draft", "review", "scheduled", "unpublished"])
@pytest.mark.parametrize("page", ["change", "versions", "compare"])
def test_writer_opens_her_own_unpublished_article_in_the_admin(
    client, writer, other_writer, state, page, byline
):
    if byline:
        # Filed by a colleague under her byline: hers as much as one she created.
        article = make_article(state, other_writer)
        author = AuthorFactory(user=writer)
        article.bylines.create(author=author, position=1)
    else:
        article = make_article(state, writer)
    client.force_login(writer)

    response = client.get(admin_pages(article)[page])

    assert response.status_code == 200


@pytest.mark.django_db
def test_writer_list_shows_live_articles_and_her_own_never_a_colleagues_unpublished(
    client, writer, other_writer
):
    own = {state: make_article(state, writer) for state in STATE_FACTORIES}
    theirs = {state: make_article(state, other_writer) for state in STATE_FACTORIES}
    client.force_login(writer)

    listed = set()
    for query in ("", "?q=Headline", "?status__exact=draft", "?state=review"):
        response = client.get(changelist_url() + query)
        assert response.status_code == 200
        listed |= {article.pk for article in response.context["cl"].result_list}

    assert listed == {article.pk for article in own.values()} | {theirs["live"].pk}


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["change", "versions", "compare", "share"])
def test_editor_opens_any_writers_draft_in_the_admin(client, editor, other_writer, page):
    article = make_article("draft", other_writer)
    client.force_login(editor)

    response = client.get(admin_pages(article)[page])

    assert response.status_code == 200


@pytest.mark.django_db
def test_editor_list_shows_every_article(client, editor, other_writer):
    articles = [make_article(state, other_writer) for state in STATE_FACTORIES]
    client.force_login(editor)

    response = client.get(changelist_url())

    assert {article.pk for article in response.context["cl"].result_list} == {
        article.pk for article in articles
    }


@pytest.mark.django_db
def test_writer_dashboard_shows_no_colleagues_scheduled_or_review_article(
    client, writer, other_writer
):
    for state in ("review", "scheduled", "draft"):
        STATE_FACTORIES[state](created_by=other_writer, title=f"Their {state} headline")
    client.force_login(writer)

    html = client.get(reverse("admin:index")).content.decode()

    for state in ("review", "scheduled", "draft"):
        assert f"Their {state} headline" not in html


@pytest.mark.django_db
def test_writer_cannot_edit_own_article_in_review(client, writer):
    article = ReviewArticleFactory(created_by=writer, title="Filed headline")
    client.force_login(writer)

    page = client.get(change_url(article))
    response = client.post(change_url(article), change_form_data(article, title="Rewritten"))

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.title == "Filed headline"
    assert article.status == Status.REVIEW


@pytest.mark.django_db
def test_writer_cannot_edit_own_unpublished_article(client, writer):
    article = UnpublishedArticleFactory(created_by=writer, title="Pulled headline")
    client.force_login(writer)

    response = client.post(change_url(article), change_form_data(article, title="Rewritten"))

    assert response.status_code == 403
    article.refresh_from_db()
    assert article.title == "Pulled headline"


@pytest.mark.django_db
def test_writer_edits_own_draft_directly(client, writer):
    article = DraftArticleFactory(created_by=writer, title="First go")
    client.force_login(writer)

    response = client.post(change_url(article), change_form_data(article, title="Second go"))

    assert response.status_code == 302, form_errors(response)
    article.refresh_from_db()
    assert article.title == "Second go"
    assert not PendingEdit.objects.exists()


@pytest.fixture
def live_story(writer):
    """A writer's live article with a known title, body, tags and byline."""
    return PublishedArticleFactory(
        created_by=writer,
        title="Old headline",
        body="<p>Old body text.</p>",
        authors=[AuthorFactory(name="Reza Ahmadi")],
        tags=["tehran"],
    )


def propose_change(client, writer, article):
    """The writer saves new title, body, tags and a second author on their live article."""
    client.force_login(writer)
    second = AuthorFactory(name="Maryam Hosseini")
    response = client.post(
        change_url(article),
        change_form_data(
            article,
            extra_authors=[second],
            title="New headline",
            body="<p>New body text.</p>",
            tags="tehran, isfahan",
        ),
    )
    assert response.status_code == 302, form_errors(response)
    return response


@pytest.mark.django_db
def test_writer_change_to_own_live_article_is_kept_pending(client, reader, writer, live_story):
    version_before = Article.objects.get(pk=live_story.pk).version
    client.force_login(writer)
    assert "kept for an editor's review" in client.get(change_url(live_story)).content.decode()

    response = propose_change(client, writer, live_story)

    assert response["Location"] == change_url(live_story)
    edit = PendingEdit.objects.get(article=live_story)
    assert edit.state == PendingEdit.State.PENDING
    assert edit.proposed_by == writer
    assert edit.data["title"] == "New headline"
    live_story.refresh_from_db()
    assert live_story.title == "Old headline"
    assert live_story.version == version_before
    assert sorted(live_story.tags.names()) == ["tehran"]
    assert [a.name for a in live_story.byline_authors] == ["Reza Ahmadi"]
    page = reader.get(live_story.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "Old headline" in html
    assert "Old body text." in html
    assert "New headline" not in html
    assert "Maryam Hosseini" not in html


@pytest.mark.django_db
def test_editor_approves_a_pending_change_and_it_goes_live(
    client, reader, writer, editor, live_story
):
    propose_change(client, writer, live_story)
    edit = PendingEdit.objects.get(article=live_story)
    versions_before = Version.objects.get_for_object(live_story).count()
    client.force_login(editor)

    response = client.post(pending_url(edit), {"decision": "approve", "note": "Good."})

    assert response.status_code == 302
    assert response["Location"] == change_url(live_story)
    edit.refresh_from_db()
    assert edit.state == PendingEdit.State.APPROVED
    assert edit.decided_by == editor
    page = reader.get(live_story.get_absolute_url())
    html = page.content.decode()
    assert "New headline" in html
    assert "New body text." in html
    assert "Old headline" not in html
    assert "Old body text." not in html
    assert reverse("articles:tag", kwargs={"slug": "isfahan"}) in html
    assert re.search(r'class="byline">By .*Reza Ahmadi.* and .*Maryam Hosseini', html)
    versions = Version.objects.get_for_object(live_story)
    assert versions.count() == versions_before + 1
    assert versions.first().field_dict["title"] == "New headline"


@pytest.mark.django_db
def test_editor_rejects_a_pending_change_and_the_live_article_stays(
    client, reader, writer, editor, live_story
):
    propose_change(client, writer, live_story)
    edit = PendingEdit.objects.get(article=live_story)
    client.force_login(editor)

    response = client.post(pending_url(edit), {"decision": "reject"})

    assert response.status_code == 302
    edit.refresh_from_db()
    assert edit.state == PendingEdit.State.REJECTED
    live_story.refresh_from_db()
    assert live_story.title == "Old headline"
    html = reader.get(live_story.get_absolute_url()).content.decode()
    assert "Old headline" in html
    assert "New headline" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_writer_cannot_decide_on_a_pending_change(client, writer, live_story, decision):
    propose_change(client, writer, live_story)
    edit = PendingEdit.objects.get(article=live_story)

    page = client.get(pending_url(edit))
    response = client.post(pending_url(edit), {"decision": decision})

    assert 'value="approve"' not in page.content.decode()
    assert response.status_code == 403
    edit.refresh_from_db()
    assert edit.state == PendingEdit.State.PENDING
    live_story.refresh_from_db()
    assert live_story.title == "Old headline"


@pytest.mark.django_db
def test_editor_edits_a_live_article_directly(client, reader, editor, live_story):
    client.force_login(editor)

    response = client.post(
        change_url(live_story), change_form_data(live_story, title="Corrected headline")
    )

    assert response.status_code == 302, form_errors(response)
    assert not PendingEdit.objects.exists()
    assert "Corrected headline" in reader.get(live_story.get_absolute_url()).content.decode()


# 4. Sending back needs a note.


@pytest.mark.django_db
@pytest.mark.parametrize("note", ["", "   \n "])
def test_send_back_without_a_note_is_refused_with_a_form_error(client, editor, note):
    article = ReviewArticleFactory(title="Filed headline")
    client.force_login(editor)

    response = post_transition(
        client, article, "send_back", workflow_note=note, title="Edited on the way"
    )

    assert response.status_code == 200
    assert "workflow_note" in form_errors(response)
    article.refresh_from_db()
    assert article.status == Status.REVIEW
    assert article.title == "Filed headline"
    assert events_of(article) == []


# 5. Bulk actions follow the same rules.


@pytest.mark.django_db
def test_writer_is_not_offered_the_publishing_actions(client, writer):
    DraftArticleFactory(created_by=writer)
    client.force_login(writer)

    choices = action_choices(client.get(changelist_url()))

    assert "submit_for_review" in choices
    assert not {"publish_now", "unpublish"} & choices


@pytest.mark.django_db
def test_editor_is_offered_the_publishing_actions(client, editor):
    DraftArticleFactory()
    client.force_login(editor)

    choices = action_choices(client.get(changelist_url()))

    assert {"submit_for_review", "publish_now", "unpublish"} <= choices


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "state"), [("publish_now", "draft"), ("unpublish", "live")])
def test_writer_posting_a_publishing_action_changes_nothing(client, writer, action, state):
    article = make_article(state, writer)
    client.force_login(writer)

    run_action(client, action, [article])

    article.refresh_from_db()
    assert article.status == STATUS_OF[state]
    assert events_of(article) == []


@pytest.mark.django_db
def test_writer_bulk_submit_submits_own_drafts_and_reports_others(client, writer, other_writer):
    own = DraftArticleFactory(created_by=writer, title="My draft")
    theirs = DraftArticleFactory(created_by=other_writer, title="Their draft")
    client.force_login(writer)

    response = run_action(client, "submit_for_review", [own, theirs], follow=True)

    own.refresh_from_db()
    theirs.refresh_from_db()
    assert own.status == Status.REVIEW
    assert theirs.status == Status.DRAFT
    assert [event.actor for event in events_of(own)] == [writer]
    assert events_of(theirs) == []
    messages = messages_of(response)
    assert "Submit for review: 1 article(s)." in messages
    # A colleague's draft is not on the writer's list, so not even named to her.
    assert not any("Their draft" in message for message in messages)


@pytest.mark.django_db
def test_editor_bulk_publish_publishes_the_eligible_and_reports_the_rest(client, editor):
    eligible = {
        state: make_article(state, None)
        for state in ("draft", "review", "unpublished", "scheduled")
    }
    live = PublishedArticleFactory(title="Already live")
    live_published_at = live.published_at
    client.force_login(editor)

    response = run_action(client, "publish_now", [*eligible.values(), live], follow=True)

    for state, article in eligible.items():
        article.refresh_from_db()
        assert article.status == Status.PUBLISHED
        assert article.is_published()
        (event,) = events_of(article)
        assert (event.actor, event.action) == (editor, "publish")
        assert (event.from_status, event.to_status) == (STATUS_OF[state], Status.PUBLISHED)
    live.refresh_from_db()
    assert live.published_at == live_published_at
    assert events_of(live) == []
    messages = messages_of(response)
    assert "Publish now: 4 article(s)." in messages
    assert [m for m in messages if m.startswith("Not done for “Already live”")]


@pytest.mark.django_db
def test_editor_bulk_unpublish_records_each_event(client, editor):
    live, draft = PublishedArticleFactory(), DraftArticleFactory()
    client.force_login(editor)

    run_action(client, "unpublish", [live, draft])

    live.refresh_from_db()
    draft.refresh_from_db()
    assert live.status == Status.UNPUBLISHED
    assert draft.status == Status.DRAFT
    (event,) = events_of(live)
    assert (event.actor, event.from_status, event.to_status) == (
        editor,
        Status.PUBLISHED,
        Status.UNPUBLISHED,
    )
    assert events_of(draft) == []


# 6. Scheduling at the boundary.


@pytest.fixture
def moment(settings):
    """A publication time three hours ahead, to the second, in newsroom time."""
    return (
        (timezone.now() + timedelta(hours=3))
        .astimezone(ZoneInfo(settings.NEWSROOM_TIME_ZONE))
        .replace(microsecond=0)
    )


def schedule(client, editor, article, moment):
    client.force_login(editor)
    response = post_transition(
        client,
        article,
        "schedule",
        published_at_0=moment.strftime("%Y-%m-%d"),
        published_at_1=moment.strftime("%H:%M:%S"),
    )
    assert response.status_code == 302, form_errors(response)
    article.refresh_from_db()


def freeze(monkeypatch, when):
    monkeypatch.setattr(django.utils.timezone, "now", lambda: when)


def visible_to_readers(reader, article, neighbour):
    """Where a reader finds ``article``: its page, the home page, and the Recent Posts
    widget beside another article."""
    page = reader.get(article.get_absolute_url()).status_code == 200
    home = links_to(reader.get(reverse("articles:home")).content.decode(), article)
    neighbour_page = reader.get(neighbour.get_absolute_url())
    assert neighbour_page.status_code == 200
    recent = links_to(recent_posts_widget(neighbour_page.content.decode()), article)
    return {"page": page, "home": home, "recent posts": recent}


HIDDEN = {"page": False, "home": False, "recent posts": False}
SHOWN = {"page": True, "home": True, "recent posts": True}


@pytest.mark.django_db
def test_editor_schedules_an_article_from_the_change_form(client, editor, moment):
    article = DraftArticleFactory()

    schedule(client, editor, article, moment)

    assert article.status == Status.PUBLISHED
    assert article.published_at == moment
    assert article.is_scheduled()
    (event,) = events_of(article)
    assert (event.actor, event.to_status, event.published_at) == (
        editor,
        Status.PUBLISHED,
        moment,
    )
    html = client.get(change_url(article)).content.decode()
    assert "State: <strong>Scheduled for" in html
    assert ">Publish now</button>" in html


@pytest.mark.django_db
def test_scheduled_article_is_hidden_from_readers_until_its_time(
    client, reader, editor, moment, monkeypatch
):
    neighbour = PublishedArticleFactory()
    article = DraftArticleFactory()
    schedule(client, editor, article, moment)

    assert visible_to_readers(reader, article, neighbour) == HIDDEN
    freeze(monkeypatch, moment - timedelta(seconds=1))
    assert visible_to_readers(reader, article, neighbour) == HIDDEN


@pytest.mark.django_db
@pytest.mark.parametrize("after", [timedelta(0), timedelta(seconds=1), timedelta(days=1)])
def test_scheduled_article_appears_at_its_time(client, reader, editor, moment, monkeypatch, after):
    neighbour = PublishedArticleFactory()
    article = DraftArticleFactory()
    schedule(client, editor, article, moment)

    freeze(monkeypatch, moment + after)

    assert visible_to_readers(reader, article, neighbour) == SHOWN


@pytest.mark.django_db
def test_editor_publishes_a_scheduled_article_now_from_the_change_form(client, reader, editor):
    article = ScheduledArticleFactory(published_at=timezone.now() + timedelta(days=1))
    client.force_login(editor)
    before = timezone.now().replace(microsecond=0)

    response = post_transition(client, article, "publish")

    assert response.status_code == 302, form_errors(response)
    article.refresh_from_db()
    assert before <= article.published_at <= timezone.now()
    assert reader.get(article.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_editor_publishes_a_scheduled_article_now_after_setting_the_time_to_now(
    client, reader, editor
):
    """The admin's "Now" shortcut fills in the current time before "Publish now"."""
    article = ScheduledArticleFactory(published_at=timezone.now() + timedelta(days=1))
    client.force_login(editor)
    date, time = split_time(timezone.now())

    response = post_transition(
        client, article, "publish", published_at_0=date, published_at_1=time
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.is_published()
    assert reader.get(article.get_absolute_url()).status_code == 200


# 7. The state filter.


@pytest.mark.django_db
def test_state_filter_lists_the_articles_in_each_state(client, editor, writer):
    articles = {state: factory() for state, factory in STATE_FACTORIES.items()}
    with_pending = PublishedArticleFactory()
    with_decided = PublishedArticleFactory()
    PendingEdit.objects.create(
        article=with_pending, proposed_by=writer, base_version=with_pending.version, data={}
    )
    PendingEdit.objects.create(
        article=with_pending, proposed_by=writer, base_version=with_pending.version, data={}
    )
    PendingEdit.objects.create(
        article=with_decided,
        proposed_by=writer,
        base_version=with_decided.version,
        data={},
        state=PendingEdit.State.APPROVED,
    )
    client.force_login(editor)
    expected = {
        "draft": {articles["draft"].pk},
        "review": {articles["review"].pk},
        "scheduled": {articles["scheduled"].pk},
        "live": {articles["live"].pk, with_pending.pk, with_decided.pk},
        "unpublished": {articles["unpublished"].pk},
        "pending": {with_pending.pk},
    }

    for state, pks in expected.items():
        response = client.get(changelist_url(), {"state": state})
        assert response.status_code == 200
        assert listed(response) == pks, state
        # One row per article, though it has two pending changes.
        assert len(response.context["cl"].result_list) == len(pks), state


# 8. The newsroom start page.


@pytest.mark.django_db
def test_admin_index_shows_the_editor_the_newsroom(client, writer, editor):
    DraftArticleFactory(created_by=editor, title="Editor draft")
    DraftArticleFactory(created_by=writer, title="Writer draft")
    ReviewArticleFactory(created_by=writer, title="Filed for review")
    live = PublishedArticleFactory(created_by=writer, title="Live with changes")
    PendingEdit.objects.create(
        article=live, proposed_by=writer, base_version=live.version, data={}
    )
    now = timezone.now()
    ScheduledArticleFactory(title="Out tomorrow", published_at=now + timedelta(days=1))
    ScheduledArticleFactory(title="Out in an hour", published_at=now + timedelta(hours=1))
    PublishedArticleFactory(title="Out this morning", published_at=now - timedelta(hours=3))
    client.force_login(editor)

    response = client.get(reverse("admin:index"))

    html = response.content.decode()
    assert response.status_code == 200
    drafts = dashboard_section(html, "nd-drafts")
    review = dashboard_section(html, "nd-review")
    scheduled = dashboard_section(html, "nd-scheduled")
    recent = dashboard_section(html, "nd-recent")
    assert "My drafts" in drafts
    assert "Editor draft" in drafts
    assert "Writer draft" not in drafts
    assert "Awaiting review" in review
    assert "Filed for review" in review
    assert "Changes to “Live with changes”" in review
    assert pending_url(live.pending_edits.get()) in review
    assert "Scheduled next" in scheduled
    assert scheduled.index("Out in an hour") < scheduled.index("Out tomorrow")
    assert "Recently published" in recent
    assert "Out this morning" in recent
    assert "Live with changes" in recent
    assert "Out in an hour" not in recent


@pytest.mark.django_db
def test_admin_index_shows_a_writer_only_their_own_items_awaiting_review(
    client, writer, other_writer
):
    DraftArticleFactory(created_by=writer, title="Writer draft")
    DraftArticleFactory(created_by=other_writer, title="Colleague draft")
    ReviewArticleFactory(created_by=writer, title="Writer filed")
    ReviewArticleFactory(created_by=other_writer, title="Colleague filed")
    live = PublishedArticleFactory(created_by=other_writer, title="Colleague live")
    PendingEdit.objects.create(
        article=live, proposed_by=other_writer, base_version=live.version, data={}
    )
    client.force_login(writer)

    html = client.get(reverse("admin:index")).content.decode()

    drafts = dashboard_section(html, "nd-drafts")
    review = dashboard_section(html, "nd-review")
    assert "Writer draft" in drafts
    assert "Colleague draft" not in drafts
    assert "Writer filed" in review
    assert "Colleague filed" not in review
    assert "Changes to" not in review


@pytest.mark.django_db
def test_admin_index_shows_a_writer_the_articles_under_their_byline(client, writer, editor):
    byline = AuthorFactory(user=writer)
    DraftArticleFactory(created_by=editor, authors=[byline], title="Assigned draft")
    ReviewArticleFactory(created_by=editor, authors=[byline], title="Assigned filed")
    client.force_login(writer)

    html = client.get(reverse("admin:index")).content.decode()

    assert "Assigned draft" in dashboard_section(html, "nd-drafts")
    assert "Assigned filed" in dashboard_section(html, "nd-review")


# 9. The timeline.


@pytest.mark.django_db
def test_change_page_timeline_lists_each_transition_with_its_actor(client, writer, editor):
    article = DraftArticleFactory(created_by=writer)
    client.force_login(writer)
    assert post_transition(client, article, "submit").status_code == 302
    client.force_login(editor)
    assert post_transition(client, article, "publish").status_code == 302
    assert post_transition(client, article, "unpublish").status_code == 302

    response = client.get(change_url(article))

    rows = timeline_rows(response.content.decode())
    assert [row[:3] for row in rows] == [
        ("editor", "Published", "Unpublished"),
        ("editor", "In review", "Published"),
        ("writer", "Draft", "In review"),
    ]


@pytest.mark.django_db
def test_change_page_timeline_shows_the_send_back_note(client, editor):
    article = ReviewArticleFactory()
    client.force_login(editor)
    assert post_transition(client, article, "send_back", workflow_note=NOTE).status_code == 302

    rows = timeline_rows(client.get(change_url(article)).content.decode())

    assert rows == [("editor", "In review", "Draft", NOTE)]


@pytest.mark.django_db
def test_a_byline_row_may_take_the_author_of_a_row_removed_in_the_same_save(admin_client):
    first, second = AuthorFactory(), AuthorFactory()
    article = PublishedArticleFactory(authors=[first, second])
    data = change_form_data(article)
    # Row 0 becomes the second author, whose own row 1 is removed.
    data.update({"bylines-0-author": second.pk, "bylines-1-DELETE": "on"})
    response = admin_client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
    assert response.status_code == 302
    assert article.byline_authors == [second]
