"""Pictures in the story from the library, in a real browser: the body editor's image
button opens the library picker (search, choose, alt text required, upload), a picture
dropped or pasted into the text is uploaded into the library and inserted, a progress line
shows until the worker has made its renditions, and axe finds nothing wrong on the way."""

import base64
import io
from unittest import mock

from django.core.management import call_command
from playwright.sync_api import expect

from images.models import Image
from tests.browser.checks import axe_violations, format_violations
from tests.browser.conftest import BROWSER_DB, login
from tests.factories import ImageFactory
from tests.images import picture_bytes

pytestmark = BROWSER_DB

BODY = ".ProseMirror[contenteditable=true]"


def run_worker():
    """The task worker runs what is waiting (the renditions), as ``db_worker --batch``."""
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        call_command(
            "db_worker", batch=True, reload=False, startup_delay=False, stdout=io.StringIO()
        )


def no_violations(page, name, part):
    """axe-core finds nothing wrong in ``part`` (a CSS selector) of the page: the picker and
    its progress line. The rest of the article form is the newsroom form's own test's."""
    found = axe_violations(page, context=part)
    assert not found, "axe-core found:\n" + format_violations({name: found})


def open_article_form(page, live_url):
    login(page, live_url, "editor", "editor", next_path="/admin/articles/article/add/")
    page.click(BODY)
    page.keyboard.type("The bazaar reopened on Saturday.")


def test_image_button_opens_the_library_picker_and_inserts_the_chosen_picture(
    demo_site, live_url, page, tmp_path
):
    ImageFactory(title="Grand Bazaar of Tabriz", alt="Carpets hanging in a vaulted bazaar")
    open_article_form(page, live_url)

    page.click("button[title='figure']")

    picker = page.get_by_role("dialog", name="Insert a picture")
    expect(picker).to_be_visible()
    expect(picker.get_by_label("Image URL")).to_have_count(0)  # no address box
    picker.get_by_label("Search the library").fill("tabriz")
    expect(picker.locator(".image-picker__choice")).to_have_count(1)
    no_violations(page, "picker", ".image-picker")
    picker.get_by_role("button", name="Grand Bazaar of Tabriz").click()
    alt = picker.get_by_label("Alt text (required): what the picture shows").first
    expect(alt).to_have_value("Carpets hanging in a vaulted bazaar")
    alt.fill("")
    picker.get_by_role("button", name="Insert this picture").click()
    expect(picker.get_by_role("alert")).to_contain_text("Write the alt text")
    alt.fill("Carpets in the Tabriz bazaar")
    picker.get_by_role("button", name="Insert this picture").click()

    expect(picker).to_be_hidden()
    inserted = page.locator(f"{BODY} img")
    expect(inserted).to_have_attribute("alt", "Carpets in the Tabriz bazaar")
    image = Image.objects.get(title="Grand Bazaar of Tabriz")
    expect(inserted).to_have_attribute("src", image.url)
    expect(page.locator(".image-picker-progress")).to_have_count(0)  # ready already

    # Uploading a new picture from the picker: in the library at once, sizes to follow.
    photo = tmp_path / "harbour.jpg"
    photo.write_bytes(picture_bytes(1600, 1000, seed=21))
    page.click(BODY)
    page.keyboard.press("End")
    page.click("button[title='figure']")
    expect(picker).to_be_visible()
    picker.get_by_label("Picture file").set_input_files(photo)
    picker.locator("#image-picker-upload-alt").fill("Fishing boats in Bandar Abbas")
    picker.get_by_role("button", name="Upload and insert").click()
    expect(page.locator(f"{BODY} img[alt='Fishing boats in Bandar Abbas']")).to_have_count(1)
    progress = page.locator(".image-picker-progress")
    expect(progress).to_contain_text("Making the sizes of")
    no_violations(page, "progress line", ".image-picker-progress")
    run_worker()
    expect(progress).to_contain_text("is ready in every size", timeout=20_000)


def test_a_picture_dropped_into_the_body_is_uploaded_to_the_library_and_inserted(
    demo_site, live_url, page
):
    open_article_form(page, live_url)
    data = base64.b64encode(picture_bytes(1200, 800, seed=31)).decode()
    before = Image.objects.count()

    transfer = page.evaluate_handle(
        """data => {
            const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], "market.jpg", {type: "image/jpeg"}));
            return transfer;
        }""",
        data,
    )
    page.locator(BODY).dispatch_event("drop", {"dataTransfer": transfer})

    picker = page.get_by_role("dialog", name="Insert a picture")
    expect(picker).to_be_visible()
    expect(picker).to_contain_text("The picture you dropped: market.jpg")
    upload_alt = picker.locator("#image-picker-upload-alt")
    expect(upload_alt).to_be_focused()
    picker.get_by_role("button", name="Upload and insert").click()  # without alt text
    expect(picker.get_by_role("alert")).to_contain_text("Write the alt text")
    upload_alt.fill("Saffron for sale in Mashhad")
    picker.get_by_role("button", name="Upload and insert").click()

    inserted = page.locator(f"{BODY} img[alt='Saffron for sale in Mashhad']")
    expect(inserted).to_have_count(1)
    assert Image.objects.count() == before + 1
    image = Image.objects.latest()
    assert image.alt == "Saffron for sale in Mashhad"
    assert not image.renditions_ready  # the upload did not wait for them
    expect(inserted).to_have_attribute("src", image.url)
    progress = page.locator(".image-picker-progress")
    expect(progress).to_contain_text("Making the sizes of")
    no_violations(page, "progress line after a drop", ".image-picker-progress")

    run_worker()

    expect(progress).to_contain_text("is ready in every size", timeout=20_000)
    image.refresh_from_db()
    assert image.renditions_ready


def test_a_pasted_picture_is_uploaded_to_the_library_too(demo_site, live_url, page):
    open_article_form(page, live_url)
    data = base64.b64encode(picture_bytes(640, 480, seed=41)).decode()

    page.evaluate(
        """data => {
            const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], "image.png", {type: "image/jpeg"}));
            const body = document.querySelector(".ProseMirror[contenteditable=true]");
            body.dispatchEvent(new ClipboardEvent("paste", {
                clipboardData: transfer, bubbles: true, cancelable: true,
            }));
        }""",
        data,
    )

    picker = page.get_by_role("dialog", name="Insert a picture")
    expect(picker).to_be_visible()
    picker.locator("#image-picker-upload-alt").fill("A tea house in Yazd")
    picker.get_by_role("button", name="Upload and insert").click()
    expect(page.locator(f"{BODY} img[alt='A tea house in Yazd']")).to_have_count(1)
    assert Image.objects.filter(alt="A tea house in Yazd").exists()
