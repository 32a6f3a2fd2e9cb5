"""Choose the benchmark's pages and count the queries each runs: ``python -m bench.probe``.

Run by ``bench/run.py`` in a short subprocess with the benchmark's environment (the same
database, cache and settings as gunicorn). Each page is requested once through Django's
test client, as an anonymous reader, then the content generation is moved on as a
publish would, and the queries of the next two requests are counted with
``CaptureQueriesContext``: the first after the change (the site-wide parts read again; the
page cache, when on, filled), the second in the steady state. Prints one JSON object.
"""

import json
import os
import sys


def choose_pages():
    """The paths to load: the floor, the newest article (the story that goes viral) and its
    Persian translation, the home page, the biggest section, the most common tag, a search
    for a common word, the RSS feed, the sitemap index and the news sitemap."""
    from django.db.models import Count
    from django.urls import reverse
    from taggit.models import Tag

    from articles.models import Article, Section, public_q
    from bench.breaking import DRAFT_PREFIX
    from bench.generate import SEARCH_WORD

    # Not the drafts the breaking-news run of an earlier benchmark published
    # (``bench.breaking``): each run would otherwise measure another article.
    newest = (
        Article.objects.published()
        .exclude(slug__startswith=DRAFT_PREFIX)
        .order_by("-published_at", "-id")
    )
    article = newest.in_language("en").first()
    persian = newest.in_language("fa").first()
    section = (
        Section.objects.annotate(live=Count("articles", filter=public_q("articles__")))
        .order_by("-live", "position")
        .first()
    )
    # The most common tag: the tag page with the most to list.
    tag = (
        Tag.objects.annotate(live=Count("taggit_taggeditem_items")).order_by("-live", "pk").first()
    )
    if article is None or section is None:
        raise SystemExit("probe: no published article or no section: generate the site first")
    return [
        ("floor", "/bench/floor/"),
        ("article", article.get_absolute_url()),
        # The Persian edition's (bench/generate.py makes it a translation of "article").
        *([("article-fa", persian.get_absolute_url())] if persian is not None else []),
        ("home", reverse("articles:home")),
        ("section", section.get_absolute_url()),
        *([("tag", reverse("articles:tag", kwargs={"slug": tag.slug}))] if tag else []),
        ("search", f"{reverse('articles:search')}?q={SEARCH_WORD.lower()}"),
        ("feed", reverse("feed")),
        ("sitemap", reverse("sitemap")),
        ("news-sitemap", reverse("news-sitemap")),
    ]


def count_queries(path):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from articles import page_cache

    client = Client(HTTP_HOST="127.0.0.1")
    client.get(path)  # this process's first: Django's own caches (content types…) fill
    page_cache.bump()  # what every publish or edit does: a new content generation
    with CaptureQueriesContext(connection) as first:
        client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return {
        "status": response.status_code,
        "queries": len(captured.captured_queries),
        "queries_first": len(first.captured_queries),
        "bytes": len(response.content),
    }


def site_facts():
    from django.contrib.postgres.search import SearchQuery
    from django.db import connection

    from articles.models import Article
    from articles.search import SEARCH_CONFIG
    from bench.generate import SEARCH_WORD

    published = Article.objects.published()
    facts = {"articles": Article.objects.count(), "published": published.count()}
    if connection.vendor == "postgresql":
        query = SearchQuery(SEARCH_WORD, search_type="websearch", config=SEARCH_CONFIG)
        facts["search_matches"] = published.filter(search_vector=query).count()
    return facts


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ifp.settings")
    import django

    django.setup()
    pages = choose_pages()
    result = {
        "pages": [{"name": name, "path": path, **count_queries(path)} for name, path in pages],
        **site_facts(),
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
