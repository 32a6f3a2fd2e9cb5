"""The image library admin: changing and deleting pictures (and the files that go with
them), finding them, and who may do what."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from django.db import transaction

from images.models import Image
from tests.factories import DraftArticleFactory, ImageFactory, PublishedArticleFactory
from tests.images.support import (
    add_data,
    add_url,
    change_data,
    change_url,
    changelist_url,
    delete_url,
    form_errors,
    jpeg_upload,
    media_files,
    open_stored,
    run_worker,
)

pytestmark = pytest.mark.django_db


def assert_all_stored(names):
    missing = [name for name in names if not default_storage.exists(name)]
    assert not missing


def assert_none_stored(names):
    left = [name for name in names if default_storage.exists(name)]
    assert not left


def listed(response):
    assert response.status_code == 200
    return {image.pk for image in response.context["cl"].result_list}


@pytest.fixture
def upload_as(django_capture_on_commit_callbacks):
    """Uploads a picture through the admin add form as ``client``, and lets the worker
    make its renditions; returns the Image."""

    def upload(client, file=None, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(add_url(), add_data(file or jpeg_upload(), **fields))
        assert response.status_code == 302, form_errors(response)
        run_worker()
        return Image.objects.latest()

    return upload


# Adding


def test_title_defaults_to_the_alt_text(admin_client, upload_as):
    image = upload_as(admin_client, alt="Women voting in Isfahan", title="")

    assert image.title == "Women voting in Isfahan"
    assert image.alt == "Women voting in Isfahan"


def test_alt_text_is_required(admin_client):
    response = admin_client.post(add_url(), add_data(jpeg_upload(), alt=""))

    assert response.status_code == 200
    assert "alt" in form_errors(response)
    assert not Image.objects.exists()
    assert media_files() == set()


def test_focal_point_must_be_a_percentage(admin_client):
    response = admin_client.post(add_url(), add_data(jpeg_upload(), focal_x="101"))

    assert "focal_x" in form_errors(response)
    assert not Image.objects.exists()


def test_keywords_are_library_tags_not_article_tags(admin_client, upload_as):
    from taggit.models import Tag

    image = upload_as(admin_client, tags="Kerman, Harvest")

    assert sorted(image.tags.names()) == ["Harvest", "Kerman"]
    assert not Tag.objects.filter(name__in=["Kerman", "Harvest"]).exists()


# Changing the focal point or the file


def test_changing_the_focal_point_replaces_the_renditions(
    admin_client, upload_as, django_capture_on_commit_callbacks
):
    image = upload_as(admin_client, jpeg_upload(1200, 800))
    old_renditions = set(image.stored_files) - {image.file.name}

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            change_url(image), change_data(image, focal_x="15", focal_y="30")
        )

    assert response.status_code == 302, form_errors(response)
    image.refresh_from_db()
    assert image.focal_point == (15, 30)
    # Until the worker has made the new crop, pages keep the old one.
    assert set(image.stored_files) - {image.file.name} == old_renditions
    run_worker()
    image.refresh_from_db()
    new_renditions = set(image.stored_files) - {image.file.name}
    assert new_renditions.isdisjoint(old_renditions)
    assert_all_stored(image.stored_files)
    assert_none_stored(old_renditions)
    assert media_files() == set(image.stored_files)


def test_changing_only_the_caption_keeps_the_files(
    admin_client, upload_as, django_capture_on_commit_callbacks
):
    image = upload_as(admin_client)
    files = media_files()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(change_url(image), change_data(image, caption="New caption"))

    assert response.status_code == 302, form_errors(response)
    image.refresh_from_db()
    assert image.caption == "New caption"
    assert media_files() == files == set(image.stored_files)


def test_replacing_the_file_removes_the_old_original_and_renditions(
    admin_client, upload_as, django_capture_on_commit_callbacks
):
    image = upload_as(admin_client, jpeg_upload(1200, 800, seed=1))
    old_files = set(image.stored_files)
    old_sha = image.sha256

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            change_url(image),
            {**change_data(image), "file": jpeg_upload(800, 600, seed=2, name="new.jpg")},
        )

    assert response.status_code == 302, form_errors(response)
    image.refresh_from_db()
    assert image.sha256 != old_sha
    assert (image.width, image.height) == (800, 600)
    assert open_stored(image.file.name).size == (800, 600)
    assert set(image.stored_files).isdisjoint(old_files)
    assert_none_stored(old_files)
    assert media_files() == set(image.stored_files)


def test_replacing_with_a_picture_already_in_the_library_is_refused(
    admin_client, upload_as, django_capture_on_commit_callbacks
):
    upload_as(admin_client, jpeg_upload(seed=1), title="Bazaar at noon")
    image = upload_as(admin_client, jpeg_upload(seed=2), title="Second picture")
    files = media_files()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            change_url(image), {**change_data(image), "file": jpeg_upload(seed=1)}
        )

    assert response.status_code == 200
    assert "Bazaar at noon" in form_errors(response)["file"][0]
    assert media_files() == files


# Deleting


def test_deleting_an_unused_image_removes_all_its_files(
    admin_client, upload_as, django_capture_on_commit_callbacks
):
    image = upload_as(admin_client)
    files = image.stored_files
    assert_all_stored(files)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(delete_url(image), {"post": "yes"})

    assert response.status_code == 302
    assert not Image.objects.exists()
    assert_none_stored(files)
    assert media_files() == set()


def test_deleting_selected_images_from_the_changelist_removes_their_files(
    admin_client, upload_as, django_capture_on_commit_callbacks
):
    first = upload_as(admin_client, jpeg_upload(seed=1))
    second = upload_as(admin_client, jpeg_upload(seed=2))
    kept = upload_as(admin_client, jpeg_upload(seed=3))

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            changelist_url(),
            {
                "action": "delete_selected",
                "_selected_action": [first.pk, second.pk],
                "post": "yes",
            },
        )

    assert response.status_code == 302
    assert list(Image.objects.all()) == [kept]
    assert media_files() == set(kept.stored_files)


def test_deleting_through_the_orm_removes_the_files_once_committed(
    django_capture_on_commit_callbacks,
):
    image = ImageFactory(width=400, height=300)
    files = image.stored_files

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        image.delete()
        assert_all_stored(files)  # not before the commit
    for callback in callbacks:
        callback()

    assert_none_stored(files)


def test_rolled_back_deletion_keeps_the_files(django_capture_on_commit_callbacks):
    image = ImageFactory(width=400, height=300)
    files = image.stored_files

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            Image.objects.filter(pk=image.pk).delete()
            raise RuntimeError("rolled back")

    assert Image.objects.filter(pk=image.pk).exists()
    assert_all_stored(files)


def test_image_used_by_an_article_cannot_be_deleted(
    admin_client, upload_as, django_capture_on_commit_callbacks
):
    image = upload_as(admin_client)
    article = PublishedArticleFactory(title="Pistachio exports fall", image=image)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(delete_url(image), {"post": "yes"})

    assert response.status_code == 200
    assert response.context["protected"]
    assert "Pistachio exports fall" in response.content.decode()
    assert f"/admin/articles/article/{article.pk}/change/" in response.content.decode()
    assert Image.objects.filter(pk=image.pk).exists()
    assert_all_stored(image.stored_files)


def test_change_page_lists_the_articles_using_the_image(admin_client, upload_as):
    image = upload_as(admin_client)
    PublishedArticleFactory(title="Pistachio exports fall", image=image)

    response = admin_client.get(change_url(image))

    assert response.status_code == 200
    assert "Pistachio exports fall" in response.content.decode()


# Finding pictures


@pytest.fixture
def library():
    size = {"width": 200, "height": 150, "caption": ""}
    orchard = ImageFactory(title="Pistachio orchard", alt="Trees", credit="IRNA", **size)
    rally = ImageFactory(
        title="Rally in Enghelab Square", alt="A crowd", credit="Reza Hosseini", **size
    )
    rally.tags.add("Protest", "Tehran")
    port = ImageFactory(title="Container ship", alt="A ship", credit="Mehr", **size)
    return orchard, rally, port


def test_library_search_finds_by_title(admin_client, library):
    orchard, _rally, _port = library
    assert listed(admin_client.get(changelist_url(), {"q": "pistachio"})) == {orchard.pk}


def test_library_search_finds_by_credit(admin_client, library):
    _orchard, rally, _port = library
    assert listed(admin_client.get(changelist_url(), {"q": "Hosseini"})) == {rally.pk}


def test_library_search_finds_by_keyword(admin_client, library):
    _orchard, rally, _port = library
    assert listed(admin_client.get(changelist_url(), {"q": "protest"})) == {rally.pk}
    assert listed(admin_client.get(changelist_url(), {"q": "Tehran"})) == {rally.pk}


def test_library_search_finds_nothing_unrelated(admin_client, library):
    assert listed(admin_client.get(changelist_url(), {"q": "earthquake"})) == set()


def test_library_changelist_shows_thumbnails_and_use_counts(admin_client, library):
    orchard, _rally, _port = library
    PublishedArticleFactory(image=orchard)
    PublishedArticleFactory(image=orchard)

    response = admin_client.get(changelist_url())

    assert listed(response) == {image.pk for image in library}
    by_pk = {image.pk: image for image in response.context["cl"].result_list}
    assert by_pk[orchard.pk].use_total == 2
    assert orchard.rendition("thumb", at_most=160)[0] in response.content.decode()


# Who may do what


def test_writer_can_upload(writer, writer_client, upload_as):
    image = upload_as(writer_client, alt="Farid's picture")

    assert image.uploaded_by == writer


def test_writer_can_change_their_own_image(writer_client, upload_as):
    image = upload_as(writer_client)

    response = writer_client.post(change_url(image), change_data(image, credit="Farid"))

    assert response.status_code == 302, form_errors(response)
    image.refresh_from_db()
    assert image.credit == "Farid"


def test_writer_cannot_change_another_users_image(
    other_writer, writer_client, upload_as, django_capture_on_commit_callbacks
):
    from django.test import Client

    other_client = Client()
    other_client.force_login(other_writer)
    image = upload_as(other_client, focal_x="20")
    before = Image.objects.values().get(pk=image.pk)
    files = media_files()

    with django_capture_on_commit_callbacks(execute=True):
        response = writer_client.post(
            change_url(image),
            {**change_data(image, alt="Changed", focal_x="80"), "file": jpeg_upload(seed=4)},
        )

    assert response.status_code == 403
    assert Image.objects.values().get(pk=image.pk) == before
    assert media_files() == files


def test_writer_sees_another_users_image_read_only(other_writer, writer_client):
    image = ImageFactory(width=200, height=150)
    Image.objects.filter(pk=image.pk).update(uploaded_by=other_writer)

    response = writer_client.get(change_url(image))

    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert 'name="alt"' not in response.content.decode()


def test_writer_cannot_delete_even_their_own_image(
    writer_client, upload_as, django_capture_on_commit_callbacks
):
    image = upload_as(writer_client)

    with django_capture_on_commit_callbacks(execute=True):
        response = writer_client.post(delete_url(image), {"post": "yes"})

    assert response.status_code == 403
    assert Image.objects.filter(pk=image.pk).exists()
    assert_all_stored(image.stored_files)


def test_editor_can_change_another_users_image(
    writer, writer_client, editor_client, upload_as, django_capture_on_commit_callbacks
):
    image = upload_as(writer_client)

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(change_url(image), change_data(image, alt="Fixed alt"))

    assert response.status_code == 302, form_errors(response)
    image.refresh_from_db()
    assert image.alt == "Fixed alt"
    assert image.uploaded_by == writer  # the uploader stays on record


def test_editor_can_delete_an_unused_image(
    writer_client, editor_client, upload_as, django_capture_on_commit_callbacks
):
    image = upload_as(writer_client)
    files = image.stored_files

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(delete_url(image), {"post": "yes"})

    assert response.status_code == 302
    assert not Image.objects.exists()
    assert_none_stored(files)


# Choosing a picture from the article form


def test_adding_from_the_article_forms_popup_hands_the_new_image_back(
    writer_client, django_capture_on_commit_callbacks
):
    import json

    with django_capture_on_commit_callbacks(execute=True):
        response = writer_client.post(
            f"{add_url()}?_to_field=id&_popup=1",
            add_data(jpeg_upload(), _popup="1", _to_field="id", title="Bazaar at noon"),
        )

    assert response.status_code == 200, response.context and form_errors(response)
    image = Image.objects.get()
    data = json.loads(response.context["popup_response_data"])
    assert data["value"] == str(image.pk)
    assert data["obj"] == "Bazaar at noon"


def autocomplete(client, term):
    """The ids the article form's image autocomplete offers for ``term``, in order."""
    from django.urls import reverse

    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "article", "field_name": "image", "term": term},
    )
    assert response.status_code == 200
    return [int(result["id"]) for result in response.json()["results"]]


# The unordered-pagination warning is the bug of the test below; this one is about search.
@pytest.mark.filterwarnings("ignore::django.core.paginator.UnorderedObjectListWarning")
def test_writer_finds_library_images_from_the_article_forms_autocomplete(writer_client, library):
    orchard, rally, _port = library

    assert autocomplete(writer_client, "pistachio") == [orchard.pk]
    assert autocomplete(writer_client, "protest") == [rally.pk]


def test_article_forms_image_autocomplete_offers_the_newest_pictures_first(writer_client, library):
    orchard, rally, port = library

    assert autocomplete(writer_client, "") == [port.pk, rally.pk, orchard.pk]


@pytest.mark.django_db
def test_a_writer_sees_only_the_articles_she_may_read_among_a_pictures_uses(
    client, django_user_model
):
    writer = django_user_model.objects.create_user("farid", password="pw", is_staff=True)
    writer.groups.add(Group.objects.get(name="Writers"))
    picture = ImageFactory()
    PublishedArticleFactory(image=picture, title="The live story")
    DraftArticleFactory(image=picture, title="A colleague's secret draft")
    DraftArticleFactory(image=picture, title="Her own draft", created_by=writer)
    client.force_login(writer)

    html = client.get(change_url(picture)).content.decode()

    assert "The live story" in html
    assert "Her own draft" in html
    assert "secret draft" not in html
