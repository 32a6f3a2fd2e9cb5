"""The WordPress importer on real exports: the 34 WXR files WordPress's own importer is
tested with (``../shared/corpus/wxr/``, read in place, never copied here). Each file's
posts and pages are accounted for, its documented malformation is reported, and the site
still serves every imported page, its feeds and its sitemaps."""

import io

import feedparser
import pytest
from django.core.management import CommandError, call_command
from lxml import etree

from articles.models import Article, Comment, Page

# file: (articles, pages, comments kept, what the report must say). Counts come from
# reading each file by hand: its <item>s of type post and page, its approved comments.
EXPECTED = {
    "authors-multiline.xml": (1, 0, 0, "no date: imported as a draft"),
    "backslashes.xml": (1, 0, 0, ""),
    "blank-lines.xml": (1, 0, 0, ""),
    "cdata-edge.xml": (1, 0, 0, ""),
    "chunked-meta.xml": (1, 0, 0, ""),
    "e2e-wxr-base-url-rewriting.xml": (1, 0, 0, ""),
    "e2e-wxr-comprehensive.xml": (1, 1, 1, ""),
    "e2e-wxr-css-urls.xml": (1, 0, 0, ""),
    "e2e-wxr-simple.xml": (1, 0, 0, ""),
    "invalid-version-tag.xml": (0, 0, 0, "Items: 0 in the file"),
    "large-authors.xml": (0, 0, 0, "Authors: 300."),
    "missing-tags.xml": (1, 0, 0, ""),
    "missing-version-tag.xml": (0, 0, 0, "Items: 0 in the file"),
    "multiple-cdata.xml": (1, 0, 0, ""),
    # Four items in WordPress's namespace however it is spelled, and a fifth whose
    # namespace is taken over by another URI ("Hijacked Namespace"): not a WordPress item.
    "namespace-edge-cases.xml": (5, 0, 0, "“Hijacked Namespace” (post id ?, line 94)"),
    "post-content-blank-lines.xml": (1, 0, 0, ""),
    "slashes.xml": (1, 0, 1, ""),
    "small-export.xml": (6, 5, 1, ""),
    "term-formats.xml": (0, 0, 0, "Items: 0 in the file"),
    "term-meta.xml": (0, 0, 0, "Sections: 1."),
    "test-serialized-comment-meta.xml": (1, 0, 1, ""),
    "test-serialized-postmeta-no-cdata.xml": (1, 0, 0, ""),
    "test-serialized-postmeta-with-cdata.xml": (1, 0, 0, ""),
    "test-serialized-term-meta.xml": (1, 0, 0, ""),
    "test-utw-post-meta-import.xml": (1, 0, 0, ""),
    "valid-wxr-1.0.xml": (3, 3, 1, ""),
    "valid-wxr-1.1.xml": (1, 1, 1, ""),
    "wxr-flat-attachment-different-site.xml": (1, 0, 0, "an attachment"),
    "wxr-flat-attachment-same-site.xml": (1, 0, 0, "an attachment"),
    "wxr-simple.xml": (1, 0, 0, ""),
    # Its one comment carries no wp:comment_approved: not an approved comment, not kept.
    "wxr-with-sub-data.xml": (1, 0, 0, ""),
}
# Files that are broken on purpose: the command exits non-zero, saying why.
BROKEN = {
    "crazy-cdata.xml": "Sequence ']]>' not allowed in content",
    "malformed-simple.xml": "the file ends before this item does",
    "malformed.xml": "is not a WordPress export",
}


def test_every_corpus_file_has_an_expectation(corpus_dir):
    names = {path.name for path in (corpus_dir / "wxr").glob("*.xml")}
    assert names == set(EXPECTED) | set(BROKEN)


def import_file(path):
    out = io.StringIO()
    call_command("import_wordpress", str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_imports_with_every_post_accounted_for(name, corpus_dir, client, admin_client):
    path = corpus_dir / "wxr" / name
    articles, pages, comments, says = EXPECTED[name]
    out = import_file(path)

    assert Article.objects.count() == articles
    assert Page.objects.count() == pages
    assert Comment.objects.count() == comments
    assert says in out
    items = out.split("Items: ", 1)[1].split(" in the file", 1)[0]
    assert int(items) == path.read_bytes().count(b"<item")

    # Every imported article and page renders (drafts through the staff preview).
    for article in Article.objects.all():
        who = client if article.is_published() else admin_client
        assert who.get(article.get_absolute_url()).status_code == 200
    for page in Page.objects.published():
        assert client.get(page.get_absolute_url()).status_code == 200
    # Feeds and sitemaps stay well-formed.
    for feed in ("/feed/", "/feed/atom/"):
        response = client.get(feed)
        assert response.status_code == 200
        assert feedparser.parse(response.content).bozo == 0
    for sitemap in ("/sitemap.xml", "/sitemap-articles.xml"):
        response = client.get(sitemap)
        assert response.status_code == 200
        etree.fromstring(response.content)

    # A second run changes nothing: no duplicate, every item updated or skipped again.
    import_file(path)
    assert Article.objects.count() == articles
    assert Page.objects.count() == pages
    assert Comment.objects.count() == comments


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_corpus_file_fails_clearly_and_imports_nothing(name, corpus_dir):
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_wordpress", str(corpus_dir / "wxr" / name), stdout=out)
    assert BROKEN[name] in str(error.value) + out.getvalue()
    assert Article.objects.count() == 0
