"""backup and restore: a site round-trips with no difference, and a bad archive changes
nothing."""

import hashlib
import io
import json
import tarfile

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles import page_cache, workflow
from articles.management.commands.backup import signature
from articles.models import Article
from images.models import Image
from images.renditions import walk_storage
from tests.factories import ImageFactory, PublishedArticleFactory

pytestmark = pytest.mark.django_db

EXCLUDED = ["contenttypes", "auth.permission", "sessions", "articles.contentgeneration"]


def database():
    out = io.StringIO()
    call_command("dumpdata", exclude=EXCLUDED, natural_foreign=True, stdout=out)
    return sorted(json.loads(out.getvalue()), key=lambda row: (row["model"], str(row["pk"])))


def media():
    return {
        name: hashlib.sha256(default_storage.open(name).read()).hexdigest()
        for name in walk_storage()
    }


@pytest.fixture
def site(admin_user):
    call_command("seed_demo", admin=True, stdout=io.StringIO())
    article = PublishedArticleFactory(
        title="Rial slides", image=ImageFactory(caption="Exchange office"), tags=["Rial"]
    )
    workflow.record_version(article, admin_user, "Second version")
    default_storage.save("authors/portrait.png", ContentFile(b"\x89PNG not really"))
    return article


def test_backup_and_restore_round_trip_the_site_with_no_difference(site, tmp_path):
    before_rows, before_files = database(), media()
    generation = page_cache.current_generation()
    archive = tmp_path / "site.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())

    # Then the site is damaged: rows deleted, files lost, a stray file added.
    Article.objects.all().delete()
    for name in list(before_files)[:5]:
        default_storage.delete(name)
    default_storage.save("renditions/stray.webp", ContentFile(b"stray"))
    out = io.StringIO()
    call_command("restore", str(archive), yes=True, stdout=out)

    assert database() == before_rows
    assert media() == before_files
    assert "1 not in the backup removed" in out.getvalue()
    # Every cached page is stale after a restore.
    assert page_cache.current_generation() > generation
    # New rows get fresh ids after the restored ones (PostgreSQL's sequences were reset).
    assert PublishedArticleFactory().pk > max(
        row["pk"] for row in before_rows if row["model"] == "articles.article"
    )


def test_restore_needs_confirmation_and_changes_nothing_without_it(site, tmp_path):
    archive = tmp_path / "site.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())
    Image.objects.filter(pk=site.image_id).update(caption="Changed after the backup")
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(archive))
    assert Image.objects.get(pk=site.image_id).caption == "Changed after the backup"


KEY = "backup-key-for-tests-" + "0123456789abcdef" * 2


@pytest.fixture(autouse=True)
def _signing_key(monkeypatch):
    monkeypatch.setenv("BACKUP_SIGNING_KEY", KEY)


def write_archive(path, entries, *, key=KEY, signed=None):
    """An archive of ``entries`` ({name: bytes}), signed with ``key`` over ``signed``
    (the entries themselves unless given): what ``backup`` writes, or a forgery."""
    members = [
        [name, len(payload), hashlib.sha256(payload).hexdigest()]
        for name, payload in (signed if signed is not None else entries).items()
    ]
    manifest = {"format": 2, "members": members, "hmac": signature(key.encode(), members)}
    with tarfile.open(path, "w:gz") as tar:
        for name, payload in [*entries.items(), ("SIGNATURE.json", json.dumps(manifest).encode())]:
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return path


def read_archive(path):
    """The entries of an archive, without its signature."""
    with tarfile.open(path, "r:gz") as tar:
        return {
            member.name: tar.extractfile(member).read()
            for member in tar.getmembers()
            if member.name != "SIGNATURE.json"
        }


def backup(tmp_path):
    archive = tmp_path / "site.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())
    return archive


PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


@pytest.mark.parametrize(
    "entries, message",
    [
        ({"media/images/a.jpg": b"\xff\xd8\xff"}, "no data.jsonl"),
        ({"data.jsonl": b"", "../escape.txt": b"x"}, "unexpected entry"),
        ({"data.jsonl": b"", "/etc/passwd": b"x"}, "unexpected entry"),
        ({"data.jsonl": b"", "notes.txt": b"x"}, "unexpected entry"),
        (
            {"data.jsonl": b'{"model": "articles.nothing", "pk": 1, "fields": {}}\n'},
            "could not be loaded",
        ),
        ({"data.jsonl": b"not json\n"}, "could not be loaded"),
    ],
)
def test_a_bad_archive_is_refused_and_the_site_is_left_as_it_was(site, tmp_path, entries, message):
    before_rows, before_files = database(), media()
    archive = write_archive(tmp_path / "bad.tar.gz", entries)
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(archive), yes=True)
    assert database() == before_rows
    assert media() == before_files


def test_an_unsigned_archive_is_refused(site, tmp_path):
    archive = tmp_path / "old.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("data.jsonl")
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(CommandError, match="not a signed backup"):
        call_command("restore", str(archive), yes=True)


@pytest.mark.parametrize("command", ["backup", "restore"])
@pytest.mark.parametrize("value", [None, "", "short"])
def test_backup_and_restore_refuse_to_run_without_a_signing_key(
    site, tmp_path, monkeypatch, command, value
):
    archive = backup(tmp_path)
    if value is None:
        monkeypatch.delenv("BACKUP_SIGNING_KEY")
    else:
        monkeypatch.setenv("BACKUP_SIGNING_KEY", value)
    target = tmp_path / ("again.tar.gz" if command == "backup" else archive.name)
    with pytest.raises(CommandError, match="Set BACKUP_SIGNING_KEY to a secret of at least"):
        call_command(command, str(target), yes=True) if command == "restore" else call_command(
            command, str(target)
        )
    assert command == "restore" or not target.exists()


def test_an_archive_signed_with_another_key_is_refused(site, tmp_path, monkeypatch):
    archive = backup(tmp_path)
    monkeypatch.setenv("BACKUP_SIGNING_KEY", "another-key-" + "x" * 40)
    with pytest.raises(CommandError, match="signature does not match"):
        call_command("restore", str(archive), yes=True)


def test_an_added_superuser_is_refused_by_the_signature(site, tmp_path, django_user_model):
    archive = backup(tmp_path)
    entries = read_archive(archive)
    intruder = {
        "model": "auth.user",
        "pk": 9999,
        "fields": {
            "username": "intruder",
            "password": "md5$x$y",
            "is_superuser": True,
            "is_staff": True,
            "is_active": True,
            "date_joined": "2026-01-01T00:00:00+00:00",
            "groups": [],
            "user_permissions": [],
        },
    }
    entries["data.jsonl"] += json.dumps(intruder).encode() + b"\n"
    # Signed as the original was: the forger does not have the key.
    original = read_archive(archive)
    forged = write_archive(tmp_path / "forged.tar.gz", entries, signed=original)
    before = database()

    with pytest.raises(CommandError, match="differ from the ones it was signed with"):
        call_command("restore", str(forged), yes=True)

    assert database() == before
    assert not django_user_model.objects.filter(username="intruder").exists()


@pytest.mark.parametrize(
    "name", ["media/images/page.html", "media/renditions/x.jpg", "media/index.html"]
)
def test_an_added_media_file_is_refused_by_the_signature(site, tmp_path, name):
    archive = backup(tmp_path)
    original = read_archive(archive)
    entries = {**original, name: b"<script>alert(1)</script>"}
    forged = write_archive(tmp_path / "forged.tar.gz", entries, signed=original)
    before_files = media()

    with pytest.raises(CommandError, match="differ from the ones it was signed with"):
        call_command("restore", str(forged), yes=True)

    assert media() == before_files
    assert not default_storage.exists(name.removeprefix("media/"))


@pytest.mark.parametrize(
    "name, payload, message",
    [
        ("media/images/page.html", b"<html>", "not a picture file"),
        ("media/images/fake.jpg", b"<html><script>", "not a picture"),
        ("media/static/logo.png", PNG, "outside the folders"),
        ("media/logo.png", PNG, "outside the folders"),
    ],
)
def test_a_signed_archive_with_a_media_file_that_is_no_picture_is_refused(
    site, tmp_path, name, payload, message
):
    entries = {**read_archive(backup(tmp_path)), name: payload}
    archive = write_archive(tmp_path / "signed.tar.gz", entries)
    before_rows, before_files = database(), media()

    with pytest.raises(CommandError, match=message):
        call_command("restore", str(archive), yes=True)

    assert database() == before_rows
    assert media() == before_files


def test_a_media_file_named_like_a_folder_of_the_archive_is_refused(site, tmp_path):
    entries = {
        **read_archive(backup(tmp_path)),
        "media/images/x.png": PNG,
        "media/images/x.png/y.png": PNG,
    }
    archive = write_archive(tmp_path / "signed.tar.gz", entries)
    before_rows = database()

    with pytest.raises(CommandError, match="name of a folder in the archive"):
        call_command("restore", str(archive), yes=True)

    assert database() == before_rows


def test_a_media_file_named_like_a_stored_folder_is_refused_before_the_database(site, tmp_path):
    entries = {**read_archive(backup(tmp_path)), "media/images/held.png": PNG}
    archive = write_archive(tmp_path / "signed.tar.gz", entries)
    default_storage.save("images/held.png/inside.png", ContentFile(PNG))
    before_rows = database()

    with pytest.raises(CommandError, match="name of a stored folder"):
        call_command("restore", str(archive), yes=True)

    assert database() == before_rows


def test_a_media_folder_that_is_a_stored_file_is_refused_before_the_database(site, tmp_path):
    entries = {**read_archive(backup(tmp_path)), "media/images/held.png/inside.png": PNG}
    archive = write_archive(tmp_path / "signed.tar.gz", entries)
    default_storage.save("images/held.png", ContentFile(PNG))
    before_rows = database()

    with pytest.raises(CommandError, match="is a stored file here"):
        call_command("restore", str(archive), yes=True)

    assert database() == before_rows


def test_times_keep_their_microseconds(site, tmp_path):
    moment = timezone.now().replace(microsecond=123456)
    Article.objects.filter(pk=site.pk).update(published_at=moment, created_at=moment)
    archive = backup(tmp_path)
    Article.objects.filter(pk=site.pk).update(published_at=timezone.now())

    call_command("restore", str(archive), yes=True, stdout=io.StringIO())

    restored = Article.objects.get(pk=site.pk)
    assert restored.published_at == moment
    assert restored.created_at == moment


def test_content_types_and_permissions_keep_their_ids_and_are_named_in_the_archive(
    site, tmp_path, client
):
    types = dict(ContentType.objects.values_list("pk", "model"))
    permissions = dict(Permission.objects.values_list("pk", "codename"))
    archive = backup(tmp_path)
    rows = [json.loads(line) for line in read_archive(archive)["data.jsonl"].splitlines()]

    out = io.StringIO()
    call_command("restore", str(archive), yes=True, stdout=out)

    assert dict(ContentType.objects.values_list("pk", "model")) == types
    assert dict(Permission.objects.values_list("pk", "codename")) == permissions
    by_model = {}
    for row in rows:
        by_model.setdefault(row["model"], []).append(row)
    assert all("pk" not in row for row in by_model["contenttypes.contenttype"])
    assert all("pk" not in row for row in by_model["auth.permission"])
    tagged = by_model["taggit.taggeditem"][0]["fields"]
    assert tagged["content_type"] == ["articles", "article"]
    # A running process's cached content types still hold: the tag page works at once.
    assert client.get("/tag/rial/").status_code == 200
    assert "Restart the app" in out.getvalue()


def test_a_file_that_is_no_archive_is_refused(site, tmp_path):
    path = tmp_path / "site.tar.gz"
    path.write_bytes(b"not a tarball")
    with pytest.raises(CommandError, match="not a backup archive"):
        call_command("restore", str(path), yes=True)


def test_backup_into_a_missing_folder_is_refused_and_writes_nothing(site, tmp_path):
    target = tmp_path / "backups" / "missing" / "site.tar.gz"
    with pytest.raises(CommandError, match="no folder"):
        call_command("backup", str(target))
    assert not (tmp_path / "backups").exists()


def test_a_backups_queries_do_not_grow_with_the_rows(site, tmp_path, django_user_model):
    """Rows name what they refer to by natural key (a tagged item its content type, a
    lock its user, a user their groups): read with the rows, not one query a row, which
    made a million articles' backup take hours."""
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.models import EditLock

    def queries_of_a_backup():
        with CaptureQueriesContext(connection) as queries:
            call_command("backup", str(tmp_path / "site.tar.gz"), stdout=io.StringIO())
        # Only what a row names by natural key is joined: a byline's rows are read
        # alone, not with their article's (whose body is the bulk of the database).
        [bylines] = [q["sql"] for q in queries if 'FROM "articles_byline"' in q["sql"]]
        assert "articles_article" not in bylines
        return len(queries)

    desk = Group.objects.create(name="Desk")
    editor = django_user_model.objects.create_user("first-editor")
    editor.groups.add(desk)
    EditLock.objects.create(article=site, user=editor)
    before = queries_of_a_backup()
    for n in range(3):
        user = django_user_model.objects.create_user(f"editor-{n}")
        user.groups.add(desk)
        EditLock.objects.create(article=PublishedArticleFactory(tags=["Oil", "Gas"]), user=user)
    assert queries_of_a_backup() == before


def test_a_restores_queries_do_not_grow_with_the_rows(site, tmp_path, django_user_model):
    """Rows are written in batches, and what a row names by natural key (a tagged item its
    tag and content type, a lock its user) is looked up once a restore: one save and one
    lookup a row made a million articles' restore take hours."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.models import EditLock

    def queries_of_a_restore():
        archive = backup(tmp_path)
        # Each restore starts as a new process would: with no content type remembered.
        ContentType.objects.clear_cache()
        with CaptureQueriesContext(connection) as queries:
            call_command("restore", str(archive), yes=True, stdout=io.StringIO())
        return len(queries)

    editor = django_user_model.objects.create_user("first-editor")
    EditLock.objects.create(article=PublishedArticleFactory(tags=["Oil", "Gas"]), user=editor)
    rows = len(database())
    before = queries_of_a_restore()
    for _ in range(5):
        EditLock.objects.create(article=PublishedArticleFactory(tags=["Oil", "Gas"]), user=editor)
    assert len(database()) > rows + 20
    assert queries_of_a_restore() == before


def test_a_row_naming_a_row_the_archive_does_not_hold_is_refused(site, tmp_path):
    """A tagged item whose tag is missing from the archive, and a byline of an article
    that is not there, fail the restore as a whole: nothing is changed."""
    entries = read_archive(backup(tmp_path))
    lines = entries["data.jsonl"].decode().splitlines()
    [tagged] = [
        number for number, line in enumerate(lines) if '"Rial"' in line and "tagged" in line
    ]
    for broken in (
        lines[tagged].replace('"Rial"', '"A tag nobody made"'),
        json.dumps(
            {"model": "articles.byline", "pk": 99999, "fields": {"article": 99999, "author": 1}}
        ),
    ):
        changed = [*lines[:tagged], broken, *lines[tagged + 1 :]]
        data = ("\n".join(changed) + "\n").encode()
        archive = write_archive(tmp_path / "broken.tar.gz", {**entries, "data.jsonl": data})
        before_rows = database()
        with pytest.raises(CommandError, match="could not be loaded"):
            call_command("restore", str(archive), yes=True)
        assert database() == before_rows
