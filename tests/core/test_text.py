"""The one text rule (core.text), reached through every entry point: the admin's forms, the
models saved from code (the importer, seed_demo and the shell save this way), taggit's tags,
``QuerySet.update``, and the data migration for what was stored before."""

import feedparser
import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from lxml import etree
from taggit.models import Tag

from articles.models import Article, Correction, Section
from images.models import Image
from staff.models import Author
from tests.articles.test_admin import article_add_url, article_form_data, form_errors
from tests.factories import AuthorFactory, ImageFactory, PublishedArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db

ZWNJ = "\u200c"


def feeds_of(article, author, tag):
    section = article.section
    paths = ["/feed/", "/feed/atom/"]
    for base in (
        section.get_absolute_url(),
        reverse("articles:tag", kwargs={"slug": tag.slug}),
        author.get_absolute_url(),
    ):
        paths += [f"{base}feed/", f"{base}feed/atom/"]
    return paths


def assert_feeds_valid(client, paths):
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        etree.fromstring(response.content)  # well-formed XML, or it raises
        assert feedparser.parse(response.content).bozo == 0, path


def test_control_characters_in_names_are_removed_and_every_feed_answers(client):
    section = SectionFactory(name="Poli\x08tics", description="Page\x0cbreak")
    author = AuthorFactory(name="Reza\x0bKarimi")
    article = PublishedArticleFactory(section=section, authors=[author])
    article.tags.add("Sanctions\x0bEU", "Unit\x1fSep")
    tag = Tag.objects.get(slug="sanctions-eu")
    author.refresh_from_db()
    section.refresh_from_db()
    assert author.name == "Reza Karimi"
    assert (section.name, section.description) == ("Poli tics", "Page break")
    assert set(Tag.objects.values_list("name", flat=True)) == {"Sanctions EU", "Unit Sep"}
    assert_feeds_valid(client, feeds_of(article, author, tag))
    unit = Tag.objects.get(name="Unit Sep")
    assert_feeds_valid(client, [f"/tag/{unit.slug}/feed/atom/", f"/tag/{unit.slug}/feed/"])


def test_the_admin_form_stores_clean_text(admin_client):
    response = admin_client.post(
        reverse("admin:staff_author_add"),
        {"name": "Reza\x0bKarimi", "slug": "reza", "kind": "person", "bio": "A\x0cB\x1fC"},
    )
    assert response.status_code == 302
    author = Author.objects.get(slug="reza")
    assert (author.name, author.bio) == ("Reza Karimi", "A B C")


def test_text_is_composed_and_persian_joiners_are_kept():
    persian = f"می{ZWNJ}خواهم و نیم\u200dفاصله"
    article = PublishedArticleFactory(title="Cafe\u0301 " + persian, kicker="e\u0301")
    article.refresh_from_db()
    assert article.title == "Café " + persian
    assert ZWNJ in article.title and "\u200d" in article.title
    assert article.kicker == "é"


def test_characters_that_are_not_characters_are_dropped():
    author = AuthorFactory(name="Half\ud800 pair\ufffe\uffff end")
    author.refresh_from_db()
    assert author.name == "Half pair end"


def test_every_text_field_of_every_model_is_cleaned():
    section = SectionFactory(name="S\x01", description="D\x02")
    article = PublishedArticleFactory(
        section=section,
        title="T\x03",
        kicker="K\x04",
        standfirst="F\x05",
        seo_title="ST\x06",
        seo_description="SD\x07",
        image_caption="C\x0e",
        body="<p>B\x1b</p>",
    )
    correction = Correction.objects.create(article=article, text="X\x1c")
    image = ImageFactory(title="I\x10", alt="A\x11", caption="C\x12", credit="R\x13")
    image.tags.add("K\x14w")
    article.refresh_from_db()
    values = [
        section.name,
        section.description,
        article.title,
        article.kicker,
        article.standfirst,
        article.seo_title,
        article.seo_description,
        article.image_caption,
        article.body,
        Correction.objects.get(pk=correction.pk).text,
        *Image.objects.values_list("title", "alt", "caption", "credit").get(),
        image.tags.get().name,
    ]
    assert not [value for value in values if any(ord(c) < 32 for c in value)]


def test_an_update_from_the_shell_is_cleaned_too():
    author = AuthorFactory()
    Author.objects.filter(pk=author.pk).update(name="Reza\x0bKarimi", bio="\x7fDEL")
    author.refresh_from_db()
    assert (author.name, author.bio) == ("Reza Karimi", " DEL")


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_cleans_what_was_stored_before(client):
    """Rows written before the rule (here straight in SQL) are cleaned by the migration,
    and a tag stored with an empty slug gets one."""
    article = PublishedArticleFactory()
    author = article.bylines.get().author
    try:
        call_command("migrate", "articles", "0017_clean_text_fields", verbosity=0)
        call_command("migrate", "staff", "0003_clean_text_fields", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Article._meta.db_table} SET title = %s", ["Head\x0bline\u0065\u0301"]
            )
            cursor.execute(f"UPDATE {Section._meta.db_table} SET name = %s", ["Sec\x08tion"])
            cursor.execute(f"UPDATE {Author._meta.db_table} SET name = %s", ["Reza\x0bKarimi"])
            cursor.execute(
                f"INSERT INTO {Tag._meta.db_table} (name, slug) VALUES (%s, %s)", ["🔥\x1f", ""]
            )
    finally:
        call_command("migrate", verbosity=0)
    article.refresh_from_db()
    author.refresh_from_db()
    assert article.title == "Head lineé"
    assert article.section.name == "Sec tion"
    assert author.name == "Reza Karimi"
    tag = Tag.objects.get(name="🔥 ")
    assert tag.slug == "u1f525"
    article.tags.add(tag)
    assert client.get(article.get_absolute_url()).status_code == 200
    assert client.get("/sitemap-tags.xml").status_code == 200


def test_a_pasted_tag_finds_the_clean_tag_already_stored(client, editor):
    """taggit looks a name up before it creates it: the pasted name is cleaned first, so it
    finds "Sanctions EU" instead of failing on the unique name."""
    first = PublishedArticleFactory()
    first.tags.add("Sanctions EU")
    second = PublishedArticleFactory()
    second.tags.add("Sanctions\x0bEU", " Sanctions EU\x1f", "\x0b")
    assert list(Tag.objects.values_list("name", flat=True)) == ["Sanctions EU"]
    assert list(second.tags.names()) == ["Sanctions EU"]
    client.force_login(editor)
    data = article_form_data(
        SectionFactory(), [AuthorFactory()], tags='"Sanctions\x0cEU", Oil', _transition="publish"
    )
    response = client.post(article_add_url(), data)
    assert response.status_code == 302, form_errors(response)
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Oil", "Sanctions EU"]
