"""The HTML that serves library pictures: ``<picture>`` elements for templates, and the
same for pictures inside a story's text."""

import html
import re
from urllib.parse import unquote

from django.core.files.storage import default_storage
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from images import renditions
from images.models import Image

# What a story's text column is wide (static/css/site.css: --measure).
BODY_SIZES = "(min-width: 46rem) 42rem, calc(100vw - 2rem)"


def picture(image, spec, sizes, *, alt="", loading="lazy", fetchpriority=""):
    """A ``<picture>`` of ``image``'s renditions in slot ``spec``: one ``<source>`` per
    modern format, a JPEG ``<img>`` for the rest, and the width and height that reserve
    the space before it loads (no layout shift).

    ``loading="eager"`` with ``fetchpriority="high"`` is for the picture that is the
    page's largest paint; everything below the fold loads lazily."""
    manifest = image.renditions
    attributes = {"alt": alt, "decoding": "async"}
    if loading == "lazy":
        attributes["loading"] = "lazy"
    if fetchpriority:
        attributes["fetchpriority"] = fetchpriority
    if not manifest or spec not in manifest.get("specs", {}):
        # Not made yet (a task is making them): the small preview made with the upload,
        # or the original for an image stored before previews were (rebuild_renditions).
        src, width, height = image.rendition(spec)
        return _img(src=src, width=width, height=height, **attributes)
    sources = format_html_join(
        "",
        '<source type="{}" srcset="{}" sizes="{}">',
        (
            (renditions.ENCODINGS[fmt][1], renditions.srcset(manifest, spec, fmt), sizes)
            for fmt in manifest["formats"]
            if fmt != "jpeg"
        ),
    )
    src, _width, _height = renditions.largest(manifest, spec, at_most=960)
    _src, width, height = renditions.largest(manifest, spec)
    img = _img(
        src=src,
        srcset=renditions.srcset(manifest, spec, "jpeg"),
        sizes=sizes,
        width=width,
        height=height,
        **attributes,
    )
    return format_html("<picture>{}{}</picture>", sources, img)


def _img(**attributes):
    pairs = (format_html('{}="{}"', name, value) for name, value in attributes.items())
    return format_html("<img {}>", mark_safe(" ".join(pairs)))


_IMG = re.compile(r"<img\b([^>]*)>")
_ATTRIBUTE = re.compile(r'([a-zA-Z-]+)="([^"]*)"')


def body_pictures(fragment):
    """``{stored name: Image}`` of the library pictures ``fragment`` (a sanitized story
    body) shows: one query, and only when the text has pictures of the library."""
    if "<img" not in fragment:
        return {}
    base = _media_base()
    found = {}
    for match in _IMG.finditer(fragment):
        src = html.unescape(dict(_ATTRIBUTE.findall(match.group(1))).get("src", ""))
        if src.startswith(base):
            found[unquote(src[len(base) :])] = None
    if not found:
        return {}
    return {image.file.name: image for image in Image.objects.filter(file__in=list(found))}


def _media_base():
    return default_storage.url("images/")[: -len("images/")]


def responsive_body(fragment, library=None):
    """``fragment`` (a sanitized story body) with each library picture in it served as a
    ``<picture>`` of its renditions; other pictures are left as they are. ``library`` is
    ``body_pictures(fragment)`` when the caller has it; else it is read here (one query,
    and only when the text has pictures)."""
    if library is None:
        library = body_pictures(fragment)
    if not library:
        return mark_safe(fragment)
    base = _media_base()

    def replace(match):
        attributes = dict(_ATTRIBUTE.findall(match.group(1)))
        src = html.unescape(attributes.get("src", ""))
        image = library.get(unquote(src[len(base) :])) if src.startswith(base) else None
        if image is None:
            return match.group(0)
        alt = html.unescape(attributes.get("alt", "")) or image.alt
        return picture(image, "full", BODY_SIZES, alt=alt)

    return mark_safe(_IMG.sub(replace, fragment))
