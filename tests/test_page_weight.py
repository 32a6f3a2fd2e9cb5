"""Lean pages: an article page's HTML stays under 40 KB, and the CSS and
JavaScript every page loads stay under 20 KB together, compressed."""

import gzip
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.factories import AuthorFactory, PublishedArticleFactory

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_article_page_html_is_under_40_kb(client):
    paragraph = "<p>" + " ".join(["Tehran"] * 120) + "</p>"
    for _ in range(6):
        PublishedArticleFactory(standfirst="A summary of twenty words " * 4)
    article = PublishedArticleFactory(
        body=paragraph * 10,  # a long story: about 1,000 words
        authors=[AuthorFactory(bio="A journalist. " * 40) for _ in range(2)],
        tags=[f"Topic {n}" for n in range(8)],
    )
    html = client.get(article.get_absolute_url()).content
    assert len(article.body) > 8000
    assert len(html) < 40 * 1024, len(html)


def test_css_and_js_are_under_20_kb_compressed():
    files = [ROOT / "static" / "css" / "site.css", ROOT / "static" / "js" / "relative-time.js"]
    compressed = sum(len(gzip.compress(path.read_bytes(), compresslevel=9)) for path in files)
    assert compressed < 20 * 1024, compressed


def test_only_one_stylesheet_and_one_script_per_page(client, db):
    call_command("seed_demo", stdout=io.StringIO())
    html = client.get("/").content.decode()
    assert html.count('rel="stylesheet"') == 1
    assert html.count("<script src=") == 1
