"""manage.py rebuild_renditions: remaking renditions, removing the ones no longer used,
and pruning stray files."""

import io
import os
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, default_storage
from django.core.management import call_command

from images import renditions
from images.models import Image
from tests.factories import ImageFactory, PublishedArticleFactory
from tests.images.support import media_files, parse

pytestmark = pytest.mark.django_db

TWO_HOURS_AGO = time.time() - 2 * 3600


def rebuild(*args):
    out = io.StringIO()
    call_command("rebuild_renditions", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def make_old(*names):
    """Set the files' modification time two hours back, past the prune grace period."""
    for name in names:
        os.utime(Path(default_storage.path(name)), (TWO_HOURS_AGO, TWO_HOURS_AGO))


def stray(name):
    return default_storage.save(name, ContentFile(b"left behind"))


@pytest.fixture
def image():
    return ImageFactory(width=640, height=480)


def test_rebuild_recreates_an_emptied_manifest_and_the_page_serves_a_picture(client, image):
    manifest = image.renditions
    article = PublishedArticleFactory(image=image)
    Image.objects.filter(pk=image.pk).update(renditions={})
    assert not parse(client.get(article.get_absolute_url())).xpath("//picture")

    output = rebuild()

    image.refresh_from_db()
    assert image.renditions == manifest
    assert "1 image(s): 1 with new renditions, 0 already up to date, 0 failed." in output
    assert parse(client.get(article.get_absolute_url())).xpath("//picture")


def test_rebuild_remakes_missing_rendition_files(image):
    gone = renditions.file_name(image.renditions["key"], "card", 480, "avif")
    default_storage.delete(gone)

    rebuild()

    assert default_storage.exists(gone)
    assert media_files() == set(image.stored_files)


def test_rebuild_replaces_renditions_of_an_old_recipe_and_removes_their_files(image):
    """A manifest made under other settings has another key: the command makes the
    current renditions and removes the old ones."""
    current = image.renditions
    old = {**current, "key": "0123456789abcdef0123"}
    old_files = renditions.files(old)
    for name in old_files:
        stray(name)
    for name in renditions.files(current):
        default_storage.delete(name)
    Image.objects.filter(pk=image.pk).update(renditions=old)

    rebuild()

    image.refresh_from_db()
    assert image.renditions == current
    assert not any(default_storage.exists(name) for name in old_files)
    assert media_files() == set(image.stored_files)


def test_rebuild_leaves_an_up_to_date_image_alone(image):
    output = rebuild()

    assert "1 image(s): 0 with new renditions, 1 already up to date, 0 failed." in output


def test_rebuild_force_encodes_every_rendition_again(image):
    name = renditions.file_name(image.renditions["key"], "thumb", 160, "jpeg")
    default_storage.delete(name)
    default_storage.save(name, ContentFile(b"not a picture"))

    rebuild("--force")

    with default_storage.open(name) as handle:
        assert handle.read(3) == b"\xff\xd8\xff"  # a JPEG again


def test_rebuild_prints_a_progress_line_ending_with_the_count(image):
    lines = rebuild().splitlines()

    assert any(line.startswith("[") and line.endswith("] 1/1") for line in lines)
    assert "[" + "#" * 30 + "] 1/1" in lines


def test_rebuild_reports_an_unreadable_image_and_goes_on(image):
    from django.core.management.base import CommandError

    other = ImageFactory(width=320, height=240)
    default_storage.delete(image.file.name)
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="1 image"):
        call_command("rebuild_renditions", "--force", stdout=out, stderr=err)

    assert f"{image.pk} “{image}”" in err.getvalue()
    assert "2/2" in out.getvalue()
    assert "1 failed" in out.getvalue()
    assert all(default_storage.exists(name) for name in other.stored_files)


def test_prune_removes_old_stray_files_and_keeps_used_and_fresh_ones(image):
    make_old(*image.stored_files)  # age alone never removes a used file
    old_rendition = stray("renditions/zz/zz0000000000000000/lead-640.jpg")
    old_original = stray("images/2020/01/abcdef012345-left-behind.jpg")
    make_old(old_rendition, old_original)
    fresh = stray("renditions/yy/yy0000000000000000/lead-640.jpg")

    output = rebuild("--prune")

    assert "Pruned 2 file(s) no image uses." in output
    assert not default_storage.exists(old_rendition)
    assert not default_storage.exists(old_original)
    assert default_storage.exists(fresh)
    assert all(default_storage.exists(name) for name in image.stored_files)


def test_prune_leaves_files_outside_the_library_folders(image):
    portrait = stray("authors/portrait.jpg")
    make_old(portrait)

    rebuild("--prune")

    assert default_storage.exists(portrait)


def test_rebuild_works_on_storage_without_local_paths(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    image = ImageFactory(width=400, height=300)
    assert isinstance(default_storage._wrapped, InMemoryStorage)
    Image.objects.filter(pk=image.pk).update(renditions={})
    leftover = stray("renditions/zz/zz0000000000000000/lead-640.jpg")

    output = rebuild("--prune")

    image.refresh_from_db()
    assert image.renditions["key"]
    assert all(default_storage.exists(name) for name in image.stored_files)
    assert default_storage.exists(leftover)  # fresh: within the grace period
    assert "1/1" in output
    assert media_files() == set()
