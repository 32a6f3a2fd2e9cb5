import pytest

from tests.factories import PublishedArticleFactory


@pytest.mark.django_db
def test_article_page_answers(client):
    article = PublishedArticleFactory(tags=["Tehran"])
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert article.title in response.content.decode()
