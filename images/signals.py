from django.db import transaction

from images import renditions


def delete_files(sender, instance, **kwargs):
    """A deleted image takes its original and every rendition with it, once the
    deletion is committed (a rolled-back deletion keeps them)."""
    names = instance.stored_files
    transaction.on_commit(lambda: renditions.delete_files(names))
