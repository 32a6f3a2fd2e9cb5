"""backup and restore: a site round-trips with no difference, and a bad archive changes
nothing."""

import hashlib
import io
import json
import tarfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from articles import cache as page_cache
from articles import workflow
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


@pytest.mark.parametrize(
    "entries, message",
    [
        ({"media/images/a.jpg": b"x"}, "no data.json"),
        ({"data.json": b"[]", "../escape.txt": b"x"}, "unexpected entry"),
        ({"data.json": b"[]", "/etc/passwd": b"x"}, "unexpected entry"),
        (
            {"data.json": b'[{"model": "articles.nothing", "pk": 1, "fields": {}}]'},
            "could not be loaded",
        ),
        ({"data.json": b"not json"}, "could not be loaded"),
    ],
)
def test_a_bad_archive_is_refused_and_the_site_is_left_as_it_was(site, tmp_path, entries, message):
    before_rows, before_files = database(), media()
    archive = tmp_path / "bad.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, payload in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(archive), yes=True)
    assert database() == before_rows
    assert media() == before_files


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
