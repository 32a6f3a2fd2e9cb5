import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from articles.models import Article
from articles.richtext import sanitize_body
from tests.factories import ArticleFactory, AuthorFactory, PublishedArticleFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "offset", "visible"),
    [
        (Article.Status.PUBLISHED, timedelta(hours=-1), True),
        (Article.Status.PUBLISHED, timedelta(seconds=-1), True),
        (Article.Status.PUBLISHED, timedelta(hours=1), False),
        (Article.Status.PUBLISHED, timedelta(seconds=5), False),
        (Article.Status.DRAFT, timedelta(hours=-1), False),
        (Article.Status.DRAFT, timedelta(hours=1), False),
        (Article.Status.REVIEW, timedelta(hours=-1), False),
        (Article.Status.UNPUBLISHED, timedelta(hours=-1), False),
    ],
)
def test_published_grid_of_status_and_time(status, offset, visible):
    article = ArticleFactory(status=status, published_at=timezone.now() + offset)
    assert (article in Article.objects.published()) is visible
    assert article.is_published() is visible


def test_published_without_a_time_is_not_public():
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    assert not Article.objects.published().filter(pk=article.pk).exists()


def test_saving_as_published_without_a_time_stamps_now():
    before = timezone.now().replace(microsecond=0)  # publication times are whole seconds
    article = ArticleFactory(status=Article.Status.PUBLISHED, published_at=None)
    assert before <= article.published_at <= timezone.now()
    assert article.published_at.microsecond == 0
    assert article.is_published()


def test_published_with_a_future_time_is_scheduled():
    article = ArticleFactory(
        status=Article.Status.PUBLISHED, published_at=timezone.now() + timedelta(days=1)
    )
    assert article.is_scheduled()
    assert article.state == "scheduled"
    assert not Article.objects.published().filter(pk=article.pk).exists()


def test_excerpt_falls_back_to_body_cut_on_a_word_with_ellipsis():
    body = (
        "<p>A renowned Iranian scholar of law, who has been in headlines in recent years for "
        "his outspoken opinions, spoke.</p>"
    )
    article = ArticleFactory(body=body, standfirst="")
    assert article.excerpt == (
        "A renowned Iranian scholar of law, who has been in headlines in recent years for…"
    )


def test_excerpt_keeps_paragraph_boundaries_and_entities():
    article = ArticleFactory(body="<p>One &amp; two.</p><p>Three</p>", standfirst="")
    assert article.excerpt == "One & two. Three"


def test_excerpt_prefers_the_standfirst():
    article = ArticleFactory(standfirst="A short summary.", body="<p>Body words.</p>")
    assert article.excerpt == "A short summary."
    assert article.summary == "A short summary."


def test_byline_authors_keep_their_order():
    first, second, third = AuthorFactory(), AuthorFactory(), AuthorFactory()
    article = PublishedArticleFactory(authors=[third, first, second])
    assert article.byline_authors == [third, first, second]


@pytest.mark.parametrize("slug", ["category", "tag", "author", "search", "feed", "admin", "Admin"])
def test_reserved_words_are_refused_as_slugs(slug):
    article = ArticleFactory.build(slug=slug, section=ArticleFactory().section)
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "slug" in error.value.message_dict


def test_digit_only_slugs_are_refused():
    article = ArticleFactory.build(slug="2021", section=ArticleFactory().section)
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "slug" in error.value.message_dict


def test_unicode_slugs_are_accepted():
    article = ArticleFactory.build(slug="خبر-تازه", section=ArticleFactory().section)
    article.full_clean()


# Real vectors from the OWASP XSS filter evasion cheat sheet.
XSS_VECTORS = [
    "<script>alert('XSS')</script>",
    '<SCRIPT SRC="https://example.com/xss.js"></SCRIPT>',
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="jav&#x09;ascript:alert(1)">click</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<svg/onload=alert("XSS")>',
    '<BODY ONLOAD=alert("XSS")>',
    '<iframe src="javascript:alert(1)"></iframe>',
    "<style>@import 'http://example.com/xss.css';</style>",
    '<p style="background:url(javascript:alert(1))">styled</p>',
    '<div onmouseover="alert(1)">hover</div>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><input type=submit></form>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph>",
    "<<SCRIPT>alert('XSS');//<</SCRIPT>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<a href="https://example.com" onclick="alert(1)" target="_blank">ok</a>',
]

DANGEROUS = (
    "<script",
    "javascript:",
    "vbscript:",
    "data:",
    "onerror",
    "onload",
    "onclick",
    "onmouseover",
    "<iframe",
    "<style",
    "<svg",
    "<object",
    "<embed",
    "<form",
    "<meta",
    "<base",
    "style=",
)


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_body_sanitizer_removes_xss_vectors(vector):
    article = ArticleFactory(body=f"<p>Before</p>{vector}<p>After</p>")
    stored = Article.objects.get(pk=article.pk).body.lower()
    for needle in DANGEROUS:
        assert needle not in stored, (vector, stored)
    # Pictures are allowed in a body, but only with an http(s) or relative source.
    for src in re.findall(r'<img[^>]*\ssrc="([^"]*)"', stored):
        assert not re.match(r"[a-z]+:", src) or src.startswith(("http:", "https:")), stored
    assert stored.startswith("<p>before</p>")


def test_body_sanitizer_keeps_everything_the_editor_produces():
    html = (
        "<h2>Heading two</h2><h3>Three</h3><h4>Four</h4>"
        "<p>Text with <strong>bold</strong>, <em>italic</em> and "
        '<a href="https://example.com/x" title="Example">a link</a>, '
        '<a href="/local/">a local link</a> and <a href="mailto:desk@example.com">mail</a>'
        "<br>after a break</p>"
        '<ul><li><p>one</p></li></ul><ol start="3"><li><p>three</p></li></ol>'
        "<blockquote><p>Quoted</p></blockquote><hr>"
    )
    assert sanitize_body(html) == html


def test_body_sanitizer_drops_tags_the_editor_cannot_make_but_keeps_their_text():
    assert sanitize_body("<h1>Big</h1><p><span class='x'>text</span> <u>u</u></p>") == (
        "Big<p>text u</p>"
    )


def test_empty_editor_document_is_stored_empty():
    article = ArticleFactory(body="<p></p>")
    assert article.body == ""
