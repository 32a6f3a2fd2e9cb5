"""The background task that makes a library image's renditions.

``images.services.image_save`` stores the picture with a small preview and enqueues
``make_renditions``; a worker (``manage.py db_worker``) makes the renditions. With the
database backend the task is a row of the same database, written in the save's
transaction: a worker that is down when a picture is saved makes its renditions when it
returns. ``manage.py rebuild_renditions`` makes whatever a lost task left undone.
"""

from django.db import transaction

from core.tasks import queue_in_database, task
from images import renditions
from images.models import Image


def enqueue(image_id):
    """Enqueue ``make_renditions`` for ``image_id``: in the caller's transaction with the
    database backend, once it commits with another (so a worker never looks for a row not
    yet written)."""
    if queue_in_database():
        make_renditions.enqueue(image_id)
    else:
        transaction.on_commit(lambda: make_renditions.enqueue(image_id))


@task()
def make_renditions(image_id):
    """Make the renditions of image ``image_id`` and point the image at them; remove the
    preview and any older crop's files once that is committed. Idempotent: an image whose
    renditions are made, or that was deleted, is left alone, and one changed while its
    renditions were being made keeps the newer picture (its own task makes those)."""
    image = Image.objects.filter(pk=image_id).first()
    if image is None:
        return "deleted"
    if image.renditions_ready:
        return "up to date"
    manifest = renditions.build(image)  # slow: outside any transaction
    with transaction.atomic():
        current = Image.objects.select_for_update().filter(pk=image_id).first()
        key = (
            None
            if current is None
            else renditions.manifest_key(current.sha256, current.focal_point)
        )
        if key != manifest["key"]:
            keep = set() if current is None else set(current.stored_files)
            unused = set(renditions.files(manifest)) - keep
            transaction.on_commit(lambda: renditions.delete_files(sorted(unused)))
            return "changed meanwhile"
        old_files = set(current.stored_files)
        current.renditions = manifest
        # A save, not an update: the page cache learns that pages changed.
        current.save(update_fields=["renditions"])
        unused = old_files - set(current.stored_files)
        transaction.on_commit(lambda: renditions.delete_files(sorted(unused)))
    return "made"


def catch_up():
    """Enqueue ``make_renditions`` for every image whose renditions are not all made: for a
    task backend outside the database, where an enqueued task can be lost
    (``manage.py renditions_catch_up``). Extra runs are harmless. Returns how many."""
    count = 0
    waiting = Image.objects.only("pk", "sha256", "focal_x", "focal_y", "renditions")
    for image in waiting.order_by("pk").iterator():
        if not image.renditions_ready:
            enqueue(image.pk)
            count += 1
    return count
