"""Real-world pictures (../shared/corpus/images/, from Pillow's own test suite) uploaded
through the admin, each with what must come of it, checked by its pixels: colours within
a tolerance, orientation, frames, and refusals with their message.

Each accepted file is compared, rendition by rendition (AVIF, WebP, JPEG), with what a
colour-managed viewer shows of it: the first frame, upright, converted to sRGB with its
own profile, flattened on white where the format has no transparency.
"""

import io
from array import array

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from PIL import ImageChops, ImageCms, ImageOps, ImageStat, features

from images import renditions
from images.models import Image
from tests.images.support import add_data, add_url, error_codes, form_errors, run_worker, upload

pytestmark = pytest.mark.django_db

# Mean difference per channel (0–255) a rendition may have from the reference: lossy
# encoding and resampling stay under it (AVIF at its quality on sharp edges comes near 9);
# a wrong turn (about 75) or a white 16-bit picture (about 250) are far over it. A
# dropped profile is subtler (about 9 on the corpus' wide-gamut JPEG): checked apart.
TOLERANCE = 12

HOPPER = "hopper.webp"  # the upright, untouched picture the hopper variants are made from


def accepted(size, frames=1, *, like=None, check=None):
    return {"size": size, "frames": frames, "like": like, "check": check}


def mean_difference(a, b):
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def reference(path):
    """What a colour-managed browser shows of the picture: its first frame, upright,
    converted to sRGB with its own profile."""
    with PILImage.open(path) as source:
        source.seek(0)
        profile = source.info.get("icc_profile")
        frame = ImageOps.exif_transpose(source.copy())
    if frame.mode.startswith("I;16"):
        frame = _scaled(frame)
    if profile:
        alpha = frame.getchannel("A") if "A" in frame.getbands() else None
        frame = ImageCms.profileToProfile(
            frame.convert("RGB"),
            ImageCms.ImageCmsProfile(io.BytesIO(profile)),
            ImageCms.createProfile("sRGB"),
            renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
            outputMode="RGB",
        )
        if alpha is not None:
            frame.putalpha(alpha)
    return frame.convert("RGBA")


def _scaled(frame):
    """A 16-bit grey as 8 bits: the high byte of each value."""
    values = array("i", frame.convert("I").tobytes())
    return PILImage.frombytes("L", frame.size, bytes(value >> 8 for value in values))


def on_white(picture):
    background = PILImage.new("RGBA", picture.size, "white")
    return PILImage.alpha_composite(background, picture.convert("RGBA")).convert("RGB")


# Checks beyond the comparison with the reference.


def red_corner(corpus, renditions_by_format, stored):
    """The CMYK sample (no profile) starts with a red corner: C 0, M and Y > 80 %, K 0."""
    for fmt, picture in renditions_by_format.items():
        red, green, blue = picture.convert("RGB").getpixel((0, 0))
        assert red > 200 and green < 90 and blue < 90, fmt


def not_white(corpus, renditions_by_format, stored):
    """16-bit greys scaled (these scans are dark: 291–694 of 65,535), never clipped white."""
    for fmt, picture in renditions_by_format.items():
        assert picture.convert("L").getextrema()[1] < 16, fmt


def converted_not_naive(corpus, renditions_by_format, stored):
    """Read without its profile the picture is far off; every rendition matches the
    converted colours, including the formats that cannot carry a profile."""
    with PILImage.open(corpus / "icc_profile_big.jpg") as source:
        naive = source.convert("RGB")
    converted = reference(corpus / "icc_profile_big.jpg").convert("RGB")
    for fmt, picture in renditions_by_format.items():
        assert "icc_profile" not in picture.info, fmt
        got = picture.convert("RGB")
        off = mean_difference(got, naive.resize(got.size, PILImage.Resampling.LANCZOS))
        right = mean_difference(got, converted.resize(got.size, PILImage.Resampling.LANCZOS))
        assert right < 3 < off - right, (fmt, right, off)


def transparent_where_it_was(corpus, renditions_by_format, stored):
    """Formats with an alpha channel keep the transparent pixels; JPEG has them white."""
    for fmt, picture in renditions_by_format.items():
        if fmt == "jpeg":
            assert picture.mode == "RGB"
        else:
            assert picture.mode == "RGBA" and picture.getextrema()[3][0] == 0, fmt


def no_metadata(corpus, renditions_by_format, stored):
    assert dict(stored.getexif()) == {}
    assert "comment" not in stored.info


EXPECTED = {
    "16bit.MM.cropped.tif": accepted((64, 64), check=not_white),
    "16bit.cropped.tif": accepted((64, 64), check=not_white),
    "anim_frame1.webp": accepted((82, 82)),
    "avif-hopper.avif": accepted((128, 128), like=HOPPER),
    "avif-icc_profile.avif": accepted((57, 57)),
    # Orientation 5 in the AVIF's irot/imir boxes: stored turned, landscape.
    "avif-rot1mir0.avif": accepted((640, 427)),
    "dispose_bgnd.gif": accepted((100, 100), frames=5),
    "exif-dpi-zerodivision.jpg": accepted((200, 200), check=no_metadata),
    "exif_gps.jpg": accepted((8, 8), check=no_metadata),
    "hopper.gif": accepted((128, 128), like=HOPPER),
    "hopper.webp": accepted((128, 128), like=HOPPER),
    "hopper_gray.jpg": accepted((128, 128)),
    "hopper_orientation_3.jpg": accepted((128, 128), like=HOPPER, check=no_metadata),
    "hopper_orientation_6.jpg": accepted((128, 128), like=HOPPER, check=no_metadata),
    "hopper_orientation_8.jpg": accepted((128, 128), like=HOPPER, check=no_metadata),
    "icc_profile.png": accepted((57, 57)),
    "icc_profile_big.jpg": accepted((425, 250), check=converted_not_naive),
    "iss634.apng": accepted((245, 245), frames=41),
    "iss634.gif": accepted((245, 245), frames=42),
    # Junk between the JPEG's markers: Pillow skips it and every pixel decodes; the
    # re-encoding leaves the junk behind.
    "junk_jpeg_header.jpg": accepted((1024, 768), check=no_metadata),
    "p_16.png": accepted((128, 128)),
    "pil_sample_cmyk.jpg": accepted((100, 100), check=red_corner),
    "rgb_trns.png": accepted((64, 64)),
    "tRNS_null_1x1.png": accepted((1, 1)),
    "transparent.png": accepted((200, 150), check=transparent_where_it_was),
    "transparent.webp": accepted((200, 150), check=transparent_where_it_was),
    # Only its APP14 metadata segment is cut short; the picture itself is whole.
    "truncated_app14.jpg": accepted((100, 100)),
}
REFUSED = {
    "avif-hopper.heif": ("heif", "export it as JPEG"),
    "truncated_jpeg.jpg": ("corrupt", "damaged or incomplete"),
    # Its gain map and the end of its picture are cut off.
    "ultrahdr.jpg": ("corrupt", "damaged or incomplete"),
}


def test_every_corpus_picture_has_an_expectation(corpus_dir):
    names = {path.name for path in (corpus_dir / "images").iterdir()}
    assert names == set(EXPECTED) | set(REFUSED)


def largest_renditions(image):
    """The largest "full" rendition (the picture uncropped) in every format made."""
    manifest = image.renditions
    width, _height = manifest["specs"]["full"][-1]
    pictures = {}
    for fmt in manifest["formats"]:
        name = renditions.file_name(manifest["key"], "full", width, fmt)
        with default_storage.open(name, "rb") as handle:
            picture = PILImage.open(io.BytesIO(handle.read()))
            picture.load()
        assert getattr(picture, "n_frames", 1) == 1
        pictures[fmt] = picture
    return pictures


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_real_world_picture_is_stored_and_rendered_as_browsers_show_it(
    name, corpus_dir, admin_client, django_capture_on_commit_callbacks
):
    path = corpus_dir / "images" / name
    expected = EXPECTED[name]
    if path.suffix == ".avif" and not features.check("avif"):
        pytest.skip("this Pillow was built without AVIF, so AVIF uploads are refused")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(add_url(), add_data(upload(name, path.read_bytes())))
    assert response.status_code == 302, form_errors(response)
    run_worker()
    image = Image.objects.get()
    assert (image.width, image.height) == expected["size"]
    with default_storage.open(image.file.name, "rb") as handle:
        stored = PILImage.open(io.BytesIO(handle.read()))
        stored.load()
    assert "icc_profile" not in stored.info
    assert stored.format in ("JPEG", "PNG", "WEBP", "GIF", "AVIF")

    warnings = [str(message) for message in get_messages(response.wsgi_request)]
    animated = [text for text in warnings if "animated" in text]
    if expected["frames"] > 1:
        assert animated == [
            f"“{image.title}” is animated ({expected['frames']} frames): pages show its "
            "first frame only, as a still picture."
        ]
    else:
        assert animated == []

    truth = reference(corpus_dir / "images" / (expected["like"] or name))
    made = largest_renditions(image)
    assert set(made) >= {"webp", "jpeg"}
    for fmt, picture in made.items():
        assert picture.width * expected["size"][1] == pytest.approx(
            picture.height * expected["size"][0], rel=0.02
        ), fmt
        # Compared as shown on a white page: what lies under transparent pixels is no colour.
        wanted = on_white(truth.resize(picture.size, PILImage.Resampling.LANCZOS))
        assert mean_difference(on_white(picture), wanted) < TOLERANCE, fmt
    if expected["check"]:
        expected["check"](corpus_dir / "images", made, stored)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_damaged_or_unreadable_picture_is_refused_with_what_to_do(
    name, corpus_dir, admin_client
):
    code, words = REFUSED[name]
    path = corpus_dir / "images" / name
    response = admin_client.post(add_url(), add_data(upload(name, path.read_bytes())))
    assert response.status_code == 200
    assert error_codes(response) == [code]
    assert words in " ".join(form_errors(response)["file"])
    assert not Image.objects.exists()
