"""Safe image uploads: what a file is decides, never its name.

Every uploaded picture (library images, author photos, imported WordPress media) goes
through ``sanitize``: Pillow must recognise it as JPEG, PNG, WebP, GIF, TIFF or AVIF by
its content, decode every pixel of every frame (so truncated and corrupt files are
refused), stay within the size, dimension and pixel limits (so decompression bombs are
refused before they are decoded), and is then re-encoded upright (EXIF orientation
applied), in 8-bit sRGB (``images.colour``: profiles converted, 16-bit greys scaled), with
no metadata at all: no EXIF (GPS positions, camera serial numbers), no XMP, no comments.
TIFF, which browsers cannot show, is stored as PNG. HEIF (HEIC), which this Pillow cannot
read, is refused with a message saying what to do.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.text import slugify

from images import colour

# Format (as Pillow names it) -> file extension and MIME type.
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
    "AVIF": ("avif", "image/avif"),
}
# Read, and stored as another format because browsers cannot show them.
STORED_AS = {"TIFF": "PNG"}
ACCEPTED = "JPEG, PNG, WebP, GIF, TIFF or AVIF"
# ISO media brands of HEIF pictures (iPhones' default "High Efficiency" setting).
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1"}

# What a frame keeps of its metadata: how it is drawn and animated, nothing about who,
# where or with what it was taken.
KEEP_INFO = ("transparency", "duration", "loop", "background", "lossless")


@dataclass(frozen=True)
class CleanImage:
    """A sanitized picture, ready to store."""

    content: ContentFile
    format: str
    width: int
    height: int
    sha256: str  # of the uploaded bytes: the same file uploaded twice is the same picture
    frames: int = 1  # more than one: an animation, of which pages show the first frame

    @property
    def mime_type(self):
        return FORMATS[self.format][1]


def limits():
    return {
        "bytes": settings.IMAGE_MAX_UPLOAD_MB * 1024 * 1024,
        "side": settings.IMAGE_MAX_SIDE,
        "pixels": settings.IMAGE_MAX_MEGAPIXELS * 1_000_000,
    }


def _megabytes(size):
    return f"{size / 1024 / 1024:.1f} MB"


def sanitize(upload, *, name=None):
    """Check and clean ``upload`` (a Django ``File``); return a ``CleanImage``.

    Raises ``ValidationError`` with a message an editor can act on when the file is not
    an acceptable picture. Nothing is written anywhere."""
    # Pillow is imported on first upload, not when a worker starts (worker memory).
    from PIL import Image as PILImage
    from PIL import ImageFile, UnidentifiedImageError

    # A truncated file is an error, never a half-grey picture.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    limit = limits()
    size = upload.size
    if size is None or size == 0:
        raise ValidationError("The file is empty.", code="empty")
    if size > limit["bytes"]:
        raise ValidationError(
            f"The file is {_megabytes(size)}; pictures may be at most "
            f"{settings.IMAGE_MAX_UPLOAD_MB} MB.",
            code="too_big",
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        raise ValidationError(
            "This is a HEIF (HEIC) picture, which the site cannot read; export it as JPEG "
            "(on an iPhone: Settings, Camera, Formats, Most Compatible) and upload that.",
            code="heif",
        )
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that; refuse those too.
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            source = PILImage.open(io.BytesIO(data), formats=readable())
            # Phones write JPEGs with extra pictures (MPO): the first one is the photo.
            fmt = "JPEG" if source.format == "MPO" else source.format
            # Multi-page TIFFs and AVIF sequences: the first picture only.
            only_first = fmt in ("JPEG", "TIFF", "AVIF")
            _check_dimensions(source, limit, frames=1 if only_first else None)
            frame_count = 1 if only_first else getattr(source, "n_frames", 1)
            frames = _decode(source, only_first=only_first)
    except ValidationError:
        raise
    except (UnidentifiedImageError, PILImage.DecompressionBombError, SyntaxError) as error:
        if isinstance(error, PILImage.DecompressionBombError):
            raise ValidationError(_too_many_pixels(limit), code="bomb") from error
        raise ValidationError(
            f"This file is not a {ACCEPTED} picture (its content was checked, not its name).",
            code="not_image",
        ) from error
    except PILImage.DecompressionBombWarning as error:
        raise ValidationError(_too_many_pixels(limit), code="bomb") from error
    except (OSError, ValueError, EOFError) as error:
        raise ValidationError(
            "The picture is damaged or incomplete (perhaps cut short in the upload); "
            "export it again and upload the new file.",
            code="corrupt",
        ) from error
    fmt = STORED_AS.get(fmt, fmt)
    encoded = _encode(source, fmt, frames)
    extension = FORMATS[fmt][0]
    stem = slugify(PurePath(name or getattr(upload, "name", "") or "image").stem)[:80]
    return CleanImage(
        content=ContentFile(encoded, name=f"{stem or 'image'}.{extension}"),
        format=fmt,
        width=frames[0].width,
        height=frames[0].height,
        sha256=hashlib.sha256(data).hexdigest(),
        frames=frame_count,
    )


def readable():
    """The formats read here: AVIF only where Pillow was built with it."""
    from PIL import features

    names = [*FORMATS, *STORED_AS]
    return [name for name in names if name != "AVIF" or features.check("avif")]


def _too_many_pixels(limit):
    return (
        f"The picture has too many pixels to process safely; the limit is "
        f"{limit['pixels'] // 1_000_000} megapixels and {limit['side']} pixels a side."
    )


def _check_dimensions(source, limit, *, frames=None):
    """Refuse oversized pictures from their header, before any pixel is decoded."""
    width, height = source.size
    frames = frames or getattr(source, "n_frames", 1)
    if width < 1 or height < 1:
        raise ValidationError("The picture has no pixels.", code="corrupt")
    if max(width, height) > limit["side"] or width * height * frames > limit["pixels"]:
        frames_text = f" in {frames} frames" if frames > 1 else ""
        raise ValidationError(
            f"The picture is {width} × {height} pixels{frames_text}, too large to process "
            f"safely; the limit is {limit['pixels'] // 1_000_000} megapixels and "
            f"{limit['side']} pixels a side.",
            code="too_large",
        )


def _decode(source, *, only_first=False):
    """Every frame (or the first), decoded in full and turned upright."""
    from PIL import ImageOps, ImageSequence

    frames = []
    profile = source.info.get("icc_profile")
    for frame in ImageSequence.Iterator(source):
        frame.load()
        # A new picture, turned or copied: the frame itself is left as it was.
        upright = colour.to_web(ImageOps.exif_transpose(frame), profile)
        # Pillow's savers write back what ``info`` holds (comments, EXIF, XMP): keep only
        # what the picture needs to look the same.
        upright.info = {key: frame.info[key] for key in KEEP_INFO if key in frame.info}
        frames.append(upright)
        if only_first:
            break
    if not frames:
        raise OSError("no frames")
    return frames


def _encode(source, fmt, frames):
    """The frames re-encoded in ``fmt``, with no metadata (their pixels are sRGB already)."""
    output = io.BytesIO()
    options = {}
    first = frames[0]
    if fmt == "JPEG":
        if first.mode not in ("RGB", "L"):
            first = first.convert("RGB")
        first.save(output, "JPEG", quality=92, optimize=True)
    elif fmt == "PNG":
        first.save(output, "PNG", optimize=True)
    elif fmt == "AVIF":
        first.save(output, "AVIF", quality=90)
    elif fmt == "WEBP":
        options["lossless"] = source.info.get("lossless", False)
        _save_frames(output, "WEBP", frames, source, quality=92, **options)
    else:  # GIF
        _save_frames(output, "GIF", frames, source)
    return output.getvalue()


def _save_frames(output, fmt, frames, source, **options):
    if len(frames) > 1:
        options.update(
            save_all=True,
            append_images=frames[1:],
            duration=source.info.get("duration", 100),
            loop=source.info.get("loop", 0),
        )
    frames[0].save(output, fmt, **options)
