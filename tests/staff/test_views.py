from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.conftest import SITE_WIDGETS_WARM
from tests.factories import (
    AuthorFactory,
    DraftArticleFactory,
    PublishedArticleFactory,
    ReviewArticleFactory,
    ScheduledArticleFactory,
    UnpublishedArticleFactory,
)


def author_url(author, **query):
    url = reverse("staff:detail", kwargs={"slug": author.slug})
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def main_column(response):
    """The page's main column: the author box and the article list, without the Recent Posts
    aside (which lists every author's newest published articles)."""
    html = response.content.decode()
    start = html.index('<div class="layout__main">')
    end = html.index('<aside class="layout__aside"', start)
    return html[start:end]


def link_to(article):
    return f'href="{article.get_absolute_url()}"'


@pytest.mark.django_db
def test_author_page_route_reverses_to_author_slug():
    assert reverse("staff:detail", kwargs={"slug": "jane-doe"}) == "/author/jane-doe/"


@pytest.mark.django_db
def test_author_page_shows_name_job_title_and_bio_paragraphs(client):
    author = AuthorFactory(
        name="Jane Doe",
        job_title="Political editor",
        bio="Jane covers parliament.\n\nShe joined in 2019.",
    )

    response = client.get(author_url(author))

    assert response.status_code == 200
    html = main_column(response)
    assert '<h1 class="list-header__title">Jane Doe</h1>' in html
    assert '<p class="author-profile__job">Political editor</p>' in html
    assert "<p>Jane covers parliament.</p>" in html
    assert "<p>She joined in 2019.</p>" in html


@pytest.mark.django_db
def test_author_page_escapes_bio_markup(client):
    author = AuthorFactory(bio="<script>alert(1)</script>")

    html = main_column(client.get(author_url(author)))

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.django_db
def test_author_page_lists_only_the_authors_published_articles(client):
    author = AuthorFactory()
    other = AuthorFactory()
    published = PublishedArticleFactory(authors=[author])
    co_written = PublishedArticleFactory(authors=[other, author])
    hidden = [
        DraftArticleFactory(authors=[author]),
        ReviewArticleFactory(authors=[author]),
        ScheduledArticleFactory(authors=[author]),
        UnpublishedArticleFactory(authors=[author]),
        PublishedArticleFactory(authors=[other]),
    ]

    response = client.get(author_url(author))

    assert response.status_code == 200
    assert set(response.context["articles"]) == {published, co_written}
    html = main_column(response)
    assert link_to(published) in html
    assert link_to(co_written) in html
    for article in hidden:
        assert link_to(article) not in html


@pytest.mark.django_db
def test_author_page_without_published_articles_says_so(client):
    author = AuthorFactory()
    draft = DraftArticleFactory(authors=[author])

    response = client.get(author_url(author))

    assert response.status_code == 200
    html = main_column(response)
    assert "Nothing published here yet." in html
    assert link_to(draft) not in html


@pytest.mark.django_db
def test_unknown_author_slug_is_404(client):
    AuthorFactory(slug="jane-doe")

    response = client.get(reverse("staff:detail", kwargs={"slug": "no-such-author"}))

    assert response.status_code == 404


@pytest.fixture
def author_with_21_articles():
    """An author with 21 published articles, one hour apart; the oldest is returned last."""
    author = AuthorFactory()
    now = timezone.now()
    articles = [
        PublishedArticleFactory(authors=[author], published_at=now - timedelta(hours=hours))
        for hours in range(1, 22)
    ]
    return author, articles


@pytest.mark.django_db
def test_author_page_shows_20_articles_per_page(client, author_with_21_articles):
    author, articles = author_with_21_articles

    response = client.get(author_url(author))

    assert response.status_code == 200
    assert list(response.context["articles"]) == articles[:20]
    assert 'rel="next" href="?page=2"' in main_column(response)


@pytest.mark.django_db
def test_author_page_2_holds_the_oldest_article(client, author_with_21_articles):
    author, articles = author_with_21_articles

    response = client.get(author_url(author, page=2))

    assert response.status_code == 200
    assert list(response.context["articles"]) == [articles[-1]]
    html = main_column(response)
    assert link_to(articles[-1]) in html
    assert "Page 2 of 2" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "page",
    ["3", "0", "-1", "abc", "1.5", "9" * 5000],
    ids=["past-the-end", "zero", "negative", "word", "decimal", "5000-digits"],
)
def test_author_page_number_out_of_range_or_invalid_is_404(client, author_with_21_articles, page):
    author, _ = author_with_21_articles

    response = client.get(author_url(author, page=page))

    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 15])
def test_author_page_query_count_does_not_grow_with_articles_or_coauthors(
    client, django_assert_num_queries, count, warm_site
):
    """Intended to prevent an n+1 over the articles' sections and bylines."""
    author = AuthorFactory()
    for _ in range(count):
        PublishedArticleFactory(authors=[author, *AuthorFactory.create_batch(3)])

    # author, count, articles, bylines with their authors, the content generation; on
    # PostgreSQL the author's ids are counted too (once a generation), to read by id.
    warm_site()
    ids = int(connection.vendor == "postgresql")
    with django_assert_num_queries(4 + ids + SITE_WIDGETS_WARM):
        response = client.get(author_url(author))

    assert response.status_code == 200
    assert len(response.context["articles"]) == count
