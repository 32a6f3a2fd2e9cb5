"""``manage.py backup SITE.tar.gz``: the whole site in one signed file, for ``restore``.

The archive holds ``data.jsonl`` (every row of every table, one JSON object a line, times
to the microsecond), ``media/`` (every stored file: pictures, renditions, author photos,
read through the storage API, so a bucket is backed up like a disk) and, last,
``SIGNATURE.json``: the name, size and SHA-256 of every other entry, signed with
HMAC-SHA256 under the key in ``BACKUP_SIGNING_KEY``. ``restore`` refuses an archive whose
signature does not match, so a changed archive (an added superuser, an added file) is
refused before anything is touched.

The rows are read in one transaction: on PostgreSQL a REPEATABLE READ, READ ONLY one, so
the backup is one consistent snapshot however long it takes while editors work.
Content types and permissions are written by their natural keys (``app_label``/``model``,
``codename``), and every reference to them, to users and to groups as well: a restore
matches them to the rows of the database it loads into, whose ids it never changes.

The archive is written to a temporary name and renamed when complete: a failed backup
never leaves a partial file under the name asked for.
"""

import hashlib
import hmac
import io
import json
import os
import tarfile
import tempfile
from datetime import datetime, time
from pathlib import Path

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, router, transaction

from images.renditions import walk_storage

KEY_VARIABLE = "BACKUP_SIGNING_KEY"
KEY_MIN_LENGTH = 32
DATA_NAME = "data.jsonl"
MEDIA_PREFIX = "media/"
SIGNATURE_NAME = "SIGNATURE.json"
FORMAT = 2
# Of no use in another database: sessions end with a restore.
EXCLUDED = {"sessions.session"}
# Matched by natural key to the rows the restored database already has (never renumbered).
BY_NATURAL_KEY = (ContentType, Permission)
CHUNK = 1024 * 1024


def signing_key():
    """The key archives are signed with; a clear refusal without a usable one."""
    key = os.environ.get(KEY_VARIABLE, "")
    if len(key) < KEY_MIN_LENGTH:
        raise CommandError(
            f"Set {KEY_VARIABLE} to a secret of at least {KEY_MIN_LENGTH} characters, the "
            "same wherever backups are written and restored: archives are signed with it, "
            "and restore refuses one whose signature does not match."
        )
    return key.encode()


def signature(key, members):
    """HMAC-SHA256 of the list of (name, size, sha256) of an archive's entries."""
    payload = json.dumps({"format": FORMAT, "members": members}, separators=(",", ":"))
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


class FullPrecisionEncoder(DjangoJSONEncoder):
    """Django's encoder keeps milliseconds only; a backup keeps every microsecond."""

    def default(self, o):
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


def dumped_models():
    """Every model whose rows a backup holds, each after the models it refers to by
    natural key (as ``dumpdata`` orders them)."""
    app_list = [(config, None) for config in apps.get_app_configs() if config.models_module]
    return [
        model
        for model in serializers.sort_dependencies(app_list, allow_cycles=True)
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.label_lower not in EXCLUDED
        and router.allow_migrate_model(connection.alias, model)
    ]


def natural_references(model):
    """The names of ``model``'s foreign keys (and one-to-one keys) to a model with natural
    keys."""
    return [
        field.name
        for field in model._meta.get_fields()
        if field.concrete
        and (field.many_to_one or field.one_to_one)
        and hasattr(field.related_model, "natural_key")
    ]


def rows_of(model):
    """Every row of ``model`` by primary key, with the rows its natural-key references name
    read in the same statement (foreign keys: a join) or chunk (many-to-many: one query a
    chunk of rows). The serializer names a referenced row by its natural key, which it
    reads through the relation: without this, one query a row, millions for a million
    articles' tags (each tagged item names its content type)."""
    joined, prefetched = natural_references(model), []
    for field in model._meta.get_fields():
        target = field.related_model
        if not field.concrete or target is None or not hasattr(target, "natural_key"):
            continue
        if field.many_to_many and field.remote_field.through._meta.auto_created:
            # A permission's natural key holds its content type's: read with it.
            prefetched.append(field.name)
            prefetched += [f"{field.name}__{name}" for name in natural_references(target)]
    rows = model._base_manager.order_by(model._meta.pk.name)
    if joined:
        # Named: select_related() with no names would join every foreign key.
        rows = rows.select_related(*joined)
    return rows.prefetch_related(*prefetched).iterator(chunk_size=2000)


def dump(stream):
    """Write every row to ``stream`` as JSON lines, streamed: never all in memory."""
    for model in dumped_models():
        rows = rows_of(model)
        serializers.serialize(
            "jsonl",
            rows,
            stream=stream,
            use_natural_foreign_keys=True,
            use_natural_primary_keys=model in BY_NATURAL_KEY,
            cls=FullPrecisionEncoder,
        )


class HashingReader:
    """A file wrapper that hashes and counts what is read through it."""

    def __init__(self, raw):
        self.raw, self.sha256, self.size = raw, hashlib.sha256(), 0

    def read(self, size=-1):
        chunk = self.raw.read(size)
        self.sha256.update(chunk)
        self.size += len(chunk)
        return chunk


class ArchiveWriter:
    """A signed archive being written: entries, then the signature of them all."""

    def __init__(self, path, key):
        self.archive = tarfile.open(path, "w:gz")
        self.key = key
        self.members = []

    def add(self, name, raw, size):
        info = tarfile.TarInfo(name)
        info.size = size
        info.mode = 0o644
        reader = HashingReader(raw)
        self.archive.addfile(info, reader)
        if reader.size != size:
            raise CommandError(f"{name} changed while it was being backed up; run again.")
        self.members.append([name, size, reader.sha256.hexdigest()])

    def close(self):
        manifest = {
            "format": FORMAT,
            "members": self.members,
            "hmac": signature(self.key, self.members),
        }
        payload = json.dumps(manifest, indent=1).encode()
        info = tarfile.TarInfo(SIGNATURE_NAME)
        info.size = len(payload)
        info.mode = 0o644
        self.archive.addfile(info, io.BytesIO(payload))
        self.archive.close()


class Command(BaseCommand):
    help = "Write the database and every stored file into one signed .tar.gz, for `restore`."

    def add_arguments(self, parser):
        parser.add_argument("path", help="Where to write the archive, e.g. site.tar.gz.")

    def handle(self, *args, path, **options):
        key = signing_key()
        target = Path(path)
        if not target.parent.is_dir():
            raise CommandError(f"There is no folder {target.parent} to write {target.name} in.")
        handle, partial = tempfile.mkstemp(dir=target.parent, suffix=".partial")
        os.close(handle)
        try:
            counts = self.write(Path(partial), key)
            os.replace(partial, target)
        finally:
            if os.path.exists(partial):
                os.remove(partial)
        self.stdout.write(
            f"Backed up the database ({counts['kilobytes']:,.0f} KB of data) and "
            f"{counts['files']} stored files to {target}, signed."
        )

    def write(self, partial, key):
        counts = {"files": 0}
        with tempfile.TemporaryDirectory() as folder:
            data = Path(folder) / DATA_NAME
            with open(data, "w", encoding="utf-8") as stream:
                self.snapshot(stream)
            counts["kilobytes"] = data.stat().st_size / 1024
            writer = ArchiveWriter(partial, key)
            with open(data, "rb") as stream:
                writer.add(DATA_NAME, stream, data.stat().st_size)
            for name in walk_storage():
                with default_storage.open(name, "rb") as stored:
                    writer.add(MEDIA_PREFIX + name, stored, default_storage.size(name))
                counts["files"] += 1
            writer.close()
        return counts

    def snapshot(self, stream):
        """All rows as of one instant: one transaction, REPEATABLE READ on PostgreSQL
        (inside a caller's transaction, that one's snapshot is used)."""
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost and connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            dump(stream)
