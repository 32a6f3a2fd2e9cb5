"""Persian search at /fa/search/?q=, on both databases (run again with
DATABASE_URL=postgres://... for PostgreSQL's full-text search).

Readers type Persian words with the letters their keyboard has: Arabic yeh and kaf
(ي ك) for Persian ی ک, no zero-width non-joiner, Arabic-Indic or Persian digits, with or
without vowel marks. Each spelling finds the article as it was written."""

import pytest
from django.db import connection

from articles.models import Article, Section
from articles.search import parse, snippet
from core.persian import fold, fold_spans, is_one_to_one
from tests.factories import PublishedArticleFactory

pytestmark = pytest.mark.django_db


def persian_article(**kwargs):
    section, _created = Section.objects.get_or_create(name="سیاست", language="fa")
    return PublishedArticleFactory(language="fa", section=section, **kwargs)


def titles(response):
    assert response.status_code == 200
    return [article.title for article, _snippet in response.context["hits"]]


def search(client, q, edition="/fa/"):
    return client.get(f"{edition}search/", {"q": q})


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("ايران", "ایران"),  # Arabic yeh for Persian yeh
        ("كشور", "کشور"),  # Arabic kaf for Persian kaf
        ("گروههای", "گروه\u200cهای"),  # without the zero-width non-joiner
        ("گروه\u200cهای", "گروههای"),  # with it, where the writer left it out
        ("مُقاومت", "مقاومت"),  # with a vowel mark (damma)
        ("مقاومت", "مقاومـــت"),  # the writer stretched it with tatweel
        ("۱۴۰۵", "1405"),  # Persian digits for ASCII ones
        ("١٤٠٥", "۱۴۰۵"),  # Arabic-Indic digits for Persian ones
    ],
)
@pytest.mark.parametrize("where", ["title", "standfirst", "body"])
def test_a_word_typed_another_common_way_finds_the_article(client, typed, written, where):
    fields = {"title": "خبر", "standfirst": "", "body": "<p>متن</p>"}
    fields[where] = f"<p>در {written} امروز</p>" if where == "body" else f"{written} امروز"
    article = persian_article(**fields)
    persian_article(title="خبر دیگر", standfirst="هیچ", body="<p>هیچ</p>")
    assert titles(search(client, typed)) == [article.title]


def test_persian_results_rank_headline_above_standfirst_above_body(client):
    persian_article(title="گزارش", standfirst="", body="<p>ایران و همسایگان</p>")
    persian_article(title="تحلیل", standfirst="ایران و جهان", body="<p>متن</p>")
    persian_article(title="ایران امروز", standfirst="", body="<p>متن</p>")
    assert titles(search(client, "ايران")) == ["ایران امروز", "تحلیل", "گزارش"]


def test_snippet_marks_the_word_as_written_when_typed_another_way(client):
    persian_article(title="خبر", standfirst="نشست گروه\u200cهای مقاومت در تهران برگزار شد.")
    response = search(client, "گروههای")
    (_article, marked) = response.context["hits"][0]
    assert "<mark>گروه\u200cهای</mark>" in str(marked)
    assert "<mark>گروه\u200cهای</mark>" in response.content.decode()


def test_each_edition_searches_its_own_language(client):
    persian_article(title="ایران و عراق")
    PublishedArticleFactory(title="Iran and Iraq", language="en")
    assert titles(search(client, "ايران")) == ["ایران و عراق"]
    assert titles(search(client, "iran", edition="/")) == ["Iran and Iraq"]
    assert titles(search(client, "ایران", edition="/")) == []


def test_excluded_word_is_folded_too(client):
    persian_article(title="ایران و کشورهای همسایه")
    persian_article(title="ایران امروز")
    assert titles(search(client, "ایران -كشورهاي")) == ["ایران امروز"]


def test_english_search_is_unchanged_by_folding(client):
    PublishedArticleFactory(title="Pistachio exports climb")
    assert titles(search(client, "PISTACHIO", edition="/")) == ["Pistachio exports climb"]


def test_fold_is_defined_per_character_so_snippets_can_map_matches_back():
    text = "گروه\u200cهای مُقاومت ك ي ١٢ ۳٤ TEHRAN ﻙ"
    folded, starts = fold_spans(text)
    assert folded == fold(text) == "گروههای مقاومت ک ی 12 34 tehran ک"
    assert len(starts) == len(folded) + 1 and starts[-1] == len(text)


def test_is_one_to_one_never_remembers_a_character_that_folds_otherwise():
    """``is_one_to_one`` remembers the characters it found one to one, never the others:
    a text with one dropped or expanded character is refused each time it is asked."""
    assert is_one_to_one("گروه های TEHRAN")
    for _ in range(2):
        assert not is_one_to_one("گروه\u200cهای")  # the non-joiner is dropped
        assert not is_one_to_one("TEHRAN \ufdfa")  # one ligature folds to many letters
        assert not is_one_to_one("TEHRAN\x01")  # a control character folds to a space
    assert is_one_to_one("گروه های TEHRAN")
    folded, starts = fold_spans("گروه\u200cهای")
    assert folded == "گروههای" and starts == [0, 1, 2, 3, 5, 6, 7, 8]


def test_snippet_of_an_english_article_still_marks_the_word():
    article = Article(standfirst="Pistachio growers in Kerman.", body_text="")
    assert "<mark>Pistachio</mark>" in str(snippet(article, parse("pistachio")))


def test_search_columns_are_refilled_on_every_save():
    article = persian_article(title="كشور")
    assert Article.objects.values_list("search_title", flat=True).get(pk=article.pk) == "کشور"
    article.title = "ايران"
    article.save()
    assert Article.objects.values_list("search_title", flat=True).get(pk=article.pk) == "ایران"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the search vector is PostgreSQL's")
def test_postgres_indexes_persian_with_the_simple_configuration_and_english_with_english():
    persian = persian_article(title="گروه\u200cهای كشور", standfirst="", body="")
    english = PublishedArticleFactory(title="Walnuts", standfirst="", body="")

    def vector(article):
        return str(Article.objects.values_list("search_vector", flat=True).get(pk=article.pk))

    # Folded, unstemmed: one lexeme a word, as written after folding.
    assert vector(persian) == "'کشور':2A 'گروههای':1A"
    # English is still stemmed by English rules.
    assert vector(english) == "'walnut':1A"
