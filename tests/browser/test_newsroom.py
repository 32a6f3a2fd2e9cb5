"""The newsroom in a real browser: a writer writes an article with a new picture and
submits it, an editor publishes it, and readers see it on the home page and in Recent
Posts."""

from playwright.sync_api import expect

from tests.browser.conftest import BROWSER_DB, login
from tests.images import picture_bytes

pytestmark = BROWSER_DB

HEADLINE = "Tehran opens a metro line to Imam Khomeini airport"


def choose(page, select_id, text):
    """Pick ``text`` in one of the admin's autocomplete (select2) boxes."""
    page.click(f"#{select_id} + .select2-container")
    page.fill(".select2-container--open .select2-search__field", text)
    page.locator(".select2-results__option", has_text=text).click()


def test_writer_submits_an_article_with_a_picture_and_an_editor_publishes_it(
    demo_site, live_url, new_page, tmp_path
):
    photo = tmp_path / "metro.jpg"
    photo.write_bytes(picture_bytes(960, 640, seed=7))

    writer = new_page()
    login(writer, live_url, "sara", "sara", next_path="/admin/articles/article/add/")
    writer.fill("#id_kicker", "Transport")
    writer.fill("#id_title", HEADLINE)
    writer.fill("#id_standfirst", "The line links the city centre with the airport.")
    # Filled from the headline once the headline field is left.
    expect(writer.locator("#id_slug")).to_have_value(
        "tehran-opens-a-metro-line-to-imam-khomeini-airport"
    )
    writer.click(".ProseMirror[contenteditable=true]")
    writer.keyboard.type("The new line opened on Monday, ten years after work began.")
    choose(writer, "id_section", "Society")
    writer.fill("#id_tags", "Metro, Tehran")
    # The featured picture: a new one, uploaded through the "+" beside the field.
    with writer.expect_popup() as popup:
        writer.click("#add_id_image")
    upload = popup.value
    upload.set_input_files("#id_file", photo)
    upload.fill("#id_alt", "A metro train waiting at an underground platform")
    upload.fill("#id_caption", "The first train at Shahed station.")
    upload.fill("#id_credit", "IFP photo")
    with upload.expect_event("close"):
        upload.click("input[name=_save]")
    expect(writer.locator("#id_image option:checked")).to_have_text(
        "A metro train waiting at an underground platform"
    )
    choose(writer, "id_bylines-0-author", "Sara Ahmadi")
    writer.get_by_role("button", name="Submit for review").click()
    submitted = f"“{HEADLINE}” was submitted for review."
    expect(writer.locator(".messagelist")).to_contain_text(submitted)

    editor = new_page()
    login(editor, live_url, "editor", "editor", next_path="/admin/articles/article/")
    editor.get_by_role("link", name=HEADLINE).click()
    expect(editor.locator(".workflow-state")).to_contain_text("In review")
    editor.get_by_role("button", name="Publish now").click()
    expect(editor.locator(".messagelist")).to_contain_text(f"“{HEADLINE}” was published at")

    reader = new_page()
    reader.goto(live_url + "/")
    story = reader.locator(".latest .card").first
    expect(story.locator(".card__headline")).to_have_text(HEADLINE)
    expect(story.locator(".byline")).to_have_text("By Sara Ahmadi")
    assert story.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
    reader.goto(f"{live_url}/{demo_site['lead'].slug}/")
    expect(reader.locator(".recent-posts__headline").first).to_have_text(HEADLINE)
    reader.locator(".recent-posts__headline").first.click()
    expect(reader.locator("h1")).to_have_text(HEADLINE)
    expect(reader.locator(".article__figure img")).to_have_attribute(
        "alt", "A metro train waiting at an underground platform"
    )
    expect(reader.locator(".article__body")).to_contain_text("ten years after work began")
