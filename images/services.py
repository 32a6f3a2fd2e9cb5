"""Writing library images: the admin, the body editor's picker, the WordPress importer and
the demo content all store pictures through here, so every stored file is sanitized and
gets its renditions (from a background task, ``images.tasks``)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from images import renditions, tasks, uploads
from images.models import Image


def duplicate_of(clean, *, exclude_pk=None):
    """The library image already holding this exact file, if any."""
    return Image.objects.filter(sha256=clean.sha256).exclude(pk=exclude_pk).first()


def image_save(*, image, clean=None, user=None):
    """Save ``image``: store ``clean`` (a ``uploads.CleanImage``) as its file when given,
    and enqueue the task that makes its renditions; once committed, remove the files it
    no longer uses (the replaced original and its renditions).

    Answers in well under a second for a camera-size picture: the renditions are made by
    the task. A new picture gets a small preview at once, which pages serve until then; a
    moved focal point keeps the old crop's renditions until the new ones replace them."""
    old_files = []
    if image.pk is not None:
        stored = Image.objects.filter(pk=image.pk).first()
        old_files = stored.stored_files if stored else []
    if clean is not None:
        image.sha256 = clean.sha256  # names the stored file (models.image_path)
        image.width, image.height = clean.width, clean.height
        image.file_size = clean.content.size
        image.file.save(clean.content.name, clean.content, save=False)
    if user is not None and image.uploaded_by_id is None:
        image.uploaded_by = user
    key = renditions.manifest_key(image.sha256, image.focal_point)
    if clean is not None and image.renditions.get("key") != key:
        image.renditions = renditions.build_preview(image)
    elif not image.renditions:  # stored before previews were made (or by a migration)
        try:
            image.renditions = renditions.build_preview(image)
        except (OSError, ValueError, SyntaxError):
            pass  # an unreadable old file: pages keep its original, the task reports it
    with transaction.atomic():
        image.save()
        if not image.renditions_ready:
            tasks.enqueue(image.pk)
    unused = set(old_files) - set(image.stored_files)
    if unused:
        transaction.on_commit(lambda: renditions.delete_files(sorted(unused)))
    return image


def image_from_file(*, file, alt, title="", caption="", credit="", user=None):
    """The library image for ``file`` and whether it is new: the existing one when this
    exact file is already in the library. Raises ``ValidationError`` for a bad file."""
    clean = uploads.sanitize(file)
    existing = duplicate_of(clean)
    if existing is not None:
        return existing, False
    image = Image(
        title=(title or alt or clean.content.name)[:200],
        alt=(alt or title)[:250],
        caption=caption[:300],
        credit=credit[:120],
    )
    if not image.alt:
        raise ValidationError("A picture needs alt text.")
    return image_save(image=image, clean=clean, user=user), True
