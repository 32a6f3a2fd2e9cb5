"""The article form in a real browser keeps what is typed: leaving with unsaved changes
asks first, the text comes back with "Restore the text you were writing at …?", and a
second user opening an article in use is told who has it, and may take over."""

from playwright.sync_api import expect

from tests.browser.checks import axe_violations, format_violations
from tests.browser.conftest import BROWSER_DB, login

pytestmark = BROWSER_DB

ADD = "/admin/articles/article/add/"


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
