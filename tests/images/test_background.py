"""Renditions made outside the request: an upload is stored with one small preview and
answered at once, a task makes the renditions, pages serve the preview until then (never
the original, never a broken picture), and tasks waiting for a worker that was down are
made when it returns. Also the body editor's picker (search, upload, progress)."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from images import renditions
from images.models import Image
from images.tasks import make_renditions
from tests.factories import PublishedArticleFactory
from tests.images import picture_bytes
from tests.images.support import (
    add_data,
    add_url,
    change_data,
    change_url,
    form_errors,
    jpeg_upload,
    media_files,
    open_stored,
    parse,
    run_worker,
    storage_name,
    upload,
)

pytestmark = pytest.mark.django_db


def waiting_tasks():
    return DBTaskResult.objects.ready().count()


def page_picture_urls(tree):
    """Every picture address on a page: img sources and srcset candidates."""
    urls = tree.xpath("//main//img/@src")
    for srcset in tree.xpath("//main//@srcset"):
        urls += [candidate.split()[0] for candidate in srcset.split(",")]
    return urls


def post_picture(client, width=3000, height=2000, seed=1, **fields):
    response = client.post(add_url(), add_data(jpeg_upload(width, height, seed=seed), **fields))
    assert response.status_code == 302, form_errors(response)
    return Image.objects.latest()


# The upload's request


def test_upload_answers_with_a_preview_and_a_waiting_task_not_renditions(admin_client):
    image = post_picture(admin_client)

    assert not image.renditions_ready
    assert "specs" not in image.renditions
    (preview,) = renditions.files(image.renditions)
    assert media_files() == {image.file.name, preview}
    # Small whatever the original: its longest side at most PREVIEW_SIDE, same shape.
    assert open_stored(preview).size == (1280, 853)
    assert image.renditions["preview"] == [1280, 853]
    assert waiting_tasks() == 1


def test_a_small_picture_is_its_own_preview_size(admin_client):
    image = post_picture(admin_client, 400, 300)

    assert image.renditions["preview"] == [400, 300]
    assert open_stored(renditions.files(image.renditions)[0]).size == (400, 300)


def test_task_makes_every_rendition_and_removes_the_preview(admin_client):
    image = post_picture(admin_client)
    (preview,) = renditions.files(image.renditions)

    run_worker()

    image.refresh_from_db()
    assert image.renditions_ready
    assert set(image.renditions["specs"]) == {"lead", "card", "thumb", "full"}
    assert not default_storage.exists(preview)
    assert media_files() == set(image.stored_files)
    assert waiting_tasks() == 0


def test_running_the_task_again_changes_nothing(admin_client):
    image = post_picture(admin_client)
    run_worker()
    image.refresh_from_db()
    made = {name: default_storage.get_modified_time(name) for name in image.stored_files}

    assert make_renditions.call(image.pk) == "up to date"

    image.refresh_from_db()
    assert {name: default_storage.get_modified_time(name) for name in image.stored_files} == made


def test_task_for_a_deleted_picture_does_nothing(admin_client):
    image = post_picture(admin_client)
    pk = image.pk
    image.delete()

    assert make_renditions.call(pk) == "deleted"


def test_a_replaced_file_serves_its_own_preview_at_once_never_the_old_picture(
    admin_client, django_capture_on_commit_callbacks
):
    image = post_picture(admin_client, seed=1)
    run_worker()
    image.refresh_from_db()
    old_key = image.renditions["key"]

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            change_url(image), {**change_data(image), "file": jpeg_upload(800, 600, seed=2)}
        )
    assert response.status_code == 302, form_errors(response)

    image.refresh_from_db()
    assert image.renditions["key"] != old_key
    assert image.renditions["preview"] == [800, 600]
    run_worker()
    image.refresh_from_db()
    assert image.renditions_ready
    assert media_files() == set(image.stored_files)


def test_catch_up_when_the_worker_returns(admin_client):
    """The worker is down while three pictures are uploaded: their tasks wait in the
    database, and the worker makes every rendition when it returns."""
    images = [post_picture(admin_client, 600, 400, seed=seed) for seed in (1, 2, 3)]
    assert waiting_tasks() == 3

    run_worker()  # the worker is back

    assert waiting_tasks() == 0
    for image in images:
        image.refresh_from_db()
        assert image.renditions_ready
        assert all(default_storage.exists(name) for name in image.stored_files)


# Pages before and after


def test_pages_serve_the_preview_until_the_renditions_exist_then_a_picture(client, admin_client):
    image = post_picture(admin_client)
    article = PublishedArticleFactory(
        image=image,
        body=f'<p>First.</p><figure><img src="{image.url}" alt="In the text"></figure>',
    )

    before = parse(client.get(article.get_absolute_url()))

    assert not before.xpath("//main//picture")
    urls = page_picture_urls(before)
    assert urls  # the lead picture and the one in the text
    preview_url = default_storage.url(renditions.files(image.renditions)[0])
    assert set(urls) == {preview_url}  # never the original
    assert all(default_storage.exists(storage_name(url)) for url in urls)  # never broken
    lead = before.xpath('//figure[@class="article__figure"]//img')[0]
    assert (lead.get("width"), lead.get("height")) == ("1280", "853")
    assert before.xpath('//main//img[@alt="In the text"]')

    run_worker()

    after = parse(client.get(article.get_absolute_url()))
    assert len(after.xpath("//main//picture")) == 2
    urls = page_picture_urls(after)
    assert preview_url not in urls
    assert all(default_storage.exists(storage_name(url)) for url in urls)


def test_a_moved_focal_point_keeps_serving_the_old_crop_until_the_new_one_is_made(
    client, admin_client
):
    image = post_picture(admin_client)
    run_worker()
    image.refresh_from_db()
    article = PublishedArticleFactory(image=image)
    old_urls = set(page_picture_urls(parse(client.get(article.get_absolute_url()))))

    response = admin_client.post(change_url(image), change_data(image, focal_x="10"))
    assert response.status_code == 302, form_errors(response)

    served = set(page_picture_urls(parse(client.get(article.get_absolute_url()))))
    assert served == old_urls
    assert all(default_storage.exists(storage_name(url)) for url in served)
    run_worker()
    served = set(page_picture_urls(parse(client.get(article.get_absolute_url()))))
    assert served.isdisjoint(old_urls)
    assert all(default_storage.exists(storage_name(url)) for url in served)


# The body editor's picker


def picker_url(**query):
    url = reverse("admin:images_image_picker")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def picker_upload(client, data=None, **fields):
    return client.post(
        reverse("admin:images_image_picker_upload"),
        {"file": upload("street.jpg", data or picture_bytes(900, 600, seed=9)), **fields},
    )


def test_picker_upload_answers_at_once_and_the_progress_asks_until_ready(writer_client):
    response = picker_upload(writer_client, alt="A street market in Tabriz")

    assert response.status_code == 201
    answer = response.json()
    image = Image.objects.get()
    assert answer["id"] == image.pk
    assert answer["src"] == image.url  # the body keeps the library address
    assert answer["alt"] == "A street market in Tabriz"
    assert answer["ready"] is False
    assert waiting_tasks() == 1
    status = writer_client.get(answer["status"])
    assert status.json() == {"ready": False}

    run_worker()

    assert writer_client.get(answer["status"]).json() == {"ready": True}


def test_picker_upload_goes_through_the_libraries_sanitising(writer_client):
    from PIL import Image as PILImage

    from tests.images.test_uploads import exif_with_gps_and_orientation

    data = picture_bytes(300, 200, seed=6, exif=exif_with_gps_and_orientation(6))
    response = picker_upload(writer_client, data, alt="Tehran at dusk")

    assert response.status_code == 201
    image = Image.objects.get()
    stored = open_stored(image.file.name)
    assert stored.size == (200, 300)  # turned upright
    assert not stored.getexif()  # no GPS position, no camera
    assert isinstance(stored, PILImage.Image)


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"alt": ""}, "alt", "This field is required."),
        ({"alt": "   "}, "alt", "This field is required."),
    ],
)
def test_picker_upload_refuses_a_picture_without_alt_text(writer_client, fields, field, text):
    response = picker_upload(writer_client, **fields)

    assert response.status_code == 400
    assert response.json()["errors"][field][0]["message"] == text
    assert not Image.objects.exists()
    assert media_files() == set()


def test_picker_upload_refuses_a_file_that_is_not_a_picture(writer_client):
    response = writer_client.post(
        reverse("admin:images_image_picker_upload"),
        {"file": upload("notes.jpg", b"%PDF-1.4 not a picture"), "alt": "Notes"},
    )

    assert response.status_code == 400
    (message,) = response.json()["errors"]["file"]
    assert "JPEG, PNG, WebP, GIF, TIFF or AVIF" in message["message"]
    assert not Image.objects.exists()
    assert media_files() == set()


def test_picker_upload_without_a_file_is_a_clear_error(writer_client):
    response = writer_client.post(
        reverse("admin:images_image_picker_upload"), {"alt": "Something"}
    )

    assert response.status_code == 400
    assert response.json()["errors"]["file"][0]["message"] == "This field is required."


def test_picker_upload_of_a_picture_already_there_gives_that_one(writer_client):
    first = picker_upload(writer_client, alt="A street market in Tabriz").json()

    again = picker_upload(writer_client, alt="Another text")

    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert again.json()["existing"] is True
    assert Image.objects.count() == 1


def test_picker_upload_needs_the_permission_to_add_pictures(client, django_user_model):
    clerk = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(clerk)

    assert picker_upload(client, alt="x").status_code == 403
    assert client.get(picker_url()).status_code == 403
    assert not Image.objects.exists()


def test_picker_is_for_logged_in_staff_only(client):
    response = client.get(picker_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_picker_upload_only_takes_posts(writer_client):
    assert writer_client.get(reverse("admin:images_image_picker_upload")).status_code == 405


def test_picker_search_finds_by_the_admins_search_fields_newest_first(
    editor_client, django_assert_num_queries
):
    from tests.factories import ImageFactory

    older = ImageFactory(title="Bazaar of Tabriz", alt="Carpets on a wall")
    ImageFactory(title="Caspian shore", alt="Waves", credit="IRNA")
    newer = ImageFactory(title="Tabriz at night", alt="Lights of a city")

    # The session, the user, the user's and groups' permissions, then one query for the
    # pictures however many match.
    with django_assert_num_queries(5):
        found = editor_client.get(picker_url(q="tabriz")).json()

    assert [picture["id"] for picture in found["results"]] == [newer.pk, older.pk]
    assert found["can_upload"] is True
    first = found["results"][0]
    assert first["ready"] is True
    assert first["thumb"][1:] == [160, 160]
    assert len(editor_client.get(picker_url()).json()["results"]) == 3
    assert editor_client.get(picker_url(q="nothing-like-this")).json()["results"] == []


def test_renditions_status_of_an_unknown_picture_is_404(editor_client):
    assert (
        editor_client.get(reverse("admin:images_image_renditions", args=[999])).status_code == 404
    )


def test_article_form_loads_the_picker_with_its_address(editor_client):
    response = editor_client.get(reverse("admin:articles_article_add"))

    html = response.content.decode()
    assert 'src="/static/admin-newsroom/image-picker.js"' in html
    assert f'data-picker-url="{reverse("admin:images_image_picker")}"' in html


def test_renditions_catch_up_enqueues_only_images_without_renditions(admin_client):
    """A task lost on its way to a queue outside the database (Redis) is enqueued again."""
    import io

    from django.core.management import call_command

    done = post_picture(admin_client, seed=1)
    run_worker()
    lost = post_picture(admin_client, seed=2)
    DBTaskResult.objects.all().delete()  # its task never reached the queue

    out = io.StringIO()
    call_command("renditions_catch_up", stdout=out)

    assert out.getvalue() == "1 image(s) queued for renditions.\n"
    assert waiting_tasks() == 1
    run_worker()
    lost.refresh_from_db()
    done.refresh_from_db()
    assert lost.renditions_ready and done.renditions_ready
    out = io.StringIO()
    call_command("renditions_catch_up", stdout=out)
    assert out.getvalue() == "0 image(s) queued for renditions.\n"


def test_picker_lists_a_picture_with_two_matching_keywords_once(editor_client):
    from tests.factories import ImageFactory

    image = ImageFactory(title="Market day")
    image.tags.add("Tabriz", "Tabriz bazaar")

    found = editor_client.get(picker_url(q="tabriz")).json()["results"]

    assert [picture["id"] for picture in found] == [image.pk]
