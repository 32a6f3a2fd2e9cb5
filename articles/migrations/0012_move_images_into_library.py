# Featured images move into the image library: each stored file becomes one
# library image carrying the alt text and credit, and the article points at it. Stored
# versions and pending changes are rewritten to match, so history stays restorable.
# Renditions are made afterwards by `manage.py rebuild_renditions`; until then pages
# serve the original file.

import hashlib
import json

from django.core.files.storage import default_storage
from django.db import migrations

OLD_FIELDS = ("image_width", "image_height", "image_alt", "image_credit")


def file_digest(name):
    try:
        with default_storage.open(name, "rb") as handle:
            digest = hashlib.sha256()
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
            return digest.hexdigest(), default_storage.size(name)
    except OSError:
        return None, 0


class Library:
    """Old file names to library images, created on first sight."""

    def __init__(self, apps):
        self.Image = apps.get_model("images", "Image")
        self.by_name = {}

    def image_for(self, name, *, alt, caption, credit, width, height, title):
        if not name:
            return None
        if name not in self.by_name:
            sha, size = file_digest(name)
            if sha is None:  # the file is gone: nothing to point at
                self.by_name[name] = None
                return None
            image = self.Image.objects.filter(sha256=sha).first()
            if image is None:
                image = self.Image.objects.create(
                    title=(title or alt or name)[:200],
                    file=name,
                    width=width or 0,
                    height=height or 0,
                    file_size=size,
                    sha256=sha,
                    alt=(alt or title or name)[:250],
                    caption=(caption or "")[:300],
                    credit=(credit or "")[:120],
                )
            self.by_name[name] = image.pk
        return self.by_name[name]


def article_versions(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Version = apps.get_model("reversion", "Version")
    content_type = ContentType.objects.filter(app_label="articles", model="article").first()
    if content_type is None:
        return Version.objects.none()
    return Version.objects.filter(content_type=content_type, format="json")


def rewrite_versions(apps, change):
    for version in article_versions(apps).iterator():
        data = json.loads(version.serialized_data)
        for obj in data:
            change(obj["fields"])
        version.serialized_data = json.dumps(data)
        version.save(update_fields=["serialized_data"])


def to_library(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    PendingEdit = apps.get_model("articles", "PendingEdit")
    library = Library(apps)
    for article in Article.objects.exclude(image="").iterator():
        article.library_image_id = library.image_for(
            article.image.name,
            alt=article.image_alt,
            caption=article.image_caption,
            credit=article.image_credit,
            width=article.image_width,
            height=article.image_height,
            title=article.title,
        )
        article.save(update_fields=["library_image"])

    def change(fields):
        fields["image"] = library.image_for(
            fields.get("image") or "",
            alt=fields.get("image_alt"),
            caption=fields.get("image_caption"),
            credit=fields.get("image_credit"),
            width=fields.get("image_width"),
            height=fields.get("image_height"),
            title=fields.get("title"),
        )
        for name in OLD_FIELDS:
            fields.pop(name, None)

    rewrite_versions(apps, change)
    for edit in PendingEdit.objects.iterator():
        if "image" in edit.data:
            data = dict(edit.data)
            data["image_id"] = library.image_for(
                data.pop("image") or "",
                alt=data.pop("image_alt", ""),
                caption=data.get("image_caption", ""),
                credit=data.pop("image_credit", ""),
                width=None,
                height=None,
                title=data.get("title", ""),
            )
            edit.data = data
            edit.save(update_fields=["data"])


def from_library(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Image = apps.get_model("images", "Image")
    PendingEdit = apps.get_model("articles", "PendingEdit")
    images = {image.pk: image for image in Image.objects.all()}

    def old_fields(pk):
        image = images.get(pk)
        if image is None:
            return {"image": "", "image_alt": "", "image_credit": "", "image_width": None,
                    "image_height": None}
        return {"image": image.file.name, "image_alt": image.alt, "image_credit": image.credit,
                "image_width": image.width, "image_height": image.height}

    for article in Article.objects.exclude(library_image=None).iterator():
        for name, value in old_fields(article.library_image_id).items():
            setattr(article, name, value)
        article.save(update_fields=["image", *OLD_FIELDS])
    rewrite_versions(apps, lambda fields: fields.update(old_fields(fields.get("image"))))
    for edit in PendingEdit.objects.iterator():
        if "image_id" in edit.data:
            data = dict(edit.data)
            fields = old_fields(data.pop("image_id"))
            data.update(image=fields["image"], image_alt=fields["image_alt"],
                        image_credit=fields["image_credit"])
            edit.data = data
            edit.save(update_fields=["data"])


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0011_image_library"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [migrations.RunPython(to_library, from_library)]
