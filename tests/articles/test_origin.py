"""One public origin (articles/origin.py): every absolute address on every page, feed and
sitemap comes from SITE_URL, never from the request's Host, X-Forwarded-Proto or SCRIPT_NAME,
so that no header can put another address into a page that the cache then gives everyone."""

import json
import re
from urllib.parse import quote

import pytest
from django.urls import reverse

from articles.origin import absolute_url, site_origin
from tests.factories import PublishedArticleFactory

pytestmark = pytest.mark.django_db

ORIGIN = "http://news.example.org"
# What a client (or a proxy that passes it on) may send to change the address.
MISLEADING = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "evil.example"}


@pytest.fixture(autouse=True)
def _origin(settings):
    settings.SITE_URL = ORIGIN
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "evil.example"]


# Namespaces and vocabularies named in XML and JSON-LD: not addresses of this site.
VOCABULARIES = ("sitemaps.org/", "google.com/schemas/", "schema.org", "w3.org/", "purl.org/")


def absolute_addresses(text):
    return {
        address
        for address in re.findall(r"""https?://[^\s"'<>]+""", text)
        if not any(vocabulary in address for vocabulary in VOCABULARIES)
    }


# The article's share links are the networks' addresses; the address each carries must be ours.
SHARE_ENDPOINTS = (
    "https://t.me/share/",
    "https://wa.me/",
    "https://x.com/intent/",
    "https://www.facebook.com/sharer/",
)


def only_at_origin(text):
    addresses = absolute_addresses(text)
    assert addresses, "no absolute address found"
    carried = quote(f"{ORIGIN}/", safe="")
    return {
        a
        for a in addresses
        if not a.startswith(f"{ORIGIN}/") and not (a.startswith(SHARE_ENDPOINTS) and carried in a)
    }


def test_absolute_url_keeps_addresses_that_are_already_absolute():
    assert site_origin() == ORIGIN
    assert absolute_url("/a-story/") == f"{ORIGIN}/a-story/"
    assert absolute_url("media/x.jpg") == f"{ORIGIN}/media/x.jpg"
    assert absolute_url("https://cdn.example.org/x.jpg") == "https://cdn.example.org/x.jpg"
    assert absolute_url("//cdn.example.org/x.jpg") == "http://cdn.example.org/x.jpg"


@pytest.mark.parametrize(
    "path",
    [
        "article",
        "/",
        "/category/{section}/",
        "/feed/",
        "/feed/atom/",
        "/category/{section}/feed/",
        "/sitemap.xml",
        "/sitemap-articles.xml",
        "/sitemap-sections.xml",
        "/news-sitemap.xml",
        "/robots.txt",
    ],
)
def test_every_absolute_address_is_at_the_public_origin_whatever_the_headers(client, path):
    article = PublishedArticleFactory(title="Origin story")
    path = article.get_absolute_url() if path == "article" else path
    path = path.format(section=article.section.slug)
    response = client.get(path, HTTP_HOST="evil.example", **MISLEADING)
    assert response.status_code == 200, path
    text = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode()
    assert only_at_origin(text) == set()


def test_canonical_og_url_and_json_ld_of_an_article_name_the_public_origin(client):
    article = PublishedArticleFactory(title="Canonical story")
    html = client.get(article.get_absolute_url(), **MISLEADING).content.decode()
    url = f"{ORIGIN}{article.get_absolute_url()}"
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1)
    )
    graph = data["@graph"] if "@graph" in data else [data]
    assert any(item.get("url") == url for item in graph)


def test_a_forwarded_scheme_on_a_miss_does_not_reach_the_page_plain_readers_get(client, settings):
    settings.PAGE_CACHE = True
    article = PublishedArticleFactory()
    first = client.get(article.get_absolute_url(), HTTP_X_FORWARDED_PROTO="https")
    assert f'href="{ORIGIN}{article.get_absolute_url()}"' in first.content.decode()
    second = client.get(article.get_absolute_url())
    assert second["X-Page-Cache"] == "hit"
    addresses = absolute_addresses(second.content.decode())
    assert "https://" not in "".join(
        a for a in addresses if "news.example.org" in a and not a.startswith(SHARE_ENDPOINTS)
    )
    assert "https%3A%2F%2Fnews.example.org" not in "".join(addresses)


def test_a_script_name_header_neither_moves_a_cached_page_nor_its_links(client, settings):
    """gunicorn passes SCRIPT_NAME from a forwarded-allowed address: the home page asked
    for with SCRIPT_NAME=/<slug> was stored under the article's address."""
    settings.PAGE_CACHE = True
    article = PublishedArticleFactory(title="The real article")
    prefix = article.get_absolute_url().rstrip("/")
    home = client.get("/", SCRIPT_NAME=prefix)
    assert home.status_code == 200
    assert f'href="{prefix}/category/' not in home.content.decode()
    page = client.get(article.get_absolute_url())
    assert "The real article</h1>" in page.content.decode()


def test_feeds_link_items_at_the_public_origin(client):
    article = PublishedArticleFactory()
    rss = client.get(reverse("feed"), **MISLEADING).content.decode()
    assert f"<link>{ORIGIN}{article.get_absolute_url()}</link>" in rss
    assert f"<link>{ORIGIN}/</link>" in rss
