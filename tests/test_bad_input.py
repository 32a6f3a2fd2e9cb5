"""Bad input from outside gets a clear answer, never a 500 (issues 2–4 and 8)."""

import feedparser
import pytest
from django.urls import reverse

from articles.models import Article
from tests.factories import PublishedArticleFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/?p=²", 200),  # not a WordPress id: the home page
        ("/?p=99999999999999999999999", 200),
        ("/0001/01/", 404),
        ("/9999/12/", 404),
        ("/2025/00/", 404),
        ("/a%00b/", 404),
        ("/category/a%00b/", 404),
        ("/" + "x" * 3000 + "/", 404),
        ("/search/?q=%00", 200),
        ("/sitemap-articles.xml?p=abc", 404),
        ("/sitemap-nothing.xml", 404),
        ("/preview/not-a-token/", 404),
    ],
)
def test_odd_addresses_get_a_clear_answer(client, path, status):
    PublishedArticleFactory()
    assert client.get(path).status_code == status


def test_control_characters_pasted_into_an_article_keep_the_feeds_valid(client):
    PublishedArticleFactory(
        title="Line\x0bbreak",
        standfirst="Page\x0cbreak",
        body="<p>Bell\x07 and vertical\x0btab</p>",
    )
    article = Article.objects.get()
    assert "\x0b" not in article.title and "\x0c" not in article.standfirst
    assert "\x07" not in article.body
    for path in ("/feed/", "/feed/atom/", "/news-sitemap.xml"):
        response = client.get(path)
        assert response.status_code == 200
    assert feedparser.parse(client.get("/feed/").content).bozo == 0


def test_an_unknown_workflow_step_is_a_form_error(admin_client):
    article = PublishedArticleFactory()
    page = admin_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields if name != "image"}
    data["tags"] = ""
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{inline.formset.prefix}-{name}"] = management[name].value()
        for index, subform in enumerate(inline.formset.forms):
            for name in subform.fields:
                value = subform[name].value()
                data[f"{inline.formset.prefix}-{index}-{name}"] = "" if value is None else value
    data["_transition"] = "bogus"
    response = admin_client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
    assert response.status_code == 200
    assert "is not a step of the workflow" in response.content.decode()


def test_pending_change_admin_with_a_bad_id_is_404(admin_client):
    assert admin_client.get("/admin/articles/pendingedit/abc/change/").status_code == 404
