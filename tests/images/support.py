"""Helpers for the image library tests: admin URLs and form data, pictures to upload, and
what storage holds."""

import io
import os
import random
import struct
import zlib
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import lxml.html
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from PIL import Image as PILImage

from tests.images import picture_bytes

# Rendition file extension -> the format Pillow detects in the file's content.
PILLOW_FORMAT = {"avif": "AVIF", "webp": "WEBP", "jpg": "JPEG"}


def run_worker():
    """A worker runs every task that is due (the renditions of what was uploaded), then
    stops, as ``manage.py db_worker --batch`` does.

    In this process, inside the test's transaction: the worker's closing of connections
    between tasks (which would end that transaction on PostgreSQL) is left out, and what
    the tasks leave for after the commit (removing replaced files) runs at once."""
    with (
        mock.patch(
            "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
        ),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)


# Admin URLs and forms


def add_url():
    return reverse("admin:images_image_add")


def change_url(image):
    return reverse("admin:images_image_change", args=[image.pk])


def delete_url(image):
    return reverse("admin:images_image_delete", args=[image.pk])


def changelist_url():
    return reverse("admin:images_image_changelist")


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def add_data(file, **fields):
    """The add form's fields, with ``file`` (an upload) and a required alt text."""
    return {
        "file": file,
        "title": "",
        "alt": "Pistachio orchard near Kerman",
        "caption": "",
        "credit": "",
        "focal_x": "",
        "focal_y": "",
        "tags": "",
        **fields,
    }


def change_data(image, **fields):
    """The change form as it stands for ``image`` (no new file), with ``fields`` changed."""
    return {
        "title": image.title,
        "alt": image.alt,
        "caption": image.caption,
        "credit": image.credit,
        "focal_x": "" if image.focal_x is None else image.focal_x,
        "focal_y": "" if image.focal_y is None else image.focal_y,
        "tags": ", ".join(image.tags.names()),
        **fields,
    }


def form_errors(response):
    return response.context["adminform"].form.errors


def error_codes(response, field="file"):
    return [error.code for error in form_errors(response).as_data().get(field, [])]


# Pictures


def jpeg_upload(width=600, height=400, *, seed=0, name="photo.jpg", **save_options):
    return upload(name, picture_bytes(width, height, seed=seed, **save_options), "image/jpeg")


def noise_png(width, height, seed=0):
    """A PNG that does not compress: about ``width * height * 3`` bytes."""
    data = random.Random(seed).randbytes(width * height * 3)
    buffer = io.BytesIO()
    PILImage.frombytes("RGB", (width, height), data).save(buffer, "PNG")
    return buffer.getvalue()


def huge_bilevel_png(width, height):
    """A valid 1-bit PNG of ``width`` × ``height`` white pixels, written row by row so
    that it costs a few kilobytes and no pixel buffer (Pillow would need one byte a pixel
    to make it)."""

    def chunk(kind, payload):
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    rows = [compressor.compress(row * 1000) for _ in range(height // 1000)]
    rows.append(compressor.compress(row * (height % 1000)))
    rows.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", b"".join(rows))
        + chunk(b"IEND", b"")
    )


def split_picture(width, height, left_fraction=1 / 3, fmt="PNG"):
    """Red on the left ``left_fraction`` of the picture, blue on the rest."""
    picture = PILImage.new("RGB", (width, height), (0, 0, 255))
    picture.paste((255, 0, 0), (0, 0, round(width * left_fraction), height))
    buffer = io.BytesIO()
    picture.save(buffer, fmt)
    return buffer.getvalue()


def red_share(picture):
    """The share of a picture's pixels that are clearly red."""
    data = picture.convert("RGB").tobytes()
    pixels = [data[i : i + 3] for i in range(0, len(data), 3)]
    red = sum(1 for r, _g, b in pixels if r > 180 and b < 80)
    return red / len(pixels)


# Storage


def open_stored(name):
    """The stored file ``name`` decoded by Pillow (fully loaded, file closed)."""
    with default_storage.open(name, "rb") as handle:
        picture = PILImage.open(io.BytesIO(handle.read()))
        picture.load()
    return picture


def stored_bytes(name):
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def media_files():
    """Every file under MEDIA_ROOT on disk, as storage names."""
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return set()
    return {
        (Path(folder) / name).relative_to(root).as_posix()
        for folder, _dirs, names in os.walk(root)
        for name in names
    }


def storage_name(url):
    """The storage name a media URL (relative or absolute) points at."""
    path = urlsplit(url).path
    assert path.startswith(settings.MEDIA_URL), url
    return path[len(settings.MEDIA_URL) :]


# Pages


def parse(response):
    assert response.status_code == 200
    return lxml.html.fromstring(response.content)


def srcset_urls(srcset):
    """The URLs of a ``srcset`` attribute, with their width descriptors: [(url, 640)]."""
    candidates = []
    for candidate in srcset.split(","):
        url, descriptor = candidate.split()
        assert descriptor.endswith("w"), srcset
        candidates.append((url, int(descriptor[:-1])))
    return candidates
