"""The one slug rule (core.slugs): every object with an address has a usable, unique slug,
whether it came from the admin, from code (the importer, seed_demo, the shell) or from
taggit, so no page, feed or sitemap fails on ``reverse()``."""

import pytest
from lxml import etree
from taggit.models import Tag

from articles.models import Article, Section
from staff.models import Author
from tests.articles.test_admin import article_add_url, article_form_data, form_errors
from tests.factories import AuthorFactory, PublishedArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db

# Flags and emoji; and from django-taggit's own reports (#393, #731): "@", "$" and "&".
NOTHING_TO_SLUGIFY = ["🇬🇧", "🔥", "#", "…", "\u0301", "@", "$", "&"]


def assert_tag_reachable(client, tag, article):
    assert client.get(article.get_absolute_url()).status_code == 200
    assert client.get(f"/tag/{tag.slug}/").status_code == 200
    assert client.get(f"/tag/{tag.slug}/feed/").status_code == 200
    sitemap = client.get("/sitemap-tags.xml")
    assert sitemap.status_code == 200
    assert f"/tag/{tag.slug}/" in sitemap.content.decode()
    etree.fromstring(sitemap.content)


@pytest.mark.parametrize("name", NOTHING_TO_SLUGIFY)
def test_a_tag_with_nothing_to_slugify_added_in_code_gets_a_working_address(client, name):
    article = PublishedArticleFactory()
    article.tags.add(name)
    tag = Tag.objects.get()
    assert tag.slug.startswith("u")
    assert_tag_reachable(client, tag, article)


def test_a_flag_typed_in_the_admins_tags_field_gets_a_working_address(client, editor):
    section, author = SectionFactory(), AuthorFactory()
    client.force_login(editor)
    data = article_form_data(section, [author], tags="🇬🇧, 🔥, #", _transition="publish")
    response = client.post(article_add_url(), data)
    assert response.status_code == 302, form_errors(response)
    client.logout()
    article = Article.objects.get()
    assert sorted(Tag.objects.values_list("slug", flat=True)) == [
        "u1f1ec-u1f1e7",
        "u1f525",
        "u23",
    ]
    for tag in Tag.objects.all():
        assert_tag_reachable(client, tag, article)


def test_fallback_slugs_are_unique():
    article = PublishedArticleFactory()
    article.tags.add("🔥", "🔥🔥")
    Tag.objects.create(name="fire", slug="")
    Tag.objects.create(name="Fire!", slug="")
    assert sorted(Tag.objects.values_list("slug", flat=True)) == [
        "fire",
        "fire_1",  # taggit's own suffix, kept: it reverses
        "u1f525",
        "u1f525-u1f525",
    ]


@pytest.mark.parametrize(
    ("name", "slug"),
    [("رضا کریمی", "رضا-کریمی"), ("🔥", "u1f525"), ("Reza Karimi", "reza-karimi")],
)
def test_an_author_section_or_article_saved_without_a_slug_gets_one(client, name, slug):
    author = Author.objects.create(name=name)
    section = Section.objects.create(name=name)
    article = PublishedArticleFactory(title=name, slug="", section=section, authors=[author])
    assert (author.slug, section.slug, article.slug) == (slug, slug, slug)
    for path in (
        author.get_absolute_url(),
        section.get_absolute_url(),
        article.get_absolute_url(),
        "/sitemap-authors.xml",
        "/sitemap-sections.xml",
        "/sitemap-articles.xml",
    ):
        assert client.get(path).status_code == 200, path


def test_a_second_object_with_the_same_name_gets_the_next_slug():
    assert [Author.objects.create(name="Desk").slug for _ in range(3)] == [
        "desk",
        "desk-2",
        "desk-3",
    ]


def test_a_slug_the_editor_chose_is_kept():
    section = Section.objects.create(name="Politics", slug="Politik_2")
    assert section.slug == "Politik_2"


def test_a_slug_with_a_slash_is_replaced_by_one_that_reverses(client):
    author = AuthorFactory(name="Reza Karimi", slug="reza/karimi")
    assert author.slug == "reza-karimi"
    assert client.get(author.get_absolute_url()).status_code == 200


def test_two_tags_differing_only_in_case_both_have_pages(client):
    """From django-hines' report: "Renault ZOE" and "Renault Zoe" on two stories."""
    first, second = PublishedArticleFactory(), PublishedArticleFactory()
    first.tags.add("Renault ZOE")
    second.tags.add("Renault Zoe")
    for article in (first, second):
        assert client.get(article.get_absolute_url()).status_code == 200
        for tag in article.tags.all():
            assert client.get(f"/tag/{tag.slug}/").status_code == 200
    assert client.get("/sitemap-tags.xml").status_code == 200


@pytest.mark.parametrize(("title", "slug"), [("Search", "search-2"), ("2024", "2024-2")])
def test_an_article_saved_without_a_slug_never_takes_an_address_of_the_site(client, title, slug):
    article = PublishedArticleFactory(title=title, slug="")
    assert article.slug == slug
    assert client.get(article.get_absolute_url()).status_code == 200
