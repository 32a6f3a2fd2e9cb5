"""The article form in a real browser keeps what is typed: leaving with unsaved changes
asks first, the text comes back with "Restore the text you were writing at …?", and a
second user opening an article in use is told who has it, and may take over."""

from pathlib import Path

import pytest
from playwright.sync_api import Error, expect

from tests.browser.checks import axe_violations, format_violations
from tests.browser.conftest import BROWSER_DB, login

pytestmark = BROWSER_DB

ADD = "/admin/articles/article/add/"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(autouse=True)
def _no_requests_after_the_test(new_page, browser):
    """The form tells the server when it is left (the lock released, the last text kept):
    each page is left, and those requests answered, before the test's tables are
    emptied."""
    yield
    for context in browser.contexts:
        for page in context.pages:
            sent = []
            page.on("request", lambda request, sent=sent: sent.append(request))
            page.on("dialog", _leave)  # the warning of a form with unsaved changes
            page.goto("about:blank")
            for request in sent:
                if "/lock/release/" in request.url or "/autosave/" in request.url:
                    request.response()


def _leave(dialog):
    try:
        dialog.accept()
    except Error:
        pass  # the test's own handler answered it


def no_axe_violations(page, name):
    found = axe_violations(page)
    assert not found, "axe-core found:\n" + format_violations({name: found})


def test_leaving_warns_and_the_typed_text_is_offered_back(demo_site, live_url, page):
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.accept()  # leave the page anyway

    page.on("dialog", answer)
    login(page, live_url, "sara", "sara", next_path=ADD)
    page.fill("#id_title", "A headline typed and never saved")
    page.click(".ProseMirror[contenteditable=true]")
    page.keyboard.type("A first paragraph that must not be lost.")
    page.goto(live_url + "/admin/")
    assert dialogs == ["beforeunload"]

    page.goto(live_url + ADD)
    notice = page.locator(".autosave-notice")
    expect(notice).to_contain_text("Restore the text you were writing at")
    no_axe_violations(page, "add form with the restore prompt")
    notice.get_by_role("link", name="Restore it").click()
    expect(page.locator("#id_title")).to_have_value("A headline typed and never saved")
    body = page.locator(".ProseMirror[contenteditable=true]")
    expect(body).to_contain_text("A first paragraph that must not be lost.")
    expect(page.locator(".autosave-restored")).to_contain_text("is back in the form below")


def test_saving_leaves_without_a_warning_and_forgets_the_typed_text(demo_site, live_url, page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    draft = demo_site["draft"]
    change = f"/admin/articles/article/{draft.pk}/change/"
    login(page, live_url, "sara", "sara", next_path=change)
    page.fill("#id_title", "A better headline for the draft")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_be_visible()
    assert dialogs == []
    page.goto(live_url + change)
    expect(page.locator("#id_title")).to_have_value("A better headline for the draft")
    expect(page.locator(".autosave-notice")).to_have_count(0)


def test_a_second_user_is_told_who_edits_and_may_take_over(demo_site, live_url, new_page):
    draft = demo_site["draft"]
    change = f"/admin/articles/article/{draft.pk}/change/"
    sara = new_page()
    login(sara, live_url, "sara", "sara", next_path=change)
    expect(sara.locator("#id_title")).to_be_editable()

    editor = new_page()
    login(editor, live_url, "editor", "editor", next_path=change)
    dialog = editor.get_by_role("dialog")
    expect(dialog).to_contain_text("sara has been editing this article since")
    expect(dialog).to_contain_text("Tehran time")
    no_axe_violations(editor, "change form locked by another user")

    dialog.get_by_role("button", name="Take over").click()
    expect(editor.get_by_role("dialog")).to_have_count(0)
    expect(editor.locator("#id_title")).to_be_editable()
    expect(editor.locator(".messagelist")).to_contain_text("You took over this article.")

    sara.reload()
    expect(sara.get_by_role("dialog")).to_contain_text(
        "editor has been editing this article since"
    )
    sara.get_by_role("link", name="Open read-only").click()
    expect(sara.locator("#id_title")).to_have_count(0)
    expect(sara.locator(".field-title")).to_contain_text(draft.title)


def test_the_body_is_a_writers_tool(demo_site, live_url, page):
    login(page, live_url, "sara", "sara", next_path=ADD)
    expect(page.locator("#id_title")).to_be_focused()
    body = page.locator(".ProseMirror[contenteditable=true]")
    expect(body).to_have_attribute("spellcheck", "true")
    assert body.bounding_box()["height"] >= 300
    body.click()
    page.keyboard.type("Three short words")
    expect(page.locator(".body-counts")).to_have_text("3 words, 17 characters")
    expect(page.locator("#bylines-group")).to_contain_text("Sara Ahmadi")


def test_ctrl_s_saves_and_keeps_the_form_open(demo_site, live_url, page):
    draft = demo_site["draft"]
    change = f"/admin/articles/article/{draft.pk}/change/"
    login(page, live_url, "sara", "sara", next_path=change)
    page.fill("#id_title", "Saved with the keyboard")
    page.keyboard.press("Control+s")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(page.locator("#id_title")).to_have_value("Saved with the keyboard")
    assert page.url.endswith(change)


def test_the_schedule_button_says_when_in_newsroom_time(demo_site, live_url, page):
    draft = demo_site["draft"]
    login(page, live_url, "editor", "editor", f"/admin/articles/article/{draft.pk}/change/")
    expect(page.locator(".workflow-actions")).to_contain_text("in Tehran time (it is")
    page.fill("#id_published_at_0", "2099-11-29")
    page.fill("#id_published_at_1", "18:05:00")
    page.get_by_role("button", name="Schedule", exact=True).click()
    message = f"“{draft.title}” was scheduled for 29 Nov 18:05 Tehran time."
    expect(page.locator(".messagelist")).to_contain_text(message)
    expect(page.locator(".workflow-state")).to_contain_text("Scheduled for")
    no_axe_violations(page, "change form of a scheduled article")


def test_a_writers_change_to_her_live_article_goes_through_one_review(
    demo_site, live_url, new_page
):
    from django.contrib.auth import get_user_model

    from articles.models import Article

    live = demo_site["rich"]
    Article.objects.filter(pk=live.pk).update(
        created_by=get_user_model().objects.get(username="sara")
    )
    change = f"/admin/articles/article/{live.pk}/change/"
    writer = new_page()
    login(writer, live_url, "sara", "sara", next_path=change)
    expect(writer.locator(".workflow-review-note")).to_contain_text("kept for an editor's review")
    writer.fill("#id_title", "What the new budget means for Tehran and Isfahan")
    writer.locator("input[name=_continue]").click()
    expect(writer.locator(".messagelist")).to_contain_text("kept for an editor's review")
    expect(writer.locator("#id_title")).to_have_value(
        "What the new budget means for Tehran and Isfahan"
    )
    writer.fill("#id_standfirst", "Six numbers that explain the plan.")
    writer.locator("input[name=_continue]").click()
    expect(writer.locator(".workflow-pending")).to_have_count(1)

    editor = new_page()
    login(editor, live_url, "editor", "editor")
    expect(editor.locator("#newsroom")).to_contain_text("Changes to “What the new budget")
    editor.locator("#newsroom a", has_text="Changes to").click()
    expect(editor.locator(".diff-fields tbody tr")).to_have_count(2)
    no_axe_violations(editor, "pending change")
    editor.get_by_role("button", name="Approve and publish the changes").click()
    expect(editor.locator(".messagelist")).to_contain_text("The changes are live.")
    reader = new_page()
    reader.goto(f"{live_url}/{live.slug}/")
    expect(reader.locator("h1")).to_have_text("What the new budget means for Tehran and Isfahan")


def test_a_sent_back_draft_on_the_start_page_and_atop_the_form(demo_site, live_url, page):
    """Also saves the README's screenshots of the start page and the article form."""
    from django.contrib.auth import get_user_model

    from articles import services

    users = get_user_model().objects
    draft = demo_site["draft"]
    services.article_transition(article=draft, user=users.get(username="sara"), name="submit")
    note = "Please add the minister's full name and a second source."
    services.article_transition(
        article=draft, user=users.get(username="editor"), name="send_back", note=note
    )
    login(page, live_url, "sara", "sara")
    sent_back = page.locator(".newsroom-dashboard__sent-back")
    expect(sent_back).to_contain_text(draft.title)
    expect(sent_back).to_contain_text(note)
    no_axe_violations(page, "start page")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "admin-start-desktop.png", full_page=True)

    sent_back.get_by_role("link", name=draft.title).click()
    expect(page.locator(".workflow-sent-back")).to_contain_text(note)
    page.locator(".ProseMirror[contenteditable=true]").click()
    page.keyboard.press("End")
    page.keyboard.type(" The minister, Abbas Araghchi, confirmed it.")
    page.locator("#id_title").focus()
    page.screenshot(path=SCREENSHOTS / "admin-article-form-desktop.png", full_page=True)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("was submitted for review.")
    expect(page.locator(".workflow-sent-back")).to_have_count(0)
