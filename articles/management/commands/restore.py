"""``manage.py restore SITE.tar.gz``: make this site exactly what ``backup`` saved.

Run it on a migrated database of the same code version. The database is emptied and
loaded from the archive in one transaction: if anything in it fails, the database is left
as it was. Then the stored files are made to match the archive (written, and those the
backup does not know removed). The archive is checked before anything is touched.
"""

import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction

from articles import cache as page_cache
from articles.management.commands.backup import DATA_NAME, MEDIA_PREFIX
from articles.models import ContentGeneration
from images.renditions import walk_storage


class Command(BaseCommand):
    help = "Replace the database and stored files with a backup written by `backup`."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The archive `backup` wrote.")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Confirm that everything now in this site's database is to be replaced.",
        )

    def handle(self, *args, path, yes=False, **options):
        archive_path = Path(path)
        if not archive_path.is_file():
            raise CommandError(f"There is no file {archive_path}.")
        if not yes:
            raise CommandError(
                "This replaces everything in the database and media storage; "
                "run again with --yes to go ahead."
            )
        try:
            archive = tarfile.open(archive_path, "r:gz")
        except (tarfile.TarError, OSError) as error:
            raise CommandError(f"{archive_path} is not a backup archive: {error}") from error
        with archive, tempfile.TemporaryDirectory() as folder:
            media = self.checked_members(archive)
            data = Path(folder) / DATA_NAME
            data.write_bytes(archive.extractfile(DATA_NAME).read())
            self.load(data)
            written, removed = self.restore_media(archive, media)
        self.stdout.write(
            f"Restored the database and {written} stored files ({removed} not in the "
            "backup removed)."
        )

    def checked_members(self, archive):
        """The archive's media members, once every member is known to be safe."""
        media, has_data = [], False
        for member in archive.getmembers():
            path = PurePosixPath(member.name)
            if not member.isfile() or path.is_absolute() or ".." in path.parts:
                raise CommandError(f"Refusing the archive: unexpected entry “{member.name}”.")
            if member.name == DATA_NAME:
                has_data = True
            elif member.name.startswith(MEDIA_PREFIX):
                media.append(member)
            else:
                raise CommandError(f"Refusing the archive: unexpected entry “{member.name}”.")
        if not has_data:
            raise CommandError(f"Refusing the archive: it has no {DATA_NAME}; not a backup.")
        return media

    def load(self, data):
        previous = page_cache.current_generation()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Checks still pending in this transaction run now: PostgreSQL empties no
                # table that has some (and the loading below defers them again).
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # Emptied, then content types and permissions made again by post_migrate.
            call_command("flush", interactive=False, verbosity=0)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            try:
                call_command("loaddata", str(data), verbosity=0)
            except Exception as error:
                raise CommandError(f"The backup's data could not be loaded: {error}") from error
            # PostgreSQL's id sequences continue after the loaded rows.
            statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
            if not page_cache.shared_generation():
                # Past every number pages were cached under, before and in the backup.
                loaded = page_cache.current_generation()
                ContentGeneration.objects.update_or_create(
                    pk=1, defaults={"number": max(previous, loaded) + 1}
                )
        if page_cache.shared_generation():
            page_cache.bump()

    def restore_media(self, archive, members):
        wanted = set()
        for member in members:
            name = member.name[len(MEDIA_PREFIX) :]
            wanted.add(name)
            payload = archive.extractfile(member).read()
            if default_storage.exists(name):
                with default_storage.open(name, "rb") as stored:
                    if stored.read() == payload:
                        continue
                default_storage.delete(name)
            saved = default_storage.save(name, ContentFile(payload))
            if saved != name:
                raise CommandError(f"Storage kept {name} as {saved}; restore stopped.")
        removed = 0
        for name in list(walk_storage()):
            if name not in wanted:
                default_storage.delete(name)
                removed += 1
        return len(wanted), removed
