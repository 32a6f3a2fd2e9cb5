"""``core.db.prepared_cursor``: the reader pages' fixed statements are prepared on
PostgreSQL once a connection has run them a few times, and still counted as queries."""

import pytest
from django.db import connection

from tests.conftest import SITE_WIDGETS_WARM
from tests.factories import AuthorFactory, PublishedArticleFactory

pytestmark = pytest.mark.django_db


def prepared_statements():
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)
def test_an_article_pages_reads_are_prepared_after_a_few_requests(client, settings):
    threshold = connection.settings_dict["OPTIONS"]["prepare_threshold"]
    assert threshold, "DATABASE_PREPARE_THRESHOLD is on by default"
    article = PublishedArticleFactory(tags=["Oil"])
    # With a correction: an article with none does not read its corrections.
    article.corrections.create(text="A fix.")
    PublishedArticleFactory(section=article.section, tags=["Oil"])
    for _ in range(threshold + 1):
        assert client.get(article.get_absolute_url()).status_code == 200
    statements = prepared_statements()
    # The article, its bylines, tags and corrections, its related stories: PostgreSQL's
    # text of each, with its parameters as $1, $2…
    assert any("WHERE article.slug = $" in text for text in statements)
    assert any("byline.article_id = $" in text for text in statements)
    assert any("item.tag_id = tag.id" in text for text in statements)
    assert any("correction.article_id = $" in text for text in statements)
    assert any("in_section" in text for text in statements)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)
@pytest.mark.parametrize("page", ["home", "home page 2", "section", "section page 2", "tag"])
def test_a_list_pages_reads_are_prepared_after_a_few_requests(client, page):
    """The lead and newest, a page of cards and the section blocks: planned once a
    connection, not on every request (planning was a third of PostgreSQL's time on the
    home page). The count, read once a content generation, is not run often enough to
    be prepared here; its bound is in its text ("LIMIT $" is a page's)."""
    threshold = connection.settings_dict["OPTIONS"]["prepare_threshold"]
    first = PublishedArticleFactory(tags=["Oil"])
    # Two pages of the home page (12 a page and the lead) and of a section (20 a page).
    PublishedArticleFactory.create_batch(22, section=first.section, tags=["Oil"])
    section = first.section.get_absolute_url()
    deep = "IN (SELECT article.id"
    path, expected = {
        "home": ("/", ["UNION ALL", "CROSS JOIN LATERAL"]),
        "home page 2": ("/?page=2", [deep]),
        "section": (section, ["LIMIT $"]),
        "section page 2": (f"{section}?page=2", [deep]),
        "tag": ("/tag/oil/", ["LIMIT $"]),
    }[page]
    for _ in range(threshold + 1):
        assert client.get(path).status_code == 200
    statements = [text for text in prepared_statements() if "articles_article article" in text]
    for fragment in expected:
        assert any(fragment in text for text in statements), (fragment, statements)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)
def test_the_orms_statements_are_not_bound_on_the_server(admin_client):
    """Django's own statements keep client-side binding: some cannot bind on the server
    (a DISTINCT whose ORDER BY repeats a parameter of its select list: the admin's article
    list filtered by an author)."""
    author = AuthorFactory()
    PublishedArticleFactory(authors=[author])
    for _ in range(8):
        response = admin_client.get(
            f"/admin/articles/article/?bylines__author__id__exact={author.pk}"
        )
        assert response.status_code == 200
    assert not any(
        "articles_article" in text and "DISTINCT" in text for text in prepared_statements()
    )


def test_the_prepared_reads_are_still_counted_as_queries(
    client, django_assert_num_queries, warm_site
):
    article = PublishedArticleFactory(tags=["Oil"])
    warm_site()
    client.get(article.get_absolute_url())
    # The article, its bylines, tags and related stories (it has no correction).
    with django_assert_num_queries(4 + SITE_WIDGETS_WARM):
        assert client.get(article.get_absolute_url()).status_code == 200


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="psycopg's statement counts are PostgreSQL's"
)
def test_statements_are_not_remembered_within_statements_unremembered():
    """A restore's INSERTs hold their values in their text (three megabytes for 500
    articles): psycopg kept the last hundred of them to count their runs, 180 MB. Within
    ``statements_unremembered`` the connection counts nothing; after it, it counts again,
    with the threshold it had."""
    from core.db import statements_unremembered

    threshold = connection.settings_dict["OPTIONS"]["prepare_threshold"]
    with statements_unremembered():
        assert connection.connection.prepare_threshold is None
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::text", ["a statement run once inside"])
    assert connection.connection.prepare_threshold == threshold
    with statements_unremembered(), pytest.raises(ZeroDivisionError):
        1 / 0  # noqa: B018
    assert connection.connection.prepare_threshold == threshold
