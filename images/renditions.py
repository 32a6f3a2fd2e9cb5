"""Renditions: the sizes and crops of a library image that pages serve.

They are made by a background task after the image is saved (``images.tasks``; or by
``manage.py rebuild_renditions`` after the sizes below change), never while an editor's
request or a reader waits. Until they exist, pages serve one small preview made in the
request (``build_preview``; docs/decisions/renditions-in-the-background.md).

Each slot has a fixed shape, cropped around the image's focal point, in a few widths and
in every format the browser may choose from (AVIF where this Pillow can write it, WebP,
and JPEG for the rest).

A rendition's file name carries a key made from the original's content, the focal point
and the settings below, so a changed picture or crop always gets new addresses: a CDN
or browser can cache every rendition for a year.

The image row keeps a manifest of what was made (``Image.renditions``), so a page needs
no query beyond the image row itself to write its ``<picture>``.
"""

import hashlib
import io
import json

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

# Pillow is imported where pictures are made, not here: pages only read manifests, and a
# worker that never makes a rendition never loads it (worker memory).

# Slot -> (shape as width:height, or None to keep the original's), widths in pixels.
SPECS = {
    "lead": ((16, 9), (640, 960, 1280, 1920)),  # the article's and home page's lead picture
    "card": ((4, 3), (320, 480, 640, 960)),  # story cards in lists
    "thumb": ((1, 1), (160, 320)),  # squares: the library, structured data
    "full": (None, (480, 800, 1200, 1600)),  # pictures inside a story's text
}

# Format -> (extension, MIME type, Pillow's save options); best first.
ENCODINGS = {
    "avif": ("avif", "image/avif", {"quality": 55, "speed": 8}),
    "webp": ("webp", "image/webp", {"quality": 78, "method": 4}),
    "jpeg": ("jpg", "image/jpeg", {"quality": 82, "optimize": True, "progressive": True}),
}


def formats():
    """The formats made here: AVIF only where Pillow was built with it."""
    from PIL import features

    return [name for name in ENCODINGS if name != "avif" or features.check("avif")]


def manifest_key(sha256, focal):
    """What the renditions depend on, hashed: a change to any of it means new files."""
    recipe = json.dumps([sha256, focal, SPECS, ENCODINGS, formats()], sort_keys=True)
    return hashlib.sha256(recipe.encode()).hexdigest()[:20]


def file_name(key, spec, width, fmt):
    return f"renditions/{key[:2]}/{key}/{spec}-{width}.{ENCODINGS[fmt][0]}"


def preview_name(key, width):
    return f"renditions/{key[:2]}/{key}/preview-{width}.jpg"


def files(manifest):
    """Every storage name a manifest refers to."""
    if not manifest:
        return []
    key = manifest["key"]
    names = [
        file_name(key, spec, width, fmt)
        for spec, sizes in manifest.get("specs", {}).items()
        for width, _height in sizes
        for fmt in manifest["formats"]
    ]
    if "preview" in manifest:
        names.append(preview_name(key, manifest["preview"][0]))
    return names


def is_complete(manifest, key):
    """Whether ``manifest`` holds every rendition of the recipe ``key`` (see
    ``manifest_key``), not only a preview or the renditions of an older crop."""
    return bool(manifest) and manifest.get("key") == key and "specs" in manifest


# The preview's longest side, in pixels: wide enough for a story's text column at 2x on
# a phone and 1x on a desktop, a few hundred kilobytes at most whatever the original.
PREVIEW_SIDE = 1280


def build_preview(image):
    """Make the one small JPEG that pages serve until the renditions exist, and return
    its manifest (``{"key", "formats": [], "preview": [width, height]}``). Quick enough
    for the upload's request (about 0.1 s for a 6000 x 4000 JPEG): a JPEG is decoded at
    a reduced scale (``draft``), never at full size."""
    from PIL import Image as PILImage

    key = manifest_key(image.sha256, image.focal_point)
    scale = min(1, PREVIEW_SIDE / max(image.width, image.height))
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    with image.file.open("rb") as handle:
        picture = PILImage.open(handle)
        # A JPEG decodes at 1/2, 1/4 or 1/8 of its size, the smallest still covering
        # ``size`` (other formats ignore it): a quarter of the work, or less.
        picture.draft(None, size)
        picture.load()
    picture = _flat_mode(picture)
    if size != picture.size:
        picture = picture.resize(size, PILImage.Resampling.BILINEAR, reducing_gap=2.0)
    _store(preview_name(key, size[0]), _encode(picture, "jpeg"))
    return {"key": key, "formats": [], "preview": list(size)}


def preview(manifest):
    """(url, width, height) of the manifest's preview, or None."""
    if not manifest or "preview" not in manifest:
        return None
    width, height = manifest["preview"]
    return default_storage.url(preview_name(manifest["key"], width)), width, height


def crop_box(width, height, shape, focal):
    """The largest box of ``shape`` inside the picture, centred as near the focal point
    (percentages across and down; the middle when unset) as the edges allow."""
    if shape is None:
        return (0, 0, width, height)
    shape_w, shape_h = shape
    if width * shape_h > height * shape_w:
        box_w, box_h = round(height * shape_w / shape_h), height
    else:
        box_w, box_h = width, round(width * shape_h / shape_w)
    focal_x, focal_y = (50, 50) if focal is None else focal
    left = min(max(round(width * focal_x / 100 - box_w / 2), 0), width - box_w)
    top = min(max(round(height * focal_y / 100 - box_h / 2), 0), height - box_h)
    return (left, top, left + box_w, top + box_h)


def widths_for(box_width, widths):
    """The widths not larger than the crop (never upscaled); the crop's own when it is
    narrower than the smallest."""
    return [width for width in widths if width <= box_width] or [box_width]


def build(image, *, force=False):
    """Make every rendition of ``image`` (an ``images.Image``) that its manifest key
    needs, and return the manifest. Files already there under the same key are the same
    picture and are kept, unless ``force``."""
    from PIL import Image as PILImage

    focal = image.focal_point
    key = manifest_key(image.sha256, focal)
    with image.file.open("rb") as handle:
        picture = PILImage.open(handle)
        picture.load()
    picture = _flat_mode(picture)
    made = {"key": key, "formats": formats(), "specs": {}}
    for spec, (shape, widths) in SPECS.items():
        box = crop_box(picture.width, picture.height, shape, focal)
        box_w, box_h = box[2] - box[0], box[3] - box[1]
        sizes = []
        for width in widths_for(box_w, widths):
            height = max(1, round(width * box_h / box_w))
            sizes.append([width, height])
            names = {fmt: file_name(key, spec, width, fmt) for fmt in made["formats"]}
            if not force and all(default_storage.exists(name) for name in names.values()):
                continue
            resized = picture.resize(
                (width, height), PILImage.Resampling.LANCZOS, box=box, reducing_gap=3.0
            )
            for fmt, name in names.items():
                _store(name, _encode(resized, fmt))
        made["specs"][spec] = sizes
    return made


def _flat_mode(picture):
    """RGB, or RGBA when the picture has transparency, in sRGB: originals stored before
    uploads were converted (``images.colour``) may still be 16-bit or carry a profile."""
    from images import colour

    picture = colour.to_web(picture, picture.info.get("icc_profile"))
    picture.info.pop("icc_profile", None)  # converted: an sRGB picture needs none
    has_alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    return picture.convert("RGBA" if has_alpha else "RGB")


def _encode(picture, fmt):
    from PIL import Image as PILImage

    output = io.BytesIO()
    _ext, _mime, options = ENCODINGS[fmt]
    if fmt == "jpeg" and picture.mode == "RGBA":
        background = PILImage.new("RGB", picture.size, "white")
        background.paste(picture, mask=picture.getchannel("A"))
        picture = background
    picture.save(output, fmt.upper(), **options)
    return output.getvalue()


def _store(name, data):
    if default_storage.exists(name):
        default_storage.delete(name)
    default_storage.save(name, ContentFile(data))


def delete_files(names):
    """Remove stored files, ignoring those already gone."""
    for name in names:
        if name and default_storage.exists(name):
            default_storage.delete(name)


def walk_storage(folder=""):
    """Every file stored under ``folder`` (all of them by default), by storage name,
    through the storage API: a bucket is walked like a disk."""
    try:
        directories, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):  # nothing stored there yet
        return
    prefix = f"{folder}/" if folder else ""
    for name in sorted(files):
        yield prefix + name
    for directory in sorted(directories):
        yield from walk_storage(prefix + directory)


def srcset(manifest, spec, fmt):
    key = manifest["key"]
    return ", ".join(
        f"{default_storage.url(file_name(key, spec, width, fmt))} {width}w"
        for width, _height in manifest["specs"][spec]
    )


def largest(manifest, spec, fmt="jpeg", *, at_most=None):
    """(url, width, height) of the largest rendition in ``spec`` (not wider than
    ``at_most``), or None when the manifest has no such slot."""
    sizes = (manifest or {}).get("specs", {}).get(spec)
    if not sizes or fmt not in manifest.get("formats", ()):
        return None
    fitting = [size for size in sizes if at_most is None or size[0] <= at_most] or sizes[:1]
    width, height = fitting[-1]
    return default_storage.url(file_name(manifest["key"], spec, width, fmt)), width, height
