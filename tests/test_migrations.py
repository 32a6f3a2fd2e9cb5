import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.images import png_bytes


@pytest.mark.django_db
def test_models_and_migrations_agree():
    """makemigrations --check exits non-zero when a model change has no migration."""
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def migrate_to(target):
    """Migrate the articles app to ``target``; the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state([target, *ALSO_NEEDED]).apps


LATEST = ("articles", "0031_sitemap_count_indexes")
ALSO_NEEDED = [("reversion", "0002_add_index_on_version_for_content_type_and_db")]
BEFORE_LIBRARY = ("articles", "0010_content_generation")


@pytest.mark.django_db(transaction=True)
def test_featured_images_move_into_the_library_and_back_with_their_history():
    """Migrations 0011-0013 turn each stored featured image into one library image,
    rewrite stored versions and pending changes to point at it, and undo all of it
    backwards."""
    try:
        moved_and_back()
    finally:
        migrate_to(LATEST)  # whatever failed, the next tests get today's schema


def moved_and_back():
    old = migrate_to(BEFORE_LIBRARY)
    name = default_storage.save("articles/2025/05/rally.png", ContentFile(png_bytes(64, 36)))
    section = old.get_model("articles", "Section").objects.create(name="News", slug="news")
    Article = old.get_model("articles", "Article")
    fields = {
        "image": name,
        "image_width": 64,
        "image_height": 36,
        "image_alt": "People at a rally",
        "image_caption": "A rally.",
        "image_credit": "IRNA",
    }
    article = Article.objects.create(title="Rally", slug="rally", section=section, **fields)
    Article.objects.create(title="Same picture", slug="same", section=section, **fields)
    content_type, _ = old.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="articles", model="article"
    )
    revision = old.get_model("reversion", "Revision").objects.create(
        date_created=timezone.now(), comment="first"
    )
    Version = old.get_model("reversion", "Version")
    Version.objects.create(
        revision=revision,
        object_id=str(article.pk),
        content_type=content_type,
        db="default",
        format="json",
        serialized_data=json.dumps(
            [
                {
                    "model": "articles.article",
                    "pk": article.pk,
                    "fields": {"title": "Rally", **fields},
                }
            ]
        ),
        object_repr="Rally",
    )
    edit = old.get_model("articles", "PendingEdit").objects.create(
        article=article, base_version=1, data={"title": "Rally!", "image": name, "image_alt": "A"}
    )

    new = migrate_to(LATEST)
    (image,) = new.get_model("images", "Image").objects.all()
    assert image.file.name == name
    assert (image.alt, image.caption, image.credit) == ("People at a rally", "A rally.", "IRNA")
    assert (image.width, image.height, image.file_size) == (64, 36, default_storage.size(name))
    assert set(new.get_model("articles", "Article").objects.values_list("image", flat=True)) == {
        image.pk
    }
    (stored,) = json.loads(new.get_model("reversion", "Version").objects.get().serialized_data)
    assert stored["fields"]["image"] == image.pk
    assert "image_alt" not in stored["fields"] and "image_credit" not in stored["fields"]
    data = new.get_model("articles", "PendingEdit").objects.get(pk=edit.pk).data
    assert data["image_id"] == image.pk and "image" not in data

    old = migrate_to(BEFORE_LIBRARY)
    article = old.get_model("articles", "Article").objects.get(slug="rally")
    assert (article.image.name, article.image_alt, article.image_credit) == (
        name,
        "People at a rally",
        "IRNA",
    )
    (stored,) = json.loads(old.get_model("reversion", "Version").objects.get().serialized_data)
    assert stored["fields"]["image"] == name
    assert stored["fields"]["image_alt"] == "People at a rally"
    assert old.get_model("articles", "PendingEdit").objects.get(pk=edit.pk).data["image"] == name


@pytest.mark.django_db(transaction=True)
def test_every_migration_of_the_project_unapplies_and_applies_again():
    """Backwards to nothing and forwards to today, on whichever database runs the suite
    (CI runs it on SQLite and on PostgreSQL, with its search trigger)."""
    from django.contrib.auth.models import Group

    try:
        for app in ("articles", "images", "staff"):
            call_command("migrate", app, "zero", verbosity=0)
        tables = connection.introspection.table_names()
        assert not [t for t in tables if t.startswith(("articles_", "images_", "staff_"))]
    finally:
        call_command("migrate", verbosity=0)
    writers = Group.objects.get(name="Writers")
    assert writers.permissions.filter(codename="add_image").exists()


def column_compression():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attcompression FROM pg_attribute "
            "WHERE attrelid = 'articles_article'::regclass "
            "AND attname IN ('body', 'search_vector')"
        )
        return dict(cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_the_articles_long_texts_are_compressed_with_lz4_and_back():
    """On PostgreSQL built with lz4, migration 0027 sets the body's and the search vector's
    compression to lz4 ('l'), and going back restores the server's default ('')."""
    if connection.vendor != "postgresql":
        pytest.skip("column compression is PostgreSQL's")
    try:
        assert column_compression() == {"body": "l", "search_vector": "l"}
        migrate_to(("articles", "0026_lastmod_index"))
        assert column_compression() == {"body": "", "search_vector": ""}
    finally:
        migrate_to(LATEST)
