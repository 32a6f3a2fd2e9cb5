"""Make every library image's renditions again, after the sizes or formats in
``images/renditions.py`` change (or after a migration brought in images without them).

Renditions that are already right are kept (their names say what they hold) unless
``--force``; those of the old sizes are removed once each image points at its new ones.
``--prune`` also removes any file under ``images/`` and ``renditions/`` that no library
image uses (left behind, for instance, by an upload whose save was rolled back).
"""

import sys
from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from images import renditions
from images.models import Image

STORED_FOLDERS = ("images", "renditions")
# A file younger than this may belong to an upload still being saved: never pruned.
PRUNE_GRACE = timedelta(hours=1)


class Command(BaseCommand):
    help = "Make the renditions of every library image again, with a progress bar."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Encode every rendition, even those present."
        )
        parser.add_argument(
            "--prune",
            action="store_true",
            help="Also delete stored files that no library image uses.",
        )

    def handle(self, *args, force=False, prune=False, **options):
        total = Image.objects.count()
        failures = []
        rebuilt = 0
        for done, image in enumerate(Image.objects.order_by("pk").iterator(), start=1):
            try:
                rebuilt += self.rebuild(image, force=force)
            except Exception as error:  # one unreadable file never stops the others
                failures.append(f"{image.pk} “{image}”: {type(error).__name__}: {error}")
            self.progress(done, total)
        self.stdout.write(
            f"{total} image(s): {rebuilt} with new renditions, "
            f"{total - rebuilt - len(failures)} already up to date, {len(failures)} failed."
        )
        if prune:
            removed = self.prune()
            self.stdout.write(f"Pruned {removed} file(s) no image uses.")
        if failures:
            for line in failures:
                self.stderr.write(line)
            raise CommandError(f"{len(failures)} image(s) could not be rebuilt.")

    def rebuild(self, image, *, force):
        old_files = set(renditions.files(image.renditions))
        manifest = renditions.build(image, force=force)
        if manifest == image.renditions and not force:
            return 0
        image.renditions = manifest
        # A save, not an update: the page cache learns that pages changed.
        image.save(update_fields=["renditions"])
        renditions.delete_files(sorted(old_files - set(renditions.files(manifest))))
        return 1

    def progress(self, done, total):
        width = 30
        filled = width * done // max(total, 1)
        line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        if self.stdout.isatty():
            self.stdout.write(f"\r{line}", ending="" if done < total else "\n")
        elif done == total or done % max(total // 10, 1) == 0:
            self.stdout.write(line)
        sys.stdout.flush()

    def prune(self):
        used = set()
        for image in Image.objects.only("file", "renditions").iterator():
            used.update(image.stored_files)
        removed = 0
        cutoff = timezone.now() - PRUNE_GRACE
        for folder in STORED_FOLDERS:
            for name in renditions.walk_storage(folder):
                if name not in used and default_storage.get_modified_time(name) < cutoff:
                    default_storage.delete(name)
                    removed += 1
        return removed
