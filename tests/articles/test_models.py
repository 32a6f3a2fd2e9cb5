import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import Article, PendingEdit, Redirect
from articles.richtext import sanitize_body
from tests.admin_forms import (
    change_url,
    open_change_form,
    posted_fields,
    save_in_admin,
)
from tests.articles.test_admin_history import restore_in_admin, versions_of
from tests.conftest import client_for
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    DraftArticleFactory,
    PublishedArticleFactory,
    ReviewArticleFactory,
    ScheduledArticleFactory,
    SectionFactory,
    UnpublishedArticleFactory,
)
from tests.pages import text_of

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


def test_each_state_has_its_one_queryset_rule():
    """``scheduled()``, ``drafts()``, ``in_review()`` and ``unpublished()`` each find the
    articles of their state and no other; a scheduled one becomes ``published()`` by
    itself when its time comes."""
    made = {
        "live": PublishedArticleFactory(),
        "scheduled": ScheduledArticleFactory(),
        "draft": DraftArticleFactory(),
        "review": ReviewArticleFactory(),
        "unpublished": UnpublishedArticleFactory(),
    }
    rules = {
        "live": Article.objects.published,
        "scheduled": Article.objects.scheduled,
        "draft": Article.objects.drafts,
        "review": Article.objects.in_review,
        "unpublished": Article.objects.unpublished,
    }
    for state, rule in rules.items():
        assert list(rule()) == [made[state]], state
    Article.objects.filter(pk=made["scheduled"].pk).update(
        published_at=timezone.now() - timedelta(seconds=1)
    )
    assert not Article.objects.scheduled().exists()
    assert Article.objects.published().count() == 2


def test_owned_by_and_visible_to_are_the_one_rule_of_whose_article_it_is(
    writer, other_writer, editor
):
    mine = DraftArticleFactory(created_by=writer)
    bylined = DraftArticleFactory(authors=[AuthorFactory(user=writer)])
    colleagues = DraftArticleFactory(created_by=other_writer)
    live = PublishedArticleFactory(created_by=other_writer)

    assert set(Article.objects.owned_by(writer)) == {mine, bylined}
    assert set(Article.objects.visible_to(writer)) == {mine, bylined, live}
    assert set(Article.objects.visible_to(editor)) == {mine, bylined, colleagues, live}
    assert set(Article.objects.visible_to(AnonymousUser())) == {live}
    assert workflow.is_owner(writer, bylined) and not workflow.is_owner(writer, colleagues)


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


# Slug changes leave redirects (articles.signals)


def test_renaming_a_published_article_redirects_the_old_url(editor_client, client):
    article = PublishedArticleFactory(slug="smog-closes-schools")
    old_url = article.get_absolute_url()

    save_in_admin(editor_client, article, slug="smog-shuts-schools")

    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == "/smog-shuts-schools/"
    assert client.get("/smog-shuts-schools/").status_code == 200


def test_renaming_twice_keeps_both_old_urls_pointing_at_the_current_one(editor_client, client):
    article = PublishedArticleFactory(slug="first-slug")
    save_in_admin(editor_client, article, slug="second-slug")
    save_in_admin(editor_client, article, slug="third-slug")

    for old in ("/first-slug/", "/second-slug/"):
        response = client.get(old)
        assert response.status_code == 301
        assert response["Location"] == "/third-slug/"


def test_renaming_back_leaves_no_redirect_on_the_current_url(editor_client, client):
    article = PublishedArticleFactory(slug="first-slug", title="The story")
    save_in_admin(editor_client, article, slug="second-slug")
    save_in_admin(editor_client, article, slug="first-slug")

    assert not Redirect.objects.filter(old_path="/first-slug/").exists()
    current = client.get("/first-slug/")
    assert current.status_code == 200
    assert "The story" in text_of(current)
    old = client.get("/second-slug/")
    assert (old.status_code, old["Location"]) == (301, "/first-slug/")


def test_renaming_a_unicode_slug_redirects_the_old_url(editor_client, client):
    article = PublishedArticleFactory(slug="آلودگی-هوا")
    old_url = article.get_absolute_url()

    save_in_admin(editor_client, article, slug="تعطیلی-مدارس")

    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == reverse("articles:detail", kwargs={"slug": "تعطیلی-مدارس"})


@pytest.mark.parametrize("action", ["unpublish", "draft"])
def test_old_url_of_an_article_readers_cannot_see_answers_404(editor_client, client, action):
    article = PublishedArticleFactory(slug="first-slug")
    save_in_admin(editor_client, article, slug="second-slug")
    if action == "unpublish":
        editor_client.post(
            reverse("admin:articles_article_changelist"),
            {"action": "unpublish", "_selected_action": [article.pk]},
        )
        article.refresh_from_db()
        assert article.status == Article.Status.UNPUBLISHED
    else:
        Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)

    assert client.get("/first-slug/").status_code == 404
    assert client.get("/second-slug/").status_code == 404


def test_a_new_article_may_not_take_another_articles_old_address(editor_client, client):
    renamed = PublishedArticleFactory(slug="first-slug", title="Renamed story")
    save_in_admin(editor_client, renamed, slug="second-slug")
    response = editor_client.get(reverse("admin:articles_article_add"))
    data = posted_fields(response)
    data.update(
        {
            "title": "Newcomer story",
            "slug": "first-slug",
            "section": SectionFactory().pk,
            "bylines-0-author": AuthorFactory().pk,
        }
    )

    refused = editor_client.post(reverse("admin:articles_article_add"), data)

    assert refused.status_code == 200
    (error,) = refused.context["adminform"].form.errors["slug"]
    assert "/first-slug/ belongs to another article" in error
    assert "Renamed story" not in error  # a colleague's article is not named
    assert not Article.objects.filter(title="Newcomer story").exists()
    old = client.get("/first-slug/")
    assert (old.status_code, old["Location"]) == (301, "/second-slug/")


@pytest.mark.parametrize("role", ["Writers", "Editors"])
def test_a_draft_may_not_take_over_a_live_articles_old_address(
    editor_client, newsroom_user, client, role
):
    renamed = PublishedArticleFactory(slug="first-slug", title="Renamed story")
    save_in_admin(editor_client, renamed, slug="second-slug")
    user = newsroom_user("farid", role)
    draft = DraftArticleFactory(slug="farids-draft", title="Farid's draft", created_by=user)
    farid = client_for(user)
    _, data = open_change_form(farid, draft)

    refused = farid.post(change_url(draft), {**data, "slug": "first-slug"})

    assert refused.status_code == 200
    assert "/first-slug/ belongs to another article" in " ".join(
        refused.context["adminform"].form.errors["slug"]
    )
    draft.refresh_from_db()
    assert draft.slug == "farids-draft"
    assert Redirect.objects.get(old_path="/first-slug/").article == renamed
    old = client.get("/first-slug/")
    assert (old.status_code, old["Location"]) == (301, "/second-slug/")


def test_a_writer_may_not_propose_another_articles_old_address_for_her_live_article(
    editor_client, newsroom_user
):
    renamed = PublishedArticleFactory(slug="first-slug")
    save_in_admin(editor_client, renamed, slug="second-slug")
    user = newsroom_user("farid", "Writers")
    live = PublishedArticleFactory(slug="farids-story", created_by=user)
    farid = client_for(user)
    _, data = open_change_form(farid, live)

    refused = farid.post(change_url(live), {**data, "slug": "first-slug"})

    assert refused.status_code == 200
    assert "slug" in refused.context["adminform"].form.errors
    assert not PendingEdit.objects.exists()


def test_approving_a_change_to_an_address_taken_since_is_refused(editor_client, newsroom_user):
    user = newsroom_user("farid", "Writers")
    live = PublishedArticleFactory(slug="farids-story", created_by=user)
    save_in_admin(client_for(user), live, slug="wanted-slug")
    edit = PendingEdit.objects.get(article=live)
    other = PublishedArticleFactory(slug="wanted-slug-elsewhere")
    save_in_admin(editor_client, other, slug="wanted-slug")
    save_in_admin(editor_client, other, slug="moved-on")

    response = editor_client.post(
        reverse("admin:article_pending", args=[live.pk, edit.pk]), {"decision": "approve"}
    )

    assert response.status_code == 302
    live.refresh_from_db()
    assert live.slug == "farids-story"
    assert Redirect.objects.get(old_path="/wanted-slug/").article == other
    edit.refresh_from_db()
    assert edit.state == PendingEdit.State.PENDING


def test_an_article_may_take_back_its_own_old_address(editor_client, client):
    article = PublishedArticleFactory(slug="first-slug", title="The story")
    save_in_admin(editor_client, article, slug="second-slug")
    save_in_admin(editor_client, article, slug="third-slug")

    save_in_admin(editor_client, article, slug="first-slug")

    assert client.get("/first-slug/").status_code == 200
    for old in ("/second-slug/", "/third-slug/"):
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, "/first-slug/")


def test_restoring_a_version_whose_address_now_leads_to_another_article_keeps_its_slug(
    editor_client, client
):
    article = DraftArticleFactory(title="Old title", slug="old-slug")
    save_in_admin(editor_client, article)
    save_in_admin(editor_client, article, slug="new-slug")
    other = PublishedArticleFactory(slug="old-slug-elsewhere")
    Redirect.objects.filter(old_path="/old-slug/").delete()  # the draft never left one
    save_in_admin(editor_client, other, slug="old-slug")
    save_in_admin(editor_client, other, slug="other-now")

    response = restore_in_admin(editor_client, article, versions_of(article)[-1])

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.slug == "new-slug"
    old = client.get("/old-slug/")
    assert (old.status_code, old["Location"]) == (301, "/other-now/")


def test_no_redirect_points_at_an_articles_own_current_url(editor_client):
    one = PublishedArticleFactory(slug="slug-a")
    two = PublishedArticleFactory(slug="slug-c")
    save_in_admin(editor_client, one, slug="slug-b")
    save_in_admin(editor_client, two, slug="slug-d")
    save_in_admin(editor_client, one, slug="slug-a")
    save_in_admin(editor_client, two, slug="slug-c")

    for redirect in Redirect.objects.select_related("article"):
        assert redirect.old_path != redirect.article.get_absolute_url()
    current = {a.get_absolute_url() for a in Article.objects.all()}
    assert current.isdisjoint(Redirect.objects.values_list("old_path", flat=True))


def test_approving_a_writers_slug_change_redirects_the_old_url(newsroom_user, editor_client):
    writer = newsroom_user("farid", "Writers")
    article = PublishedArticleFactory(slug="first-slug", created_by=writer)
    writer_client = client_for(writer)
    save_in_admin(writer_client, article, slug="second-slug")
    edit = PendingEdit.objects.get(article=article)
    client = Client()
    assert client.get("/first-slug/").status_code == 200

    editor_client.post(
        reverse("admin:article_pending", args=[article.pk, edit.pk]), {"decision": "approve"}
    )

    response = client.get("/first-slug/")
    assert (response.status_code, response["Location"]) == (301, "/second-slug/")
