"""Uploads through the image library's admin add form: what is accepted, what is stored,
and what is refused (with a field error, and nothing stored)."""

import io
import random
import re
import struct

import pytest
from django.urls import reverse
from django.utils.html import escape
from PIL import Image as PILImage
from PIL import ImageCms, ImageSequence

from images import renditions
from images.models import Image
from staff.models import Author
from tests.factories import AuthorFactory
from tests.images import picture_bytes
from tests.images.support import (
    add_data,
    add_url,
    change_data,
    change_url,
    error_codes,
    form_errors,
    huge_bilevel_png,
    jpeg_upload,
    media_files,
    noise_png,
    open_stored,
    run_worker,
    stored_bytes,
    upload,
)

pytestmark = pytest.mark.django_db

SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="100" '
    b'height="100"><script>alert(document.cookie)</script><rect width="100" height="100"/>'
    b"</svg>"
)


def post_upload(client, file, **fields):
    """The admin's add form, then the worker (which makes the renditions, if stored)."""
    response = client.post(add_url(), add_data(file, **fields))
    run_worker()
    return response


def the_stored_picture():
    image = Image.objects.get()
    return image, open_stored(image.file.name)


def exif_with_gps_and_orientation(orientation=6):
    exif = PILImage.Exif()
    exif[0x0112] = orientation  # Orientation: 6 = rotate 90° clockwise to show
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0131] = "SecretSoft 1.0"  # Software
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (35.0, 41.0, 22.5)
    gps[3], gps[4] = "E", (51.0, 23.0, 20.0)
    return exif


# Accepted pictures


@pytest.mark.parametrize(
    ("fmt", "name", "extension"),
    [
        ("JPEG", "orchard.jpg", "jpg"),
        ("PNG", "orchard.png", "png"),
        ("WEBP", "orchard.webp", "webp"),
        ("GIF", "orchard.gif", "gif"),
    ],
)
def test_admin_upload_stores_each_accepted_format(
    admin_client, django_capture_on_commit_callbacks, fmt, name, extension
):
    data = picture_bytes(480, 320, seed=3, fmt=fmt)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_upload(admin_client, upload(name, data))

    assert response.status_code == 302, form_errors(response)
    image, stored = the_stored_picture()
    assert stored.format == fmt
    assert stored.size == (480, 320)
    assert (image.width, image.height) == (480, 320)
    assert image.file_size == len(stored_bytes(image.file.name))
    assert re.fullmatch(
        rf"images/\d{{4}}/\d{{2}}/{image.sha256[:12]}-orchard\.{extension}", image.file.name
    )
    assert image.uploaded_by.username == "admin"


def test_file_name_extension_follows_the_content_not_the_upload_name(admin_client):
    response = post_upload(admin_client, upload("holiday.jpg", picture_bytes(64, 48, fmt="PNG")))

    assert response.status_code == 302, form_errors(response)
    image, stored = the_stored_picture()
    assert stored.format == "PNG"
    assert image.file.name.endswith("-holiday.png")


def test_animated_gif_keeps_every_frame(admin_client):
    frames = [
        PILImage.new("RGB", (60, 40), color).convert("P") for color in ("red", "lime", "blue")
    ]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)

    response = post_upload(admin_client, upload("spinner.gif", buffer.getvalue()))

    assert response.status_code == 302, form_errors(response)
    _image, stored = the_stored_picture()
    assert stored.format == "GIF"
    assert stored.n_frames == 3
    first_pixels = [
        frame.convert("RGB").getpixel((0, 0)) for frame in ImageSequence.all_frames(stored)
    ]
    assert first_pixels == [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    assert stored.info["duration"] == 80


def test_exif_orientation_is_applied_and_all_exif_removed(admin_client):
    data = picture_bytes(300, 200, seed=5, exif=exif_with_gps_and_orientation(6))
    assert PILImage.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the upload has GPS

    response = post_upload(admin_client, upload("tehran.jpg", data))

    assert response.status_code == 302, form_errors(response)
    image, stored = the_stored_picture()
    assert stored.size == (200, 300)  # upright: turned a quarter
    assert (image.width, image.height) == (200, 300)
    assert dict(stored.getexif()) == {}
    assert "exif" not in stored.info
    raw = stored_bytes(image.file.name)
    assert b"Exif\x00\x00" not in raw
    assert b"SecretCam" not in raw
    assert b"SecretSoft" not in raw


def test_renditions_of_a_rotated_upload_are_upright(admin_client):
    data = picture_bytes(300, 200, seed=6, exif=exif_with_gps_and_orientation(6))

    post_upload(admin_client, upload("tehran.jpg", data))

    image = Image.objects.get()
    assert image.renditions["specs"]["full"] == [[200, 300]]
    assert image.rendition("full")[1:] == (200, 300)


def test_xmp_is_removed_from_jpeg(admin_client):
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SecretLocation Evin</x:xmpmeta>'
    response = post_upload(admin_client, upload("a.jpg", picture_bytes(120, 80, xmp=xmp)))

    assert response.status_code == 302, form_errors(response)
    image, stored = the_stored_picture()
    assert "xmp" not in stored.info
    assert b"SecretLocation" not in stored_bytes(image.file.name)


def test_png_text_and_exif_chunks_are_removed(admin_client):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "SecretComment")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>SecretXmp</x:xmpmeta>")
    data = picture_bytes(120, 80, fmt="PNG", pnginfo=info, exif=exif_with_gps_and_orientation(1))

    response = post_upload(admin_client, upload("a.png", data))

    assert response.status_code == 302, form_errors(response)
    image, stored = the_stored_picture()
    raw = stored_bytes(image.file.name)
    assert b"Secret" not in raw
    assert "exif" not in stored.info and "xmp" not in stored.info


def test_comment_is_removed_from_jpeg(admin_client):
    data = picture_bytes(120, 80, comment=b"SecretComment shot at the safe house")

    response = post_upload(admin_client, upload("a.jpg", data))

    assert response.status_code == 302, form_errors(response)
    image, stored = the_stored_picture()
    assert "comment" not in stored.info
    assert b"SecretComment" not in stored_bytes(image.file.name)


def test_comment_is_removed_from_gif(admin_client):
    data = picture_bytes(120, 80, fmt="GIF", comment=b"SecretComment shot at the safe house")

    response = post_upload(admin_client, upload("a.gif", data))

    assert response.status_code == 302, form_errors(response)
    image, stored = the_stored_picture()
    assert "comment" not in stored.info
    assert b"SecretComment" not in stored_bytes(image.file.name)


def test_colour_profile_is_applied_and_then_dropped(admin_client):
    """The stored original is sRGB pixels without a profile (images.colour): renditions in
    formats that carry no profile then show the same colours. An sRGB profile changes
    nothing."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = picture_bytes(120, 80, icc_profile=profile, exif=exif_with_gps_and_orientation(1))

    response = post_upload(admin_client, upload("a.jpg", data))

    assert response.status_code == 302, form_errors(response)
    _image, stored = the_stored_picture()
    assert "icc_profile" not in stored.info
    assert dict(stored.getexif()) == {}
    original = PILImage.open(io.BytesIO(data)).convert("RGB").getpixel((10, 10))
    kept = stored.convert("RGB").getpixel((10, 10))
    assert max(abs(a - b) for a, b in zip(original, kept, strict=True)) <= 4


# Refused uploads


def truncated_jpeg():
    data = picture_bytes(600, 400, seed=9)
    return data[: len(data) // 2]


def random_bytes():
    return random.Random(1).randbytes(4000)


REFUSED = {
    "truncated-jpeg": ("cut.jpg", truncated_jpeg, "corrupt"),
    "random-bytes-as-jpg": ("photo.jpg", random_bytes, "not_image"),
    "text-as-png": ("photo.png", lambda: b"Just some notes, not a picture.\n" * 20, "not_image"),
    "svg-with-script": ("image.svg", lambda: SVG, "not_image"),
    "svg-named-png": ("image.png", lambda: SVG, "not_image"),
    "empty-file": ("empty.jpg", lambda: b"", "empty"),
    "decompression-bomb": ("bomb.png", lambda: huge_bilevel_png(20000, 20000), "bomb"),
}


@pytest.mark.parametrize(("name", "make", "code"), REFUSED.values(), ids=REFUSED.keys())
def test_bad_upload_is_refused_with_a_field_error_and_nothing_stored(
    admin_client, django_capture_on_commit_callbacks, name, make, code
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_upload(admin_client, upload(name, make()))

    assert response.status_code == 200
    assert error_codes(response) == [code]
    message = form_errors(response)["file"][0]
    assert escape(message) in response.content.decode()
    assert not Image.objects.exists()
    assert media_files() == set()


def test_picture_over_the_megapixel_limit_is_refused(admin_client, settings):
    settings.IMAGE_MAX_MEGAPIXELS = 1

    response = post_upload(admin_client, jpeg_upload(1200, 900))

    assert error_codes(response) == ["too_large"]
    assert "1200 × 900 pixels" in form_errors(response)["file"][0]
    assert not Image.objects.exists()
    assert media_files() == set()


def test_picture_over_the_side_limit_is_refused(admin_client, settings):
    settings.IMAGE_MAX_SIDE = 1000

    response = post_upload(admin_client, jpeg_upload(1100, 100))

    assert error_codes(response) == ["too_large"]
    assert not Image.objects.exists()
    assert media_files() == set()


def test_picture_within_the_lowered_limits_is_accepted(admin_client, settings):
    settings.IMAGE_MAX_SIDE = 1000
    settings.IMAGE_MAX_MEGAPIXELS = 1

    response = post_upload(admin_client, jpeg_upload(1000, 1000))

    assert response.status_code == 302, form_errors(response)


def test_file_over_the_size_limit_is_refused(admin_client, settings):
    settings.IMAGE_MAX_UPLOAD_MB = 1
    data = noise_png(700, 700)
    assert len(data) > 1024 * 1024

    response = post_upload(admin_client, upload("noise.png", data))

    assert error_codes(response) == ["too_big"]
    assert "at most 1 MB" in form_errors(response)["file"][0]
    assert not Image.objects.exists()
    assert media_files() == set()


def test_duplicate_upload_is_refused_naming_the_existing_picture(
    admin_client, django_capture_on_commit_callbacks
):
    data = picture_bytes(400, 300, seed=11)
    with django_capture_on_commit_callbacks(execute=True):
        first = post_upload(admin_client, upload("a.jpg", data), title="Kerman orchard at dawn")
    assert first.status_code == 302, form_errors(first)
    files = media_files()

    with django_capture_on_commit_callbacks(execute=True):
        again = post_upload(admin_client, upload("copy.jpg", data), alt="Another description")

    assert again.status_code == 200
    message = form_errors(again)["file"][0]
    assert "already in the library" in message
    assert "Kerman orchard at dawn" in message
    assert Image.objects.count() == 1
    assert media_files() == files


def test_refused_replacement_leaves_the_image_and_its_files_unchanged(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_upload(admin_client, jpeg_upload(640, 480, seed=12))
    image = Image.objects.get()
    before = Image.objects.values().get(pk=image.pk)
    files = media_files()
    original = stored_bytes(image.file.name)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            change_url(image),
            {
                **change_data(image, alt="A new alt text"),
                "file": upload("new.jpg", random_bytes()),
            },
        )

    assert response.status_code == 200
    assert error_codes(response) == ["not_image"]
    assert Image.objects.values().get(pk=image.pk) == before
    assert media_files() == files
    assert stored_bytes(image.file.name) == original


# Author photos


def test_author_photo_is_stored_without_metadata(admin_client):
    author = AuthorFactory(name="Jane Doe", slug="jane-doe")
    data = picture_bytes(300, 240, seed=2, exif=exif_with_gps_and_orientation(6))

    response = admin_client.post(
        reverse("admin:staff_author_change", args=[author.pk]),
        {
            "name": author.name,
            "slug": author.slug,
            "kind": Author.Kind.PERSON,
            "job_title": author.job_title,
            "bio": author.bio,
            "user": "",
            "photo": upload("portrait.jpg", data, "image/jpeg"),
        },
    )

    assert response.status_code == 302
    author.refresh_from_db()
    stored = open_stored(author.photo.name)
    assert stored.size == (240, 300)
    assert dict(stored.getexif()) == {}
    assert b"SecretCam" not in stored_bytes(author.photo.name)


def test_author_photo_that_is_not_a_picture_is_refused(admin_client):
    author = AuthorFactory(name="Jane Doe", slug="jane-doe")

    response = admin_client.post(
        reverse("admin:staff_author_change", args=[author.pk]),
        {
            "name": author.name,
            "slug": author.slug,
            "kind": Author.Kind.PERSON,
            "job_title": author.job_title,
            "bio": author.bio,
            "user": "",
            "photo": upload("portrait.png", SVG),
        },
    )

    assert response.status_code == 200
    assert "photo" in form_errors(response)
    author.refresh_from_db()
    assert not author.photo
    assert media_files() == set()


def test_phone_jpeg_with_extra_pictures_is_stored_as_a_plain_jpeg(admin_client):
    """Phones write JPEGs holding more pictures (MPO: depth maps, previews); Pillow names
    them MPO, and only the first picture is the photo."""
    photo = PILImage.open(io.BytesIO(picture_bytes(320, 240, seed=21)))
    preview = PILImage.open(io.BytesIO(picture_bytes(160, 120, seed=22)))
    buffer = io.BytesIO()
    photo.save(buffer, "MPO", save_all=True, append_images=[preview])
    assert PILImage.open(io.BytesIO(buffer.getvalue())).format == "MPO"

    response = post_upload(admin_client, upload("IMG_0001.JPG", buffer.getvalue()))

    assert response.status_code == 302, form_errors(response)
    image, stored = the_stored_picture()
    assert stored.format == "JPEG"
    assert stored.size == (320, 240)
    assert getattr(stored, "n_frames", 1) == 1
    assert image.file.name.endswith("-img_0001.jpg")


# Every colour mode and orientation (images.colour, and EXIF orientation in sanitize)

# Mode, the format that can hold it, a mid-grey in that mode's terms.
MID_GREYS = [
    ("1", "PNG", 1),  # bilevel: white
    ("L", "PNG", 128),
    ("LA", "PNG", (128, 255)),
    ("RGB", "JPEG", (128, 128, 128)),
    ("RGBA", "PNG", (128, 128, 128, 255)),
    ("CMYK", "JPEG", (0, 0, 0, 127)),  # no profile: converted as Pillow does
    ("CMYK", "TIFF", (0, 0, 0, 127)),
    ("YCbCr", "JPEG", (128, 128, 128)),
    ("I;16", "PNG", 32896),  # 16-bit greys, as scanners write: scaled, not clipped white
    ("I;16", "TIFF", 32896),
    ("I;16B", "TIFF", 32896),
    ("I", "TIFF", 32896),
    ("F", "TIFF", 0.5),  # floats from 0 to 1
    ("LAB", "TIFF", (137, 128, 128)),
]


@pytest.mark.parametrize(("mode", "fmt", "value"), MID_GREYS)
def test_every_colour_mode_is_stored_as_the_grey_it_shows(admin_client, mode, fmt, value):
    buffer = io.BytesIO()
    PILImage.new(mode, (24, 16), value).save(buffer, fmt)

    response = post_upload(admin_client, upload(f"grey.{fmt.lower()}", buffer.getvalue()))

    assert response.status_code == 302, form_errors(response)
    image, stored = the_stored_picture()
    assert stored.mode in ("L", "LA", "RGB", "RGBA", "P")
    assert stored.format in ("PNG", "JPEG")  # TIFF is stored as PNG: browsers cannot show it
    expected = 255 if mode == "1" else 128
    for fmt_name in image.renditions["formats"]:
        rendition = open_stored(
            renditions.file_name(image.renditions["key"], "full", 24, fmt_name)
        ).convert("RGB")
        for channel in rendition.getpixel((12, 8)):
            assert abs(channel - expected) <= 6, (fmt_name, rendition.getpixel((12, 8)))


# Orientation -> what undoes Pillow's exif_transpose for it (so the stored pixels, shown
# as EXIF says, are the upright picture).
UNDO = {
    1: None,
    2: PILImage.Transpose.FLIP_LEFT_RIGHT,
    3: PILImage.Transpose.ROTATE_180,
    4: PILImage.Transpose.FLIP_TOP_BOTTOM,
    5: PILImage.Transpose.TRANSPOSE,
    6: PILImage.Transpose.ROTATE_90,
    7: PILImage.Transpose.TRANSVERSE,
    8: PILImage.Transpose.ROTATE_270,
}


@pytest.mark.parametrize("orientation", sorted(UNDO))
def test_every_exif_orientation_is_stored_upright(admin_client, orientation):
    """Upright, the picture is 60 × 40 with a red top-left quarter; the camera wrote it
    turned or mirrored, with the orientation that shows it upright."""
    upright = PILImage.new("RGB", (60, 40), (0, 0, 255))
    upright.paste((255, 0, 0), (0, 0, 30, 20))
    raw = upright if UNDO[orientation] is None else upright.transpose(UNDO[orientation])
    exif = PILImage.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    raw.save(buffer, "JPEG", quality=95, exif=exif)

    response = post_upload(admin_client, upload("turned.jpg", buffer.getvalue()))

    assert response.status_code == 302, form_errors(response)
    image, stored = the_stored_picture()
    assert (image.width, image.height) == (60, 40)
    assert 0x0112 not in stored.getexif()
    red, _green, blue = stored.convert("RGB").getpixel((5, 5))
    assert red > 200 and blue < 60
    red, _green, blue = stored.convert("RGB").getpixel((55, 35))
    assert red < 60 and blue > 200


def adobe_rgb_profile():
    """A minimal ICC v2 profile of Adobe RGB (1998): its D50-adapted primaries and gamma
    563/256, as Adobe publishes them. Written here because no profile file ships with the
    system, and Pillow can only make sRGB and Lab ones."""

    def s15(value):
        return struct.pack(">i", round(value * 65536))

    def xyz(x, y, z):
        return b"XYZ " + bytes(4) + s15(x) + s15(y) + s15(z)

    text = b"Adobe RGB (1998)\0"
    description = b"desc" + bytes(4) + struct.pack(">I", len(text)) + text + bytes(79)
    gamma = b"curv" + bytes(4) + struct.pack(">IH", 1, 563) + bytes(2)
    tags = [
        (b"desc", description),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.6097, 0.3111, 0.0195)),
        (b"gXYZ", xyz(0.2053, 0.6257, 0.0609)),
        (b"bXYZ", xyz(0.1492, 0.0632, 0.7446)),
        (b"rTRC", gamma),
        (b"gTRC", gamma),
        (b"bTRC", gamma),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        body += bytes(-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    header = (
        struct.pack(">I", offset + len(data))
        + b"lcms"
        + bytes([2, 0x10, 0, 0])
        + b"mntrRGB XYZ "
        + bytes(12)
        + b"acspAPPL"
        + bytes(24)
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)
        + bytes(48)
    )
    return header + struct.pack(">I", len(tags)) + table + data


def test_an_adobe_rgb_picture_shows_the_same_green_in_every_rendition(admin_client):
    """Adobe RGB (40, 160, 60) is sRGB (0, 161, 47): read without its profile, as WebP and
    JPEG renditions were, it turns a duller (40, 160, 60)."""
    buffer = io.BytesIO()
    PILImage.new("RGB", (32, 24), (40, 160, 60)).save(
        buffer, "JPEG", quality=100, icc_profile=adobe_rgb_profile()
    )

    response = post_upload(admin_client, upload("adobe.jpg", buffer.getvalue()))

    assert response.status_code == 302, form_errors(response)
    image, stored = the_stored_picture()
    assert "icc_profile" not in stored.info
    for fmt in image.renditions["formats"]:
        rendition = open_stored(renditions.file_name(image.renditions["key"], "full", 32, fmt))
        assert "icc_profile" not in rendition.info, fmt
        red, green, blue = rendition.convert("RGB").getpixel((16, 12))
        assert red <= 8 and abs(green - 161) <= 6 and abs(blue - 47) <= 8, (fmt, red, green, blue)


def test_a_broken_colour_profile_is_ignored_as_browsers_ignore_it(admin_client):
    buffer = io.BytesIO()
    PILImage.new("RGB", (32, 24), (40, 160, 60)).save(
        buffer, "JPEG", quality=100, icc_profile=b"not a profile at all" * 10
    )

    response = post_upload(admin_client, upload("broken.jpg", buffer.getvalue()))

    assert response.status_code == 302, form_errors(response)
    _image, stored = the_stored_picture()
    red, green, blue = stored.convert("RGB").getpixel((16, 12))
    assert abs(red - 40) <= 4 and abs(green - 160) <= 4 and abs(blue - 60) <= 4
