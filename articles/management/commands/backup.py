"""``manage.py backup SITE.tar.gz``: the whole site in one file, for ``restore``.

The archive holds ``data.json`` (every row of every table, as ``dumpdata`` writes it,
with content types and users named rather than numbered so that it loads into any fresh
database) and ``media/`` (every stored file: pictures, renditions, author photos), read
through the storage API, so a bucket is backed up like a disk. It is written to a
temporary name and renamed when complete: a failed backup never leaves a partial file
under the name asked for.
"""

import io
import os
import tarfile
import tempfile
from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from images.renditions import walk_storage

# Rebuilt by `migrate` in any database, or of no use elsewhere.
EXCLUDED = ["contenttypes", "auth.permission", "sessions"]
DATA_NAME = "data.json"
MEDIA_PREFIX = "media/"


class Command(BaseCommand):
    help = "Write the database and every stored file into one .tar.gz, for `restore`."

    def add_arguments(self, parser):
        parser.add_argument("path", help="Where to write the archive, e.g. site.tar.gz.")

    def handle(self, *args, path, **options):
        target = Path(path)
        if not target.parent.is_dir():
            raise CommandError(f"There is no folder {target.parent} to write {target.name} in.")
        handle, partial = tempfile.mkstemp(dir=target.parent, suffix=".partial")
        os.close(handle)
        try:
            counts = self.write(Path(partial))
            os.replace(partial, target)
        finally:
            if os.path.exists(partial):
                os.remove(partial)
        self.stdout.write(
            f"Backed up the database ({counts['kilobytes']:,.0f} KB of data) and "
            f"{counts['files']} stored files to {target}."
        )

    def write(self, partial):
        counts = {"files": 0}
        with tempfile.TemporaryDirectory() as folder:
            data = Path(folder) / DATA_NAME
            # Streamed to disk, not held in memory: a large archive is fine.
            call_command(
                "dumpdata", exclude=EXCLUDED, natural_foreign=True, output=str(data), verbosity=0
            )
            counts["kilobytes"] = data.stat().st_size / 1024
            with tarfile.open(partial, "w:gz") as archive:
                archive.add(data, arcname=DATA_NAME)
                self.add_media(archive, counts)
        return counts

    def add_media(self, archive, counts):
        for name in walk_storage():
            with default_storage.open(name, "rb") as stored:
                add_bytes(archive, MEDIA_PREFIX + name, stored.read())
            counts["files"] += 1


def add_bytes(archive, name, payload):
    info = tarfile.TarInfo(name)
    info.size = len(payload)
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(payload))
