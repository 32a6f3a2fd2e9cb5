from urllib.parse import unquote

import pytest
from django.urls import resolve, reverse


@pytest.mark.parametrize(
    ("name", "kwargs", "path"),
    [
        ("articles:home", {}, "/"),
        ("articles:detail", {"slug": "a-story"}, "/a-story/"),
        ("articles:detail", {"slug": "خبر-تازه"}, "/%D8%AE%D8%A8%D8%B1-%D8%AA%D8%A7%D8%B2%D9%87/"),
        ("articles:section", {"slug": "politics"}, "/category/politics/"),
        ("articles:tag", {"slug": "air-pollution"}, "/tag/air-pollution/"),
        ("staff:detail", {"slug": "ifp-editorial-staff"}, "/author/ifp-editorial-staff/"),
    ],
)
def test_named_routes_reverse_and_resolve(name, kwargs, path):
    assert reverse(name, kwargs=kwargs) == path
    match = resolve(unquote(path))  # the request path Django resolves is decoded
    assert match.view_name == name
    assert match.kwargs == kwargs


def test_admin_is_not_an_article():
    assert resolve("/admin/").app_name == "admin"


@pytest.mark.django_db
def test_unicode_slug_article_is_served_at_its_encoded_url(client):
    from tests.factories import PublishedArticleFactory

    article = PublishedArticleFactory(slug="خبر-تازه")
    response = client.get("/%D8%AE%D8%A8%D8%B1-%D8%AA%D8%A7%D8%B2%D9%87/")
    assert response.status_code == 200
    assert response.context["article"] == article
