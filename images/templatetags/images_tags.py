from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from images import renditions

register = template.Library()


@register.simple_tag
def picture(image, spec, sizes, alt="", loading="lazy", fetchpriority=""):
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
        # Not made yet (rebuild_renditions makes them): the original, at its size.
        return _img(src=image.url, width=image.width, height=image.height, **attributes)
    sources = format_html_join(
        "",
        '<source type="{}" srcset="{}" sizes="{}">',
        (
            (renditions.ENCODINGS[fmt][1], renditions.srcset(manifest, spec, fmt), sizes)
            for fmt in manifest["formats"]
            if fmt != "jpeg"
        ),
    )
    src, width, height = renditions.largest(manifest, spec, at_most=960)
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
