"""The renditions made when a picture is uploaded through the admin: which files, in which
formats, sizes and shapes, and cropped around the focal point."""

import io
from fractions import Fraction

import pytest
from django.core.files.storage import default_storage
from PIL import Image as PILImage

from images import renditions
from images.models import Image
from tests.images.support import (
    PILLOW_FORMAT,
    add_data,
    add_url,
    form_errors,
    jpeg_upload,
    open_stored,
    red_share,
    run_worker,
    split_picture,
    upload,
)

pytestmark = pytest.mark.django_db

SHAPES = {"lead": Fraction(16, 9), "card": Fraction(4, 3), "thumb": Fraction(1, 1)}


@pytest.fixture
def uploaded(admin_client):
    """Uploads a picture through the admin add form; returns the stored Image."""

    def make(file, **fields):
        response = admin_client.post(add_url(), add_data(file, **fields))
        assert response.status_code == 302, form_errors(response)
        run_worker()
        return Image.objects.latest()

    return make


def manifest_files(image):
    """(storage name, spec, width, height, extension) for every rendition in the manifest."""
    key = image.renditions["key"]
    return [
        (renditions.file_name(key, spec, width, fmt), spec, width, height)
        for spec, sizes in image.renditions["specs"].items()
        for width, height in sizes
        for fmt in image.renditions["formats"]
    ]


def test_upload_makes_every_slot_in_avif_webp_and_jpeg(uploaded):
    image = uploaded(jpeg_upload(1200, 800))

    assert image.renditions["formats"] == ["avif", "webp", "jpeg"]
    assert image.renditions["specs"] == {
        "lead": [[640, 360], [960, 540]],
        "card": [[320, 240], [480, 360], [640, 480], [960, 720]],
        "thumb": [[160, 160], [320, 320]],
        "full": [[480, 320], [800, 533], [1200, 800]],
    }


def test_every_manifest_file_is_stored_in_its_format_and_size(uploaded):
    image = uploaded(jpeg_upload(1200, 800))

    files = manifest_files(image)
    assert len(files) == 33
    for name, _spec, width, height in files:
        assert default_storage.exists(name), name
        stored = open_stored(name)
        assert stored.format == PILLOW_FORMAT[name.rsplit(".", 1)[1]], name
        assert stored.size == (width, height), name


def test_rendition_files_are_named_by_key_slot_and_width(uploaded):
    image = uploaded(jpeg_upload(1200, 800))
    key = image.renditions["key"]

    assert set(image.stored_files) == {
        image.file.name,
        *(name for name, *_ in manifest_files(image)),
    }
    assert f"renditions/{key[:2]}/{key}/lead-960.avif" in image.stored_files
    assert f"renditions/{key[:2]}/{key}/thumb-160.jpg" in image.stored_files


@pytest.mark.parametrize("size", [(1200, 800), (800, 1200), (1000, 1000)])
def test_slots_have_their_shape_whatever_the_picture(uploaded, size):
    image = uploaded(jpeg_upload(*size))

    for spec, shape in SHAPES.items():
        for width, height in image.renditions["specs"][spec]:
            assert abs(width / shape - height) <= 1, (spec, width, height)
    for width, height in image.renditions["specs"]["full"]:
        assert abs(width * size[1] / size[0] - height) <= 1


def test_renditions_are_never_upscaled(uploaded):
    image = uploaded(jpeg_upload(500, 400))
    key = image.renditions["key"]

    assert image.renditions["specs"]["lead"] == [[500, 281]]
    assert not default_storage.exists(renditions.file_name(key, "lead", 640, "jpeg"))
    assert image.renditions["specs"]["card"] == [[320, 240], [480, 360]]
    assert image.renditions["specs"]["full"] == [[480, 384]]
    for _name, _spec, width, height in manifest_files(image):
        assert width <= 500 and height <= 400


def test_picture_narrower_than_every_width_gets_one_rendition_at_its_own_width(uploaded):
    image = uploaded(jpeg_upload(150, 100))

    assert image.renditions["specs"] == {
        "lead": [[150, 84]],
        "card": [[133, 100]],
        "thumb": [[100, 100]],
        "full": [[150, 100]],
    }
    for name, _spec, width, height in manifest_files(image):
        assert open_stored(name).size == (width, height)


def test_focal_point_on_the_left_keeps_the_left_in_the_square(uploaded):
    """900 × 300, red on the left third: the square crop is 300 wide, so a focal point
    10% across puts it over the red third (and the middle, below, over blue)."""
    image = uploaded(upload("split.png", split_picture(900, 300)), focal_x="10")

    assert image.renditions["specs"]["thumb"] == [[160, 160]]
    for fmt in image.renditions["formats"]:
        square = open_stored(renditions.file_name(image.renditions["key"], "thumb", 160, fmt))
        assert red_share(square) > 0.9, fmt


def test_focal_point_unset_crops_the_middle(uploaded):
    image = uploaded(upload("split.png", split_picture(900, 300)))

    assert image.focal_point is None
    for fmt in image.renditions["formats"]:
        square = open_stored(renditions.file_name(image.renditions["key"], "thumb", 160, fmt))
        assert red_share(square) < 0.05, fmt


def test_focal_point_changes_the_rendition_key(uploaded):
    left = uploaded(upload("split.png", split_picture(900, 300)), focal_x="10")

    assert renditions.manifest_key(left.sha256, (10, 50)) == left.renditions["key"]
    assert renditions.manifest_key(left.sha256, None) != left.renditions["key"]


def test_transparent_png_has_white_behind_it_in_jpeg_and_keeps_alpha_in_webp(uploaded):
    buffer = io.BytesIO()
    PILImage.new("RGBA", (400, 300), (0, 0, 0, 0)).save(buffer, "PNG")
    image = uploaded(upload("clear.png", buffer.getvalue()))
    key = image.renditions["key"]

    jpeg = open_stored(renditions.file_name(key, "full", 400, "jpeg"))
    webp = open_stored(renditions.file_name(key, "full", 400, "webp"))
    assert jpeg.convert("RGB").getpixel((10, 10)) == (255, 255, 255)
    assert webp.mode == "RGBA" and webp.getpixel((10, 10))[3] == 0
