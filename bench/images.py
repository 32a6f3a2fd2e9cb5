"""Image bytes per page: ``make bench-images``.

Builds a throwaway site (SQLite and media in a temporary folder) whose article and home
page carry library pictures made from a photo-like 4,000 × 2,667 JPEG, renders the pages
as a reader gets them, and works out which file a browser takes from each ``<picture>``
(the first ``<source>`` type it supports, then the smallest ``srcset`` candidate at least
as wide as the slot in device pixels, which is how browsers choose) at phone and desktop
widths. It prints, and writes to ``bench/images.md``, the bytes each page costs in
pictures against serving the uploaded original.
"""

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.scratch import scratch_site

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "images.md"

# (name, viewport width in CSS pixels, device pixel ratio)
VIEWPORTS = [("phone", 390, 3), ("desktop", 1440, 1), ("desktop, 2x", 1440, 2)]
# A browser that takes AVIF (every current one), and one that takes only JPEG.
BROWSERS = [("AVIF", ("image/avif", "image/webp")), ("JPEG only", ())]
REM = 16


def photo(width=4000, height=2667, seed=7):
    """A JPEG that compresses like a photograph: smooth light, texture and edges."""
    from PIL import Image, ImageDraw, ImageFilter

    gradient = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 48)
    texture = Image.merge(
        "RGB",
        (
            Image.blend(gradient, noise, 0.35),
            Image.blend(gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT), noise, 0.3),
            Image.blend(gradient.rotate(90, expand=False), noise, 0.25),
        ),
    )
    draw = ImageDraw.Draw(texture)
    for index in range(40):
        x, y = (index * 389 + seed * 97) % width, (index * 211 + seed * 53) % height
        size = 80 + (index * 37) % 500
        draw.ellipse([x, y, x + size, y + size * 2 // 3], fill=((index * 50) % 256, 90, 140))
    buffer = io.BytesIO()
    texture.filter(ImageFilter.GaussianBlur(1.2)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def slot_width(sizes, viewport):
    """The CSS width a ``sizes`` attribute gives at ``viewport`` CSS pixels."""
    for entry in (part.strip() for part in sizes.split(",")):
        match = re.fullmatch(r"\(min-width:\s*([\d.]+)rem\)\s+(.+)", entry)
        if match:
            if viewport < float(match.group(1)) * REM:
                continue
            entry = match.group(2)
        return length(entry, viewport)
    return viewport


def length(value, viewport):
    value = value.strip()
    if match := re.fullmatch(r"calc\(100vw\s*-\s*([\d.]+)rem\)", value):
        return viewport - float(match.group(1)) * REM
    if value.endswith("vw"):
        return viewport * float(value[:-2]) / 100
    if value.endswith("rem"):
        return float(value[:-3]) * REM
    return float(value.removesuffix("px"))


def choose(candidates, needed):
    """The smallest ``(url, width)`` at least ``needed`` wide, else the widest."""
    ordered = sorted(candidates, key=lambda candidate: candidate[1])
    return next((c for c in ordered if c[1] >= needed), ordered[-1])


def parse_srcset(srcset):
    return [(url, int(width[:-1])) for url, width in (c.split() for c in srcset.split(", "))]


def pictures(html):
    """Each picture of a page: its sources as (type, candidates, sizes) and the img."""
    import lxml.html

    tree = lxml.html.fromstring(html)
    found = []
    for element in tree.xpath("//picture"):
        sources = [
            (s.get("type"), parse_srcset(s.get("srcset")), s.get("sizes"))
            for s in element.xpath(".//source")
        ]
        (img,) = element.xpath(".//img")
        found.append((sources, img))
    for img in tree.xpath("//img[not(ancestor::picture)]"):
        found.append(([], img))
    return found


def picked(sources, img, viewport, ratio, accepts):
    for kind, candidates, sizes in sources:
        if kind in accepts:
            return choose(candidates, slot_width(sizes, viewport) * ratio)[0]
    if img.get("srcset"):
        needed = slot_width(img.get("sizes"), viewport) * ratio
        return choose(parse_srcset(img.get("srcset")), needed)[0]
    return img.get("src")


def measure(pages, stored_size):
    rows = []
    for page, html, original in pages:
        found = pictures(html)
        for browser, accepts in BROWSERS:
            for name, viewport, ratio in VIEWPORTS:
                total = sum(
                    stored_size(picked(sources, img, viewport, ratio, accepts))
                    for sources, img in found
                )
                rows.append((page, len(found), browser, name, total, original * len(found)))
    return rows


def report(rows, original):
    lines = [
        "# Image bytes per page",
        "",
        f"{datetime.now(UTC):%Y-%m-%d}, `make bench-images`: pictures made from a "
        f"{original / 1024:,.0f} KB, 4,000 × 2,667 photo-like JPEG. Bytes are what one "
        "page view downloads in pictures (all of them, lazy ones included); the last "
        "column is the same pictures served as the uploaded original.",
        "",
        "| Page | Pictures | Browser | Screen | Picture bytes | As originals |",
        "|---|---:|---|---|---:|---:|",
    ]
    for page, count, browser, screen, total, originals in rows:
        lines.append(
            f"| {page} | {count} | {browser} | {screen} | {total / 1024:,.0f} KB "
            f"| {originals / 1024:,.0f} KB |"
        )
    return "\n".join(lines) + "\n"


def main():
    scratch_site("ifp-bench-images-")
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.test import Client
    from django.utils import timezone

    from articles.models import Article, Section
    from images.services import image_from_file
    from images.tasks import make_renditions

    section = Section.objects.create(name="Politics", slug="politics")
    now = timezone.now()
    articles = []
    sizes = []
    for index in range(8):
        data = photo(seed=index)
        sizes.append(len(data))
        image, _new = image_from_file(
            file=ContentFile(data, name=f"photo-{index}.jpg"), alt=f"Photo {index}"
        )
        make_renditions.call(image.pk)  # as the worker would, before readers come
        image.refresh_from_db()
        articles.append(
            Article.objects.create(
                title=f"Story {index}",
                slug=f"story-{index}",
                section=section,
                body="<p>Words.</p>",
                status=Article.Status.PUBLISHED,
                published_at=now - timedelta(minutes=index + 1),
                is_featured=index == 0,
                image=image,
            )
        )
    client = Client()
    url_base = default_storage.url("")

    def stored_size(url):
        return default_storage.size(url[len(url_base) :])

    average = sum(sizes) // len(sizes)
    pages = [
        ("Article", client.get(articles[0].get_absolute_url()).content, average),
        ("Home", client.get("/").content, average),
    ]
    text = report(measure(pages, stored_size), average)
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
