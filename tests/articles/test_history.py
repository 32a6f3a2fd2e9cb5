import pytest
from django.urls import reverse

from tests.factories import PublishedArticleFactory


@pytest.mark.django_db
def test_dump(admin_client):
    article = PublishedArticleFactory(tags=["Tehran"])
    r = admin_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    open("/tmp/form.html", "w").write(r.content.decode())
