"""``manage.py restore SITE.tar.gz``: make this site exactly what ``backup`` saved.

Run it on a migrated database of the same code version, then restart the app (every
gunicorn host and task worker): running processes keep in memory what they read before.

Nothing is touched until the whole archive has been read once, streamed into a
temporary folder, and found sound: its signature (``BACKUP_SIGNING_KEY``) matches every
entry's name, size and SHA-256, so a changed, added or removed entry is refused; and each
media entry is a picture under the folders the site stores pictures in, with no name that
is a folder here or in the archive. Then the database is emptied and loaded in one
transaction (if anything in it fails, the database is left as it was), streamed line by
line so that memory stays bounded however large the archive, and written in batches
(``load_rows``). Content types and permissions are not emptied: the archive names them by
natural key, so their ids, which running processes have cached, stay the same. Last, the
stored files are made to match the archive (written, and those the backup does not know
removed).
"""

import hashlib
import hmac
import json
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import (
    FieldDoesNotExist,
    MultipleObjectsReturned,
    ObjectDoesNotExist,
)
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError, deserialize_fk_value
from django.core.serializers.python import Deserializer as PythonDeserializer
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, transaction

from articles import page_cache
from articles.management.commands.backup import (
    CHUNK,
    DATA_NAME,
    FORMAT,
    MEDIA_PREFIX,
    SIGNATURE_NAME,
    signature,
    signing_key,
)
from articles.models import ContentGeneration
from core.db import statements_unremembered
from images.renditions import walk_storage

# The folders the site stores files in (images.models, images.renditions, staff.models).
MEDIA_FOLDERS = ("images", "renditions", "authors")
# Picture files only, each known by its first bytes as well as by its name.
PICTURE_SIGNATURES = {
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
    ".avif": (b"\x00\x00\x00",),
}
# Rows that stay: matched by natural key, never renumbered under running processes.
KEPT_TABLES = {"django_content_type", "auth_permission", "django_migrations"}
SIGNATURE_MAX_BYTES = 64 * 1024 * 1024
# Rows written by one INSERT (fewer where the database limits a statement's parameters).
LOAD_BATCH = 500
# Natural keys a restore remembers the rows of (``_natural_keys_resolved``).
NAMED_MOST = 100_000
RESTART = (
    "Restart the app now (every gunicorn host and task worker): running processes keep "
    "in memory what they read before the restore."
)


def refuse(reason):
    return CommandError(f"Refusing the archive: {reason} Nothing was changed.")


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
        key = signing_key()
        archive_path = Path(path)
        if not archive_path.is_file():
            raise CommandError(f"There is no file {archive_path}.")
        if not yes:
            raise CommandError(
                "This replaces everything in the database and media storage; "
                "run again with --yes to go ahead."
            )
        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            data, media = self.unpack(archive_path, folder, key)
            check_media(media)
            self.load(data)
            written, removed = self.restore_media(media)
        self.stdout.write(
            f"Restored the database and {written} stored files ({removed} not in the "
            "backup removed)."
        )
        self.stdout.write(RESTART)

    def unpack(self, archive_path, folder, key):
        """Stream the archive into ``folder``, checking it: returns the data file and
        {storage name: unpacked file}. Raises before anything of the site is touched."""
        try:
            archive = tarfile.open(archive_path, "r|gz")
        except (tarfile.TarError, OSError) as error:
            raise CommandError(f"{archive_path} is not a backup archive: {error}") from error
        seen, manifest, data, media = [], None, None, {}
        try:
            with archive:
                for member in archive:
                    name = member.name
                    path = PurePosixPath(name)
                    if not member.isfile() or path.is_absolute() or ".." in path.parts:
                        raise refuse(f"unexpected entry “{name}”.")
                    if manifest is not None:
                        raise refuse(f"“{name}” follows the signature.")
                    if name == SIGNATURE_NAME:
                        if member.size > SIGNATURE_MAX_BYTES:
                            raise refuse("its signature is too large.")
                        manifest = archive.extractfile(member).read()
                        continue
                    if name == DATA_NAME and data is None:
                        target = data = folder / DATA_NAME
                    elif name.startswith(MEDIA_PREFIX) and name not in media:
                        target = folder / f"media-{len(media)}"
                        media[name[len(MEDIA_PREFIX) :]] = target
                    else:
                        raise refuse(f"unexpected entry “{name}”.")
                    size, digest = copy_hashed(archive.extractfile(member), target)
                    seen.append([name, size, digest])
        except tarfile.TarError as error:
            raise CommandError(f"{archive_path} is not a backup archive: {error}") from error
        check_signature(manifest, seen, key)
        if data is None:
            raise refuse(f"it has no {DATA_NAME}; not a backup.")
        return data, media

    def load(self, data):
        previous = page_cache.current_generation()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Checks still pending in this transaction run now: PostgreSQL empties no
                # table that has some (and the loading below defers them again).
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            tables = [
                table
                for table in connection.introspection.django_table_names(only_existing=True)
                if table not in KEPT_TABLES
            ]
            statements = connection.ops.sql_flush(no_style(), tables, allow_cascade=False)
            connection.ops.execute_sql_flush(statements)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            try:
                load_rows(data)
            except (DeserializationError, DatabaseError) as error:
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
        ContentType.objects.clear_cache()
        if page_cache.shared_generation():
            page_cache.bump()

    def restore_media(self, media):
        for name, unpacked in media.items():
            if default_storage.exists(name):
                if same_file(name, unpacked):
                    continue
                default_storage.delete(name)
            with open(unpacked, "rb") as stream:
                saved = default_storage.save(name, File(stream))
            if saved != name:
                raise CommandError(f"Storage kept {name} as {saved}; restore stopped.")
        removed = 0
        for name in list(walk_storage()):
            if name not in media:
                default_storage.delete(name)
                removed += 1
        return len(media), removed


def load_rows(path):
    """Load the rows of ``path`` (the archive's ``data.jsonl``) as ``loaddata`` would, but
    written ``LOAD_BATCH`` rows to an INSERT instead of one save (an UPDATE, then an
    INSERT) a row, which is hours at a million articles. Returns how many rows were loaded.

    Each row is stored as it is, exactly as ``loaddata``'s raw save stores it: no model's
    ``save()``, no field's automatic value (an ``auto_now`` time keeps the backup's) and no
    signals (nothing reacts to rows being loaded; ``content_changed`` ignores such saves,
    and the restore moves the content generation once itself). The rows of one model are
    read after those of the models before them are written, since a row names the rows it
    refers to by natural key (a tagged item its tag) and the name is looked up in the
    database. Saved one by one, as ``loaddata`` saves them: rows of the kept tables
    (content types, permissions, matched to existing rows), rows with many-to-many values,
    and rows naming a row not written yet. Memory holds one batch. Raises Django's
    ``DeserializationError`` for a row that cannot be read and ``DatabaseError`` for one
    the database refuses (a broken reference is checked before returning)."""
    loaded, deferred, tables, named = 0, [], set(), {}
    with (
        open(path, encoding="utf-8") as stream,
        connection.constraint_checks_disabled(),
        statements_unremembered(),
    ):
        for group in _groups_of_one_model(stream):
            batch = []
            resolved = (_natural_keys_resolved(data, named) for data in group)
            rows = PythonDeserializer(resolved, handle_forward_references=True)
            for data, row in zip(group, rows, strict=True):
                loaded += 1
                model = row.object._meta.model
                tables.add(model._meta.db_table)
                if row.deferred_fields and batch:
                    # It may name a row of this batch: write the batch, then read it again.
                    _insert(batch)
                    row = next(iter(PythonDeserializer([data], handle_forward_references=True)))
                if (
                    model._meta.db_table in KEPT_TABLES
                    or row.object.pk is None
                    or (row.m2m_data or row.deferred_fields)
                ):
                    _insert(batch)
                    row.save()
                    if row.deferred_fields:
                        deferred.append(row)
                    continue
                batch.append(row.object)
            _insert(batch)
        for row in deferred:
            row.save_deferred_fields()
    connection.check_constraints(table_names=sorted(tables))
    return loaded


def _groups_of_one_model(stream):
    """The JSON lines of ``stream``, parsed, in lists of at most ``LOAD_BATCH`` rows of
    one model each, in the order of the file."""
    group = []
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            model = data["model"]
        except (ValueError, TypeError, KeyError) as error:
            raise DeserializationError(f"line {number} is not a row: {error}") from error
        if group and (group[0]["model"] != model or len(group) >= LOAD_BATCH):
            yield group
            group = []
        group.append(data)
    if group:
        yield group


def _natural_keys_resolved(data, named):
    """``data`` (a parsed row) with each foreign key that names its row by natural key (a
    tagged item's tag, a lock's user) replaced by the key it refers to, looked up once a
    restore rather than once a row (the deserializer's own lookup; millions of queries for
    a million articles' tags): ``named`` holds what was looked up, at most
    ``NAMED_MOST`` entries. A name not found yet, or that cannot be looked up, is left for
    the deserializer (which waits for the row, or reports the error with its row)."""
    fields = data.get("fields")
    try:
        model = apps.get_model(data["model"])
    except (LookupError, ValueError, TypeError, AttributeError):
        return data
    if not isinstance(fields, dict):
        return data
    for name, value in fields.items():
        if not isinstance(value, list):
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        target = field.related_model
        if not (field.many_to_one or field.one_to_one) or not hasattr(
            target._default_manager, "get_by_natural_key"
        ):
            continue
        key = (target, field.remote_field.field_name, json.dumps(value))
        if key not in named:
            try:
                found = deserialize_fk_value(field, value, DEFAULT_DB_ALIAS, False)
            except (ObjectDoesNotExist, MultipleObjectsReturned, TypeError, ValueError):
                continue
            if len(named) >= NAMED_MOST:
                named.clear()
            named[key] = found
        fields[name] = named[key]
    return data


def _insert(batch):
    """Write ``batch`` (model instances of one model, primary keys set) with the raw INSERT
    that ``loaddata``'s ``Model.save_base(raw=True)`` issues, ``LOAD_BATCH`` rows at a time
    (``bulk_create`` would give ``auto_now`` fields the time of the restore); empties it."""
    if not batch:
        return
    model = batch[0]._meta.model
    fields = [field for field in model._meta.local_concrete_fields if not field.generated]
    size = max(1, min(LOAD_BATCH, connection.ops.bulk_batch_size(fields, batch)))
    rows = model._base_manager.using(DEFAULT_DB_ALIAS)
    for start in range(0, len(batch), size):
        rows._insert(batch[start : start + size], fields=fields, raw=True)
    batch.clear()


def copy_hashed(source, target):
    digest, size = hashlib.sha256(), 0
    with open(target, "wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return size, digest.hexdigest()


def same_file(name, unpacked):
    with default_storage.open(name, "rb") as stored, open(unpacked, "rb") as new:
        while True:
            left, right = stored.read(CHUNK), new.read(CHUNK)
            if left != right:
                return False
            if not left:
                return True


def check_signature(manifest, seen, key):
    """The archive is exactly what ``backup`` signed with this key: every entry, in
    order, with its size and SHA-256, nothing added, nothing left out."""
    if manifest is None:
        raise refuse(f"it has no {SIGNATURE_NAME}: not a signed backup.")
    try:
        signed = json.loads(manifest)
        members, mac = signed["members"], signed["hmac"]
        if signed["format"] != FORMAT or not isinstance(mac, str):
            raise ValueError
    except (ValueError, KeyError, TypeError) as error:
        raise refuse("its signature cannot be read.") from error
    if not hmac.compare_digest(signature(key, members), mac):
        raise refuse(
            "its signature does not match (it was changed since it was written, or signed "
            "with another BACKUP_SIGNING_KEY)."
        )
    if members != seen:
        raise refuse("its entries differ from the ones it was signed with.")


def check_media(media):
    """Each media entry ({storage name: unpacked file}) is a picture file, by name and by
    its first bytes, under one of the site's media folders; no entry has the name of a
    folder (of another entry, or in the storage), and none lies under a stored file."""
    folders = {str(parent) for name in media for parent in PurePosixPath(name).parents} - {"."}
    listings = {}

    def listing(folder):
        if folder not in listings:
            try:
                directories, files = default_storage.listdir(folder)
            except (FileNotFoundError, NotADirectoryError):
                directories, files = [], []
            listings[folder] = set(directories), set(files)
        return listings[folder]

    for name, unpacked in media.items():
        path = PurePosixPath(name)
        if len(path.parts) < 2 or path.parts[0] not in MEDIA_FOLDERS:
            raise refuse(f"media file “{name}” is outside the folders {', '.join(MEDIA_FOLDERS)}.")
        suffix = path.suffix.lower()
        if suffix not in PICTURE_SIGNATURES:
            raise refuse(f"media file “{name}” is not a picture file.")
        with open(unpacked, "rb") as stream:
            if not stream.read(16).startswith(PICTURE_SIGNATURES[suffix]):
                raise refuse(f"media file “{name}” is not a picture.")
        if name in folders:
            raise refuse(f"media file “{name}” has the name of a folder in the archive.")
        if path.name in listing(str(path.parent))[0]:
            raise refuse(f"media file “{name}” has the name of a stored folder.")
    for folder in folders:
        path = PurePosixPath(folder)
        if path.name in listing(str(path.parent) if path.parent != PurePosixPath(".") else "")[1]:
            raise refuse(f"the folder “{folder}” of the archive is a stored file here.")
