"""The benchmark's site generator (bench/generate.py): the fields Article.save() would
derive are filled alike, and on PostgreSQL the search vectors are the trigger's."""

import io

import pytest
from django.db import connection

from articles import richtext
from articles.models import Article
from bench import generate
from core.persian import fold


@pytest.mark.django_db(transaction=True)
def test_the_site_is_generated_with_the_fields_save_derives():
    made = generate.generate(40, batch_size=15, workers=1, out=io.StringIO())

    assert made == 40
    articles = Article.objects.exclude(slug=generate.PERSIAN_SLUG)
    assert articles.count() == 40
    for article in articles:
        assert article.body_text == richtext.plain_text(article.body)
        assert article.search_body == fold(article.body_text)
        assert article.search_title == fold(article.title)
        assert article.bylines.exists()
        assert 2 <= article.tags.count() <= 4
    assert Article.objects.filter(slug=generate.PERSIAN_SLUG, language="fa").exists()


@pytest.mark.django_db(transaction=True)
def test_a_site_of_the_right_size_is_left_as_it_is_and_a_smaller_one_grows():
    generate.generate(20, batch_size=20, workers=1, out=io.StringIO())
    slugs = set(Article.objects.values_list("slug", flat=True))

    assert generate.generate(20, workers=1, out=io.StringIO()) == 0
    assert generate.generate(25, batch_size=20, workers=1, out=io.StringIO()) == 4
    assert slugs < set(Article.objects.values_list("slug", flat=True))


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the search vector is PostgreSQL's")
def test_the_search_vectors_are_the_triggers():
    generate.generate(30, batch_size=10, workers=2, out=io.StringIO())

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM articles_article WHERE language = 'en' "
            f"AND search_vector IS DISTINCT FROM ({generate.TRIGGER_VECTOR})"
        )
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the search vector is PostgreSQL's")
def test_the_headline_vectors_are_the_ones_fill_search_head_writes():
    from articles.management.commands.fill_search_head import head_vector

    generate.generate(30, batch_size=10, workers=2, out=io.StringIO())

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM articles_article article"
            f" WHERE article.search_head IS DISTINCT FROM ({head_vector('article')})"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT count(*) FROM articles_article WHERE search_head IS NULL")
        assert cursor.fetchone()[0] == 0
