"""Reader search at /search/?q=.

These hold on both databases: the SQLite fallback and PostgreSQL's full-text search (run
with DATABASE_URL=postgres://...). They use distinct words ("pistachio", "saffron") and
avoid what differs between the two (stemming, stop words)."""

import re

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from lxml import html as lxml_html

from articles.models import Article
from articles.search import SEARCH_CONFIG
from tests.conftest import SITE_WIDGETS_WARM
from tests.factories import (
    DraftArticleFactory,
    PublishedArticleFactory,
    ReviewArticleFactory,
    ScheduledArticleFactory,
    UnpublishedArticleFactory,
)

pytestmark = pytest.mark.django_db

FRIENDLY_EMPTY = "Type at least one word to search for"
FRIENDLY_START = "Search every published article by words"


def search(client, q, **params):
    return client.get("/search/", {"q": q, **params})


def hit_titles(response):
    assert response.status_code == 200
    return [article.title for article, _snippet in response.context["hits"]]


def hit_snippets(response):
    return {article.title: str(snippet) for article, snippet in response.context["hits"]}


# Ranking and snippets


def test_title_match_ranks_above_standfirst_match_above_body_match(client):
    # Created title match first, so that newest-first ordering alone would put it last.
    PublishedArticleFactory(
        title="Pistachio exports climb", standfirst="Ships leave.", body="<p>Trade.</p>"
    )
    PublishedArticleFactory(
        title="Kerman growers", standfirst="The pistachio crop is large.", body="<p>Rain.</p>"
    )
    PublishedArticleFactory(
        title="Harvest report", standfirst="Farmers are pleased.", body="<p>Pistachio prices.</p>"
    )
    PublishedArticleFactory(title="Unrelated", standfirst="Nothing.", body="<p>Football.</p>")
    assert hit_titles(search(client, "pistachio")) == [
        "Pistachio exports climb",
        "Kerman growers",
        "Harvest report",
    ]


def test_among_body_matches_the_newest_comes_first(client):
    """Below headline and standfirst matches, what only the body mentions is listed
    newest first, however often an older body repeats the word."""
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    PublishedArticleFactory(
        title="Old market",
        body="<p>Pistachio, pistachio, pistachio and more pistachio.</p>",
        published_at=now - timedelta(days=3),
    )
    PublishedArticleFactory(
        title="New market", body="<p>Some pistachio.</p>", published_at=now - timedelta(days=1)
    )
    PublishedArticleFactory(title="Pistachio exports", published_at=now - timedelta(days=9))
    assert hit_titles(search(client, "pistachio")) == [
        "Pistachio exports",
        "New market",
        "Old market",
    ]


def test_search_page_reads_the_ranked_matches_then_the_page_of_articles(
    client, django_assert_num_queries
):
    """Two queries however many match: the ranked ids (which are also the count), then
    the ten articles shown, with their sections and pictures."""
    for n in range(15):
        PublishedArticleFactory(title=f"Pistachio report {n}", body=f"<p>Pistachio {n}.</p>")
    search(client, "pistachio")  # the site-wide parts, read once
    with django_assert_num_queries(2 + SITE_WIDGETS_WARM):
        response = search(client, "pistachio")
    assert len(response.context["hits"]) == 10
    assert "15 results for “pistachio”" in response.content.decode()
    with django_assert_num_queries(2 + SITE_WIDGETS_WARM):
        response = search(client, "pistachio", page=2)
    assert len(response.context["hits"]) == 5


def test_snippet_of_a_match_deep_in_the_body_starts_near_it(client):
    filler = " ".join(f"word{n}" for n in range(200))
    PublishedArticleFactory(
        title="Kerman growers",
        standfirst="The crop is large.",
        body=f"<p>{filler} The pistachio harvest began. {filler}</p>",
    )
    snippet = hit_snippets(search(client, "pistachio"))["Kerman growers"]
    assert snippet.startswith("…word191 ")
    assert "The <mark>pistachio</mark> harvest began." in snippet
    assert snippet.endswith("…")


def pistachio_snippet(client, words_before, before_match=""):
    """The search snippet of a story whose body has ``words_before`` filler words, then
    ``before_match`` and a sentence with "pistachio", then the filler again."""
    filler = " ".join(f"word{n}" for n in range(words_before))
    PublishedArticleFactory(
        title="Kerman growers",
        standfirst="The crop is large.",
        body=f"<p>{filler} {before_match}The pistachio harvest began. {filler}</p>",
    )
    return hit_snippets(search(client, "pistachio"))["Kerman growers"]


@pytest.mark.parametrize("words_before", [250, 265, 266, 267, 268, 290, 1200])
def test_snippet_window_is_the_same_wherever_in_a_long_body_the_match_lies(client, words_before):
    """The first match is looked for a part of the text at a time (about 2,000 characters,
    each cut at a space): a match in the first part, near the first cut (about
    266 of these words) or many parts in gives the same window as a search of the whole text."""
    snippet = pistachio_snippet(client, words_before)
    assert snippet.startswith(f"…word{words_before - 9} ")
    assert "The <mark>pistachio</mark> harvest began." in snippet
    assert snippet.count("<mark>") == 1 and snippet.endswith("…")


@pytest.mark.parametrize("words_before", [10, 400, 1200])
def test_snippet_window_is_the_same_after_text_that_does_not_fold_letter_for_letter(
    client, words_before
):
    """A tatweel (which folding drops) before the match, near it or parts before it: the
    first match is then looked for word by word, and the window is the same."""
    snippet = pistachio_snippet(client, words_before, before_match="مـن ")
    assert snippet.startswith(f"…word{words_before - 8} ")
    assert "مـن The <mark>pistachio</mark> harvest began." in snippet


def test_snippets_mark_the_search_words(client):
    PublishedArticleFactory(
        title="Kerman growers",
        standfirst="The pistachio crop is large this year.",
        body="<p>Rain helped the <strong>pistachio</strong> orchards.</p>",
    )
    response = search(client, "pistachio")
    snippet = hit_snippets(response)["Kerman growers"]
    assert snippet.count("<mark>pistachio</mark>") == 2
    assert "<strong>" not in snippet
    html = response.content.decode()
    assert "The <mark>pistachio</mark> crop is large" in html


def test_snippet_is_escaped_except_for_the_marks(client):
    PublishedArticleFactory(
        title="Kerman growers",
        standfirst="Pistachio <b>prices</b> & costs",
        body="<p>Nothing.</p>",
    )
    snippet = hit_snippets(search(client, "pistachio"))["Kerman growers"]
    assert snippet.startswith("<mark>Pistachio</mark> &lt;b&gt;prices&lt;/b&gt; &amp; costs")


def test_exact_phrase_in_quotes_matches_only_the_phrase(client):
    PublishedArticleFactory(title="The pistachio harvest began")
    PublishedArticleFactory(title="A harvest of saffron, not pistachio")
    assert hit_titles(search(client, '"pistachio harvest"')) == ["The pistachio harvest began"]
    both = hit_titles(search(client, "pistachio harvest"))
    assert sorted(both) == ["A harvest of saffron, not pistachio", "The pistachio harvest began"]


def test_minus_excludes_a_word(client):
    PublishedArticleFactory(title="Pistachio and saffron exports")
    PublishedArticleFactory(title="Pistachio exports alone")
    assert hit_titles(search(client, "pistachio -saffron")) == ["Pistachio exports alone"]
    assert hit_titles(search(client, 'pistachio -"saffron exports"')) == [
        "Pistachio exports alone"
    ]


def test_every_word_must_match(client):
    PublishedArticleFactory(title="Pistachio exports")
    PublishedArticleFactory(title="Saffron exports")
    assert hit_titles(search(client, "pistachio saffron")) == []
    assert (
        "Nothing matches “pistachio saffron”"
        in search(client, "pistachio saffron").content.decode()
    )


def test_body_markup_is_not_searchable(client):
    PublishedArticleFactory(
        title="Pistachio exports",
        body='<p>Prices <strong>rose</strong>, <a href="https://example.org/x">a report</a>.</p>',
    )
    for q in ("strong", "href", "example"):
        assert hit_titles(search(client, q)) == [], q
    assert hit_titles(search(client, "report")) == ["Pistachio exports"]


def test_search_is_case_insensitive(client):
    PublishedArticleFactory(title="Pistachio exports")
    assert hit_titles(search(client, "PISTACHIO")) == ["Pistachio exports"]


def test_result_count_is_shown(client):
    PublishedArticleFactory.create_batch(3, title="Pistachio news")
    html = search(client, "pistachio").content.decode()
    assert "3 results for “pistachio”" in html


# Only published articles


@pytest.mark.parametrize(
    "factory",
    [
        DraftArticleFactory,
        ReviewArticleFactory,
        ScheduledArticleFactory,
        UnpublishedArticleFactory,
    ],
)
def test_only_published_articles_are_found(client, factory):
    PublishedArticleFactory(title="Pistachio exports, published")
    factory(title="Pistachio exports, hidden", slug="hidden-pistachio")
    response = search(client, "pistachio")
    assert hit_titles(response) == ["Pistachio exports, published"]
    assert b"hidden-pistachio" not in response.content


# Odd queries: a friendly page, never a 500


def test_no_query_shows_the_search_help(client):
    response = client.get("/search/")
    assert response.status_code == 200
    assert FRIENDLY_START in response.content.decode()
    assert response.context["hits"] == []


@pytest.mark.parametrize("q", ["", "   ", '""', '" "', "-", "--", '-""', "or", "!!!", "🍕"])
def test_query_without_words_gets_a_friendly_page(client, q):
    PublishedArticleFactory(title="Pistachio exports")
    response = search(client, q)
    assert response.status_code == 200
    html = response.content.decode()
    assert FRIENDLY_EMPTY in html or FRIENDLY_START in html
    assert response.context["hits"] == []


@pytest.mark.parametrize(
    "q",
    [
        "' OR 1=1; --",
        "%_",
        "%",
        "_",
        "\\",
        "pistachio') OR ('1'='1",
        "a & b | !c <-> d:*",
        '"unbalanced quote',
        "(((",
        "x" * 1000,
        "pistachio " * 150,
        "تهران",
        "🍕 pistachio",
        "\u202eevil",
    ],
)
def test_odd_queries_give_a_page_not_an_error(client, q):
    PublishedArticleFactory(title="Pistachio exports", body="<p>Growers in Kerman.</p>")
    response = search(client, q)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"\d+ results? for “", html) or FRIENDLY_EMPTY in html, html


def test_nul_character_in_the_query_gives_a_page_not_an_error(client):
    PublishedArticleFactory(title="Pistachio exports")
    response = search(client, "pistachio\x00")
    assert response.status_code == 200
    assert b"result" in response.content


@pytest.mark.parametrize("q", ["' OR 1=1; --", "%_", "%", "_", "\\"])
def test_sql_like_text_does_not_match_everything(client, q):
    PublishedArticleFactory(title="Pistachio exports", body="<p>Growers in Kerman.</p>")
    PublishedArticleFactory(title="Saffron exports", body="<p>Growers in Mashhad.</p>")
    assert hit_titles(search(client, q)) == []


def test_very_long_query_is_cut_with_a_note(client):
    PublishedArticleFactory(title="Pistachio exports")
    response = search(client, "pistachio " + "x" * 990)
    html = response.content.decode()
    assert response.status_code == 200
    assert "only its first 200 characters were used" in html
    assert len(response.context["query"].text) == 200
    assert hit_titles(search(client, "pistachio " * 100)) == ["Pistachio exports"]


def test_persian_words_are_found(client):
    PublishedArticleFactory(
        title="خبر از تهران", slug="tehran-news", standfirst="گزارشی از تهران امروز"
    )
    PublishedArticleFactory(title="Pistachio exports")
    response = search(client, "تهران")
    assert hit_titles(response) == ["خبر از تهران"]
    assert hit_snippets(response)["خبر از تهران"].startswith("گزارشی از <mark>تهران</mark> امروز")


def test_script_in_the_query_is_escaped_in_the_page(client):
    response = search(client, "<script>alert(1)</script>")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    tree = lxml_html.fromstring(response.content)
    assert tree.xpath("//input[@name='q']/@value") == ["<script>alert(1)</script>"]


def test_script_in_an_article_is_escaped_in_results(client):
    PublishedArticleFactory(
        title="Pistachio <script>alert(1)</script>",
        standfirst="Pistachio <img src=x onerror=alert(1)>",
    )
    html = search(client, "pistachio").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html


# Pagination


def test_results_are_paginated_ten_a_page_keeping_the_query(client):
    for n in range(13):
        PublishedArticleFactory(title=f"Pistachio report {n}")
    first = search(client, "pistachio")
    assert len(first.context["hits"]) == 10
    tree = lxml_html.fromstring(first.content)
    (next_link,) = tree.xpath("//nav[@class='pagination']//a[@rel='next']/@href")
    assert next_link == "?q=pistachio&page=2"
    second = client.get(f"/search/{next_link}")
    assert len(second.context["hits"]) == 3
    assert second.context["query"].text == "pistachio"
    first_titles = set(hit_titles(first))
    assert first_titles.isdisjoint(hit_titles(second))
    assert len(first_titles | set(hit_titles(second))) == 13
    tree = lxml_html.fromstring(second.content)
    (prev_link,) = tree.xpath("//nav[@class='pagination']//a[@rel='prev']/@href")
    assert prev_link == "?q=pistachio"


@pytest.mark.parametrize("page", ["abc", "0", "-1", "3", "1.5", "9" * 50, "\x00"])
def test_bad_or_past_the_end_page_is_404(client, page):
    for n in range(13):
        PublishedArticleFactory(title=f"Pistachio report {n}")
    assert search(client, "pistachio", page=page).status_code == 404


def test_page_two_of_an_empty_query_is_404(client):
    assert search(client, "", page="2").status_code == 404


# PostgreSQL: the trigger-maintained, GIN-indexed search vector


def test_postgres_search_vector_is_kept_by_the_trigger_and_indexed(client):
    if connection.vendor != "postgresql":
        pytest.skip("the search vector, its trigger and GIN index exist only on PostgreSQL")
    article = PublishedArticleFactory(
        title="Pistachio exports", standfirst="Kerman growers", body="<p>Record saffron.</p>"
    )

    def vector():
        return str(Article.objects.values_list("search_vector", flat=True).get(pk=article.pk))

    assert re.search(r"'pistachio':1A", vector()), vector()
    assert re.search(r"'kerman':\d+B", vector()), vector()
    assert re.search(r"'saffron':\d+C", vector()), vector()

    article.title = "Walnut exports"
    article.save()
    assert "'walnut':1A" in vector() and "pistachio" not in vector()
    # A write that bypasses save() still re-indexes: the trigger runs on every UPDATE.
    Article.objects.filter(pk=article.pk).update(standfirst="Barberry growers")
    assert "barberri" in vector() and "kerman" not in vector()
    article.refresh_from_db()
    article.body = "<p>Pistachio harvest.</p>"
    article.save()
    assert re.search(r"'pistachio':\d+C", vector()) and "saffron" not in vector()
    assert hit_titles(search(client, "walnut barberry")) == ["Walnut exports"]

    def head():
        return str(Article.objects.values_list("search_head", flat=True).get(pk=article.pk))

    # The headline-and-standfirst vector that ranks matches follows the same writes.
    assert re.search(r"'walnut':1A", head()) and re.search(r"'barberri':\d+B", head())
    assert "pistachio" not in head()
    # A write that leaves the text alone keeps both vectors as they are.
    before = (vector(), head())
    Article.objects.filter(pk=article.pk).update(version=99, search_head=None)
    assert (vector(), head()) == before

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'articles_article' "
            "AND indexname = 'articles_article_search_gin'"
        )
        (indexdef,) = cursor.fetchone()
        assert "USING gin (search_vector)" in indexdef

        # The search's condition (search_vector @@ websearch_to_tsquery) can use the GIN
        # index; with sequential scans off the planner must take it, even on a tiny table.
        ts_query = SearchQuery("walnut", search_type="websearch", config=SEARCH_CONFIG)
        sql, params = Article.objects.filter(search_vector=ts_query).query.sql_with_params()
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "articles_article_search_gin" in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL ranks in the database")
def test_on_a_large_archive_the_newest_matches_are_ranked_and_the_page_says_so(
    client, monkeypatch
):
    """Ranking every match of a common word costs seconds on 100,000 articles, so only the
    newest RANKED_MATCHES are ranked (here 3): best first among those, older ones unlisted."""
    from datetime import timedelta

    from django.utils import timezone

    from articles import search as search_module

    monkeypatch.setattr(search_module, "RANKED_MATCHES", 3)
    now = timezone.now()
    oldest = PublishedArticleFactory(
        title="Saffron saffron saffron", published_at=now - timedelta(days=30)
    )
    for day in range(4):
        PublishedArticleFactory(
            title=f"Market day {day}",
            body="<p>Some saffron was sold.</p>",
            published_at=now - timedelta(days=day),
        )
    headline = PublishedArticleFactory(
        title="Saffron prices", published_at=now - timedelta(hours=1)
    )
    response = search(client, "saffron")
    titles = hit_titles(response)
    assert len(titles) == 3
    assert titles[0] == headline.title  # the best of the newest, first
    assert oldest.title not in titles  # better, but older than the ranked matches
    assert "The newest 3 of more results for “saffron”" in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL ranks in the database")
def test_an_article_not_written_since_search_head_was_added_still_ranks_by_its_headline(
    client,
):
    """Migration 0024 adds search_head without rewriting every row: a row without one is
    ranked from its folded headline and standfirst, as if it had one."""
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    headline = PublishedArticleFactory(
        title="Saffron prices", published_at=now - timedelta(days=5)
    )
    standfirst = PublishedArticleFactory(
        title="Markets", standfirst="Saffron sold well.", published_at=now - timedelta(days=3)
    )
    PublishedArticleFactory(
        title="Harvest", body="<p>Some saffron.</p>", published_at=now - timedelta(days=1)
    )
    table = Article._meta.db_table
    with connection.cursor() as cursor:
        # As the rows were before the migration: the trigger would fill the column.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            f"ALTER TABLE {table} DISABLE TRIGGER articles_article_search_vector_trigger"
        )
        cursor.execute(
            f"UPDATE {table} SET search_head = NULL WHERE id IN (%s, %s)",
            [headline.pk, standfirst.pk],
        )
        cursor.execute(
            f"ALTER TABLE {table} ENABLE TRIGGER articles_article_search_vector_trigger"
        )
    assert hit_titles(search(client, "saffron")) == ["Saffron prices", "Markets", "Harvest"]
