"""The newsroom admin for articles and sections, driven through the real admin URLs."""

import html
import io
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from articles.models import Article, Byline, Correction, Section
from tests.admin_forms import (
    add_correction,
    add_form_data,
    change_url,
    open_change_form,
    save_in_admin,
)
from tests.conftest import client_for
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    DraftArticleFactory,
    ImageFactory,
    PublishedArticleFactory,
    ReviewArticleFactory,
    ScheduledArticleFactory,
    SectionFactory,
    UnpublishedArticleFactory,
)
from tests.pages import json_ld, json_time, text_of, updated_time

# The whole article changelist page: session, user, the section filter's choices, the
# filtered and total counts, the page of articles joined to their sections, one prefetch
# of bylines with their authors, the author filter's choices (the authors with a byline),
# and the date hierarchy's range and dates.
ARTICLE_CHANGELIST_QUERIES = 10

SLUG = "smog-closes-schools-in-tehran"


def article_changelist_url():
    return reverse("admin:articles_article_changelist")


def article_add_url():
    return reverse("admin:articles_article_add")


def article_change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def listed(response):
    """The primary keys of the rows on a changelist page."""
    return {obj.pk for obj in response.context["cl"].result_list}


def filter_links(response, title):
    """The links a changelist filter offers in the sidebar: display text -> query string."""
    changelist = response.context["cl"]
    (spec,) = [spec for spec in changelist.filter_specs if spec.title == title]
    return {str(choice["display"]): choice["query_string"] for choice in spec.choices(changelist)}


def date_hierarchy_links(response):
    """The date hierarchy's drill-down links above the changelist, as query parameters."""
    nav = re.search(
        r'<nav class="toplinks"[^>]*>(.*?)</nav>', response.content.decode(), re.DOTALL
    )
    hrefs = re.findall(r'href="\?([^"]*)"', nav.group(1)) if nav else []
    return [QueryDict(html.unescape(href)).dict() for href in hrefs]


def form_errors(response):
    return response.context["adminform"].form.errors


def byline_formset(response):
    (inline,) = [
        inline
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is Byline
    ]
    return inline.formset


def article_form_data(section, authors, **overrides):
    """What the add form posts for a filled-in story: the rendered form
    (``tests.admin_forms.add_form_data``) with every field set, the split publication time
    in newsroom time, no image, and one byline row per author in the given order."""
    published = timezone.localtime(timezone.now() - timedelta(hours=2))
    fields = {
        "kicker": "Analysis",
        "title": "Smog closes schools in Tehran",
        "slug": SLUG,
        "standfirst": "Schools and offices shut as the air turns dangerous.",
        "body": "<p>Schools in the capital closed on Sunday.</p>",
        "tags": "Tehran, Air pollution",
        "published_at_0": published.strftime("%Y-%m-%d"),
        "published_at_1": published.strftime("%H:%M:%S"),
    }
    return add_form_data(section, authors, **{**fields, **overrides})


def png_upload(name="smog.png", size=(16, 9)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "gray").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def uploaded_files(settings):
    media = settings.MEDIA_ROOT
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


@pytest.fixture
def viewer(django_user_model):
    """A staff user who may only look at articles."""
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="articles", codename="view_article")
    )
    return user


# Article changelist: listing, search, filters, date hierarchy.


@pytest.mark.django_db
def test_article_changelist_lists_every_article_whatever_its_status(admin_client):
    articles = [
        DraftArticleFactory(),
        ReviewArticleFactory(),
        PublishedArticleFactory(),
        ScheduledArticleFactory(),
        UnpublishedArticleFactory(),
    ]
    response = admin_client.get(article_changelist_url())
    assert response.status_code == 200
    assert listed(response) == {article.pk for article in articles}


@pytest.mark.django_db
def test_article_changelist_shows_the_byline_in_order(admin_client):
    # Created first, printed second: neither id nor name order gives the byline.
    second = AuthorFactory(name="Ali Rezaei")
    first = AuthorFactory(name="Zahra Karimi")
    PublishedArticleFactory(authors=[first, second])
    response = admin_client.get(article_changelist_url())
    assert "Zahra Karimi, Ali Rezaei" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Smog closes schools"),
        ("slug", "smog-closes"),
        ("standfirst", "The air turns dangerous"),
        ("kicker", "Exclusive"),
    ],
)
def test_article_changelist_search_finds_by_field(admin_client, field, value):
    match = ArticleFactory(**{field: value})
    ArticleFactory(title="Rial falls", slug="rial-falls", standfirst="", kicker="")
    response = admin_client.get(article_changelist_url(), {"q": value})
    assert response.status_code == 200
    assert listed(response) == {match.pk}


@pytest.mark.django_db
def test_article_changelist_filters_by_state(admin_client):
    published = PublishedArticleFactory()
    DraftArticleFactory()
    UnpublishedArticleFactory()
    link = filter_links(admin_client.get(article_changelist_url()), "state")["Live"]

    response = admin_client.get(article_changelist_url(), {"state": "live"})

    assert response.status_code == 200
    assert listed(response) == {published.pk}
    assert listed(admin_client.get(article_changelist_url() + link)) == {published.pk}


@pytest.mark.django_db
def test_article_changelist_filters_by_section(admin_client):
    economy = SectionFactory(name="Economy", slug="economy")
    in_economy = ArticleFactory(section=economy)
    ArticleFactory(section=SectionFactory(name="Politics", slug="politics"))
    link = filter_links(admin_client.get(article_changelist_url()), "section")["Economy"]
    assert link == f"?section__id__exact={economy.pk}"

    response = admin_client.get(article_changelist_url(), {"section__id__exact": economy.pk})

    assert response.status_code == 200
    assert listed(response) == {in_economy.pk}


@pytest.mark.django_db
def test_article_changelist_filters_lead_stories(admin_client):
    lead = PublishedArticleFactory(is_featured=True)
    PublishedArticleFactory(is_featured=False)
    link = filter_links(admin_client.get(article_changelist_url()), "lead story")["Yes"]
    assert link == "?is_featured__exact=1"

    response = admin_client.get(article_changelist_url(), {"is_featured__exact": "1"})

    assert response.status_code == 200
    assert listed(response) == {lead.pk}


@pytest.mark.django_db
def test_article_changelist_filters_by_publication_date(admin_client):
    now = timezone.now()
    this_week = PublishedArticleFactory(published_at=now - timedelta(days=2))
    PublishedArticleFactory(published_at=now - timedelta(days=30))
    never = DraftArticleFactory()
    links = filter_links(admin_client.get(article_changelist_url()), "publication time")

    past_week = admin_client.get(article_changelist_url() + links["Past 7 days"])
    no_date = admin_client.get(article_changelist_url() + links["No date"])

    assert past_week.status_code == 200
    assert listed(past_week) == {this_week.pk}
    assert listed(no_date) == {never.pk}


@pytest.mark.django_db
def test_article_changelist_date_hierarchy_drills_down_by_year(admin_client):
    now = timezone.now()
    recent = PublishedArticleFactory(published_at=now - timedelta(hours=1))
    PublishedArticleFactory(published_at=now - timedelta(days=800))
    year = str(timezone.localtime(recent.published_at).year)
    assert {"published_at__year": year} in date_hierarchy_links(
        admin_client.get(article_changelist_url())
    )

    response = admin_client.get(article_changelist_url(), {"published_at__year": year})

    assert response.status_code == 200
    assert listed(response) == {recent.pk}


@pytest.mark.django_db
def test_article_changelist_date_hierarchy_drills_down_to_the_day(admin_client):
    now = timezone.now()
    today = PublishedArticleFactory(published_at=now - timedelta(minutes=5))
    PublishedArticleFactory(published_at=now - timedelta(days=3))
    local = timezone.localtime(today.published_at)
    month = {"published_at__year": str(local.year), "published_at__month": str(local.month)}
    day = {**month, "published_at__day": str(local.day)}
    assert day in date_hierarchy_links(admin_client.get(article_changelist_url(), month))

    response = admin_client.get(article_changelist_url(), day)

    assert response.status_code == 200
    assert listed(response) == {today.pk}


@pytest.mark.django_db
def test_article_add_and_change_pages_answer(admin_client):
    article = PublishedArticleFactory()
    assert admin_client.get(article_add_url()).status_code == 200
    response = admin_client.get(article_change_url(article))
    assert response.status_code == 200
    assert response.context["adminform"].form.instance == article


# Creating an article through the add form.


@pytest.mark.django_db
def test_add_form_creates_article_with_byline_tags_and_history(client, editor):
    section = SectionFactory(name="Society", slug="society")
    # Created first, printed second: the byline follows the positions, not the ids.
    second = AuthorFactory(name="Ali Rezaei")
    first = AuthorFactory(name="Zahra Karimi")
    client.force_login(editor)

    response = client.post(
        article_add_url(), article_form_data(section, [first, second], _transition="publish")
    )

    assert response.status_code == 302, form_errors(response)
    article = Article.objects.get(slug=SLUG)
    assert article.title == "Smog closes schools in Tehran"
    assert article.kicker == "Analysis"
    assert article.section == section
    assert article.status == Article.Status.PUBLISHED
    assert article.byline_authors == [first, second]
    assert list(article.bylines.values_list("position", flat=True)) == [0, 1]
    assert sorted(article.tags.names()) == ["Air pollution", "Tehran"]
    assert article.created_by == editor
    assert article.updated_by == editor
    assert not article.image


@pytest.mark.django_db
def test_change_form_records_who_changed_it_and_keeps_the_creator(client, editor, admin_user):
    section = SectionFactory()
    author = AuthorFactory()
    client.force_login(admin_user)
    created = client.post(article_add_url(), article_form_data(section, [author]))
    assert created.status_code == 302, form_errors(created)
    article = Article.objects.get(slug=SLUG)
    byline = article.bylines.get()
    client.force_login(editor)

    data = article_form_data(
        section,
        [author],
        title="Smog keeps schools shut",
        expected_version=article.version,
        **{
            "bylines-INITIAL_FORMS": "1",
            "bylines-0-id": byline.pk,
            "bylines-0-article": article.pk,
        },
    )
    response = client.post(article_change_url(article), data)

    assert response.status_code == 302, form_errors(response)
    article.refresh_from_db()
    assert article.title == "Smog keeps schools shut"
    assert article.created_by == admin_user
    assert article.updated_by == editor


@pytest.mark.django_db
def test_add_form_orders_the_byline_by_position_not_by_row(client, editor):
    first, second = AuthorFactory(), AuthorFactory()
    client.force_login(editor)
    data = article_form_data(
        SectionFactory(),
        [second, first],
        **{"bylines-0-position": "1", "bylines-1-position": "0"},
    )

    response = client.post(article_add_url(), data)

    assert response.status_code == 302, form_errors(response)
    assert Article.objects.get(slug=SLUG).byline_authors == [first, second]


@pytest.mark.django_db
def test_add_form_takes_publication_time_in_newsroom_time(settings, client, editor):
    wall_clock = (
        (timezone.now() - timedelta(hours=3))
        .astimezone(ZoneInfo(settings.NEWSROOM_TIME_ZONE))
        .replace(microsecond=0)
    )
    client.force_login(editor)
    data = article_form_data(
        SectionFactory(),
        [AuthorFactory()],
        published_at_0=wall_clock.strftime("%Y-%m-%d"),
        published_at_1=wall_clock.strftime("%H:%M:%S"),
    )

    response = client.post(article_add_url(), data)

    assert response.status_code == 302, form_errors(response)
    assert Article.objects.get(slug=SLUG).published_at == wall_clock


@pytest.mark.django_db
def test_add_form_sanitizes_the_body(client, editor):
    client.force_login(editor)
    body = (
        "<h2>Heading</h2>"
        '<p onclick="x()">text with <strong>bold</strong> and <em>italic</em></p>'
        "<script>alert(1)</script>"
        "<p><img src=x onerror=alert(1)></p>"
        '<p><a href="javascript:alert(1)">x</a> and <a href="https://example.com/">a link</a></p>'
        "<blockquote><p>A quote</p></blockquote>"
        "<ul><li><p>One point</p></li></ul>"
    )

    response = client.post(
        article_add_url(), article_form_data(SectionFactory(), [AuthorFactory()], body=body)
    )

    assert response.status_code == 302, form_errors(response)
    stored = Article.objects.get(slug=SLUG).body
    for dangerous in ("<script", "alert(1)", "onerror", "javascript:", "onclick"):
        assert dangerous not in stored
    for kept in (
        "<h2>Heading</h2>",
        "<p>text with <strong>bold</strong> and <em>italic</em></p>",
        "<blockquote><p>A quote</p></blockquote>",
        "<ul><li><p>One point</p></li></ul>",
        'href="https://example.com/"',
    ):
        assert kept in stored


# The add form refuses, and saves nothing.


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("slug", "code"),
    [
        ("category", "reserved"),
        ("search", "reserved"),
        ("admin", "reserved"),
        ("Admin", "reserved"),
        ("2021", "numeric"),
    ],
)
def test_add_form_refuses_slug_that_clashes_with_site_paths(client, editor, slug, code):
    client.force_login(editor)
    data = article_form_data(SectionFactory(), [AuthorFactory()], slug=slug)

    response = client.post(article_add_url(), data)

    assert response.status_code == 200
    assert [error.code for error in form_errors(response).as_data()["slug"]] == [code]
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_add_form_refuses_a_slug_already_taken(client, editor):
    existing = ArticleFactory(slug=SLUG)
    client.force_login(editor)

    response = client.post(
        article_add_url(), article_form_data(SectionFactory(), [AuthorFactory()])
    )

    assert response.status_code == 200
    assert [error.code for error in form_errors(response).as_data()["slug"]] == ["unique"]
    assert list(Article.objects.all()) == [existing]


@pytest.mark.django_db
def test_add_form_refuses_an_empty_byline_row(client, editor):
    client.force_login(editor)
    data = article_form_data(
        SectionFactory(),
        [],
        **{"bylines-TOTAL_FORMS": "1", "bylines-0-author": "", "bylines-0-position": "0"},
    )

    response = client.post(article_add_url(), data)

    assert response.status_code == 200
    assert "author" in byline_formset(response).errors[0]
    assert not Article.objects.exists()
    assert not Byline.objects.exists()


@pytest.mark.django_db
def test_add_form_refuses_an_article_without_byline_rows(client, editor):
    client.force_login(editor)

    response = client.post(article_add_url(), article_form_data(SectionFactory(), []))

    assert response.status_code == 200
    assert byline_formset(response).non_form_errors()
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_change_form_refuses_deleting_the_only_byline(client, editor):
    article = PublishedArticleFactory(slug=SLUG)
    byline = article.bylines.get()
    client.force_login(editor)
    data = article_form_data(
        article.section,
        [byline.author],
        expected_version=article.version,
        **{
            "bylines-INITIAL_FORMS": "1",
            "bylines-0-id": byline.pk,
            "bylines-0-article": article.pk,
            "bylines-0-DELETE": "on",
        },
    )

    response = client.post(article_change_url(article), data)

    assert response.status_code == 200
    assert byline_formset(response).non_form_errors()
    assert article.bylines.exists()


@pytest.mark.django_db
def test_add_form_refuses_a_picture_that_is_not_in_the_library(client, editor):
    client.force_login(editor)
    data = article_form_data(SectionFactory(), [AuthorFactory()], image="999999")

    response = client.post(article_add_url(), data)

    assert response.status_code == 200
    assert "image" in form_errors(response)
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_add_form_features_a_library_picture_and_the_change_page_shows_it(client, editor):
    client.force_login(editor)
    picture = ImageFactory(alt="Grey haze over the Milad tower", credit="IRNA")
    data = article_form_data(SectionFactory(), [AuthorFactory()], image=str(picture.pk))

    response = client.post(article_add_url(), data)

    assert response.status_code == 302, form_errors(response)
    article = Article.objects.get(slug=SLUG)
    assert article.image == picture
    page = client.get(article_change_url(article)).content.decode()
    assert 'alt="Grey haze over the Milad tower"' in page
    assert picture.rendition("card", at_most=320)[0] in page


# What the change page shows.


@pytest.mark.django_db
def test_body_field_renders_the_rich_text_editor(admin_client):
    article = PublishedArticleFactory()
    response = admin_client.get(article_change_url(article))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="body"' in html
    assert "data-django-prose-editor" in html
    assert "django_prose_editor/" in html


@pytest.mark.django_db
def test_publication_time_help_text_names_the_newsroom_time_zone(settings, admin_client):
    article = PublishedArticleFactory()
    response = admin_client.get(article_change_url(article))
    help_text = response.context["adminform"].form.fields["published_at"].help_text
    assert settings.NEWSROOM_TIME_ZONE == "Asia/Tehran"
    assert f"Newsroom time ({settings.NEWSROOM_TIME_ZONE})" in help_text
    assert "Newsroom time (Asia/Tehran)." in response.content.decode()


@pytest.mark.django_db
def test_change_page_links_to_the_article_on_the_site(admin_client):
    article = PublishedArticleFactory()
    response = admin_client.get(article_change_url(article))
    html = response.content.decode()
    assert "View on site" in html
    view_on_site = reverse(
        "admin:view_on_site", args=[response.context["content_type_id"], article.pk]
    )
    assert f'href="{view_on_site}"' in html
    redirect = admin_client.get(view_on_site)
    assert redirect.status_code == 302
    assert redirect["Location"].endswith(article.get_absolute_url())


# Actions.


def run_action(client, action, articles):
    return client.post(
        article_changelist_url(),
        {"action": action, "_selected_action": [article.pk for article in articles], "index": 0},
    )


@pytest.mark.django_db
def test_publish_now_publishes_drafts_at_once(client, editor):
    draft, in_review = DraftArticleFactory(), ReviewArticleFactory()
    client.force_login(editor)
    before = timezone.now().replace(microsecond=0)  # publication times are whole seconds

    response = run_action(client, "publish_now", [draft, in_review])

    assert response.status_code == 302
    for article in (draft, in_review):
        article.refresh_from_db()
        assert article.status == Article.Status.PUBLISHED
        assert before <= article.published_at <= timezone.now()
        assert article.updated_by == editor
        assert client.get(article.get_absolute_url()).status_code == 200
    client.logout()
    for article in (draft, in_review):
        assert client.get(article.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_publish_now_keeps_an_earlier_publication_time(client, editor):
    earlier = timezone.now() - timedelta(days=3)
    article = UnpublishedArticleFactory(published_at=earlier)
    client.force_login(editor)

    run_action(client, "publish_now", [article])

    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == earlier
    client.logout()
    assert client.get(article.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_publish_now_brings_a_scheduled_article_forward(client, editor):
    article = ScheduledArticleFactory(published_at=timezone.now() + timedelta(days=1))
    client.force_login(editor)

    run_action(client, "publish_now", [article])

    article.refresh_from_db()
    assert article.published_at <= timezone.now()
    client.logout()
    assert client.get(article.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_publish_now_leaves_unselected_articles_alone(client, editor):
    selected, other = DraftArticleFactory(), DraftArticleFactory()
    client.force_login(editor)

    run_action(client, "publish_now", [selected])

    other.refresh_from_db()
    assert other.status == Article.Status.DRAFT
    assert other.published_at is None


@pytest.mark.django_db
def test_unpublish_hides_a_published_article_from_readers(client, editor):
    published = PublishedArticleFactory()
    draft = DraftArticleFactory()
    assert client.get(published.get_absolute_url()).status_code == 200
    client.force_login(editor)

    response = run_action(client, "unpublish", [published, draft])

    assert response.status_code == 302
    published.refresh_from_db()
    draft.refresh_from_db()
    assert published.status == Article.Status.UNPUBLISHED
    assert published.updated_by == editor
    # Only published articles are unpublished; a draft stays a draft.
    assert draft.status == Article.Status.DRAFT
    client.logout()
    assert client.get(published.get_absolute_url()).status_code == 404


# Permission overrides.


@pytest.mark.django_db
def test_actions_offered_to_staff_who_may_change_articles(client, editor):
    DraftArticleFactory()
    client.force_login(editor)
    response = client.get(article_changelist_url())
    choices = dict(response.context["action_form"].fields["action"].choices)
    assert {"publish_now", "unpublish"} <= choices.keys()


@pytest.mark.django_db
def test_actions_not_offered_to_view_only_staff(client, viewer):
    article = PublishedArticleFactory()
    client.force_login(viewer)
    response = client.get(article_changelist_url())
    assert response.status_code == 200
    assert listed(response) == {article.pk}
    assert response.context["action_form"] is None
    assert "publish_now" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["publish_now", "unpublish"])
def test_view_only_staff_cannot_run_actions(client, viewer, action):
    draft = DraftArticleFactory()
    published = PublishedArticleFactory()
    client.force_login(viewer)

    run_action(client, action, [draft, published])

    draft.refresh_from_db()
    published.refresh_from_db()
    assert draft.status == Article.Status.DRAFT
    assert published.status == Article.Status.PUBLISHED


@pytest.mark.django_db
def test_view_only_staff_may_not_add_articles(client, viewer):
    client.force_login(viewer)
    assert client.get(article_add_url()).status_code == 403
    data = article_form_data(SectionFactory(), [AuthorFactory()])
    assert client.post(article_add_url(), data).status_code == 403
    assert not Article.objects.exists()


# Pinned query counts.


@pytest.mark.django_db
@pytest.mark.parametrize("article_count", [3, 12])
def test_article_changelist_query_count_is_fixed(
    admin_client, django_assert_num_queries, article_count
):
    """Pinned: the byline column comes from one prefetch, not one query per row (no N+1)."""
    for _ in range(article_count):
        PublishedArticleFactory(authors=AuthorFactory.create_batch(2))
    with django_assert_num_queries(ARTICLE_CHANGELIST_QUERIES):
        response = admin_client.get(article_changelist_url())
    assert len(listed(response)) == article_count


# Sections.


def section_changelist_url():
    return reverse("admin:articles_section_changelist")


@pytest.mark.django_db
def test_section_changelist_lists_sections(admin_client):
    sections = [SectionFactory(name="Politics"), SectionFactory(name="Economy")]
    response = admin_client.get(section_changelist_url())
    assert response.status_code == 200
    assert listed(response) == {section.pk for section in sections}


@pytest.mark.django_db
def test_section_changelist_search_finds_by_name(admin_client):
    economy = SectionFactory(name="Economy", slug="economy")
    SectionFactory(name="Politics", slug="politics")
    response = admin_client.get(section_changelist_url(), {"q": "econ"})
    assert response.status_code == 200
    assert listed(response) == {economy.pk}


@pytest.mark.django_db
def test_section_add_and_change_pages_answer(admin_client):
    section = SectionFactory()
    assert admin_client.get(reverse("admin:articles_section_add")).status_code == 200
    response = admin_client.get(reverse("admin:articles_section_change", args=[section.pk]))
    assert response.status_code == 200
    assert response.context["adminform"].form.instance == section


@pytest.mark.django_db
def test_section_add_form_creates_a_section(admin_client):
    response = admin_client.post(
        reverse("admin:articles_section_add"),
        {"name": "Economy", "slug": "economy", "description": "", "position": "2"},
    )
    assert response.status_code == 302, form_errors(response)
    section = Section.objects.get(slug="economy")
    assert (section.name, section.position) == ("Economy", 2)


# Standing pages and kept comments


def test_standing_page_is_written_in_the_admin_and_served_at_its_address(admin_client, client):
    response = admin_client.post(
        reverse("admin:articles_page_add"),
        {
            "title": "Editorial standards",
            "slug": "editorial-standards",
            "body": "<p>We check.</p><script>alert(1)</script>",
            "status": "published",
        },
    )
    assert response.status_code == 302
    page = client.get("/editorial-standards/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "<p>We check.</p>" in text and "alert(1)" not in text
    changelist = admin_client.get(reverse("admin:articles_page_changelist"), {"q": "standards"})
    assert "Editorial standards" in changelist.content.decode()


def test_standing_page_cannot_take_an_articles_address(admin_client):
    PublishedArticleFactory(slug="about")
    response = admin_client.post(
        reverse("admin:articles_page_add"),
        {"title": "About", "slug": "about", "body": "", "status": "published"},
    )
    assert response.status_code == 200
    assert "An article has this address already." in response.content.decode()


@pytest.mark.django_db
def test_draft_standing_page_is_not_shown_to_readers(client):
    from articles.models import Page

    Page.objects.create(title="Ownership", slug="ownership", status=Page.Status.DRAFT)
    assert client.get("/ownership/").status_code == 404


def test_kept_comments_are_listed_read_only(admin_client):
    from articles.models import Comment

    article = PublishedArticleFactory()
    comment = Comment.objects.create(
        article=article, author_name="Reader", text="Thanks.", published_at=timezone.now()
    )
    changelist = admin_client.get(reverse("admin:articles_comment_changelist"))
    assert "Reader" in changelist.content.decode()
    assert admin_client.get(reverse("admin:articles_comment_add")).status_code == 403
    change = admin_client.get(reverse("admin:articles_comment_change", args=[comment.pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()


# Corrections, clarifications and updates


def test_editor_adds_a_correction_shown_on_the_article_page_and_in_json_ld(
    editor_client, client, editor
):
    article = PublishedArticleFactory()
    _, data = open_change_form(editor_client, article)
    add_correction(data, article, "The minister is Ali Rezaei, not Reza Alavi.")

    response = editor_client.post(change_url(article), data)

    assert response.status_code == 302, form_errors(response)
    correction = Correction.objects.get(article=article)
    assert correction.kind == Correction.Kind.CORRECTION
    assert correction.created_by == editor
    article.refresh_from_db()
    assert article.content_updated_at == correction.published_at
    page = client.get(article.get_absolute_url())
    html = text_of(page)
    local = timezone.localtime(correction.published_at).replace(microsecond=0)
    assert (
        f'<p class="correction correction--correction"><strong>Correction, '
        f'<time datetime="{local.isoformat()}">' in html
    )
    assert "The minister is Ali Rezaei, not Reza Alavi.</p>" in html
    assert updated_time(page) == local.isoformat()
    data = json_ld(page)
    assert data["correction"] == [
        {
            "@type": "CorrectionComment",
            "text": "Correction: The minister is Ali Rezaei, not Reza Alavi.",
            "datePublished": json_time(correction.published_at),
        }
    ]
    assert data["dateModified"] == json_time(correction.published_at)
    assert data["datePublished"] == json_time(article.published_at)


def test_a_later_update_moves_the_updated_time_again(editor_client, client):
    article = PublishedArticleFactory()
    _, data = open_change_form(editor_client, article)
    editor_client.post(change_url(article), add_correction(data, article, "A correction."))
    _, data = open_change_form(editor_client, article)
    add_correction(data, article, "Talks resumed on Monday.", kind="update")
    assert editor_client.post(change_url(article), data).status_code == 302

    first, second = Correction.objects.filter(article=article)
    article.refresh_from_db()
    assert second.kind == Correction.Kind.UPDATE
    assert article.content_updated_at == second.published_at > first.published_at
    page = json_ld(client.get(article.get_absolute_url()))
    assert [c["text"] for c in page["correction"]] == [
        "Correction: A correction.",
        "Update: Talks resumed on Monday.",
    ]
    assert page["dateModified"] == json_time(second.published_at)


def test_a_typo_fix_does_not_move_the_updated_time(editor_client, client):
    article = PublishedArticleFactory(body="<p>The ministr spoke.</p>")
    _, data = open_change_form(editor_client, article)
    editor_client.post(change_url(article), add_correction(data, article, "A correction."))
    article.refresh_from_db()
    before = client.get(article.get_absolute_url())
    updated_before = article.content_updated_at

    save_in_admin(editor_client, article, body="<p>The minister spoke.</p>")

    article.refresh_from_db()
    assert article.body == "<p>The minister spoke.</p>"
    assert article.content_updated_at == updated_before
    after = client.get(article.get_absolute_url())
    assert updated_time(after) == updated_time(before) is not None
    assert json_ld(after)["dateModified"] == json_ld(before)["dateModified"]


def test_a_typo_fix_to_an_article_without_corrections_shows_no_updated_time(editor_client, client):
    article = PublishedArticleFactory(
        body="<p>The ministr spoke.</p>",
        published_at=(timezone.now() - timedelta(hours=3)).replace(microsecond=0),
    )
    before = json_ld(client.get(article.get_absolute_url()))

    save_in_admin(editor_client, article, body="<p>The minister spoke.</p>")

    article.refresh_from_db()
    assert article.content_updated_at is None
    after = client.get(article.get_absolute_url())
    assert updated_time(after) is None
    assert "correction" not in json_ld(after)
    assert json_ld(after)["dateModified"] == before["dateModified"]


def test_a_typo_fix_right_after_publishing_leaves_date_modified_alone(editor_client, client):
    article = DraftArticleFactory(body="<p>The ministr spoke.</p>")
    editor_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_now", "_selected_action": [article.pk]},
    )
    article.refresh_from_db()
    assert article.is_published()
    before = json_ld(client.get(article.get_absolute_url()))

    save_in_admin(editor_client, article, body="<p>The minister spoke.</p>")

    after = json_ld(client.get(article.get_absolute_url()))
    assert after["dateModified"] == before["dateModified"]
    assert after["datePublished"] == before["datePublished"]


def test_a_correction_saved_with_a_workflow_button_keeps_the_updated_time(editor_client):
    article = PublishedArticleFactory()
    _, data = open_change_form(editor_client, article)
    add_correction(data, article, "Withdrawn while we check the facts.")
    data["_transition"] = "unpublish"

    response = editor_client.post(change_url(article), data)

    assert response.status_code == 302, form_errors(response)
    correction = Correction.objects.get(article=article)
    article.refresh_from_db()
    assert article.status == Article.Status.UNPUBLISHED
    assert article.content_updated_at == correction.published_at


@pytest.mark.parametrize("who", ["editor", "superuser"])
def test_corrections_cannot_be_deleted_through_the_inline(editor_client, admin_client, who):
    # A superuser holds every permission, so only the inline itself stands in the way.
    client = {"editor": editor_client, "superuser": admin_client}[who]
    article = PublishedArticleFactory()
    correction = article.corrections.create(text="A correction.")
    response, data = open_change_form(client, article)
    assert "corrections-0-DELETE" not in text_of(response)
    assert data["corrections-0-id"] == str(correction.pk)

    save_in_admin(client, article, **{"corrections-0-DELETE": "on"})

    assert Correction.objects.filter(pk=correction.pk).exists()


def test_corrections_inline_is_only_on_published_articles(editor_client):
    article = DraftArticleFactory()
    response, data = open_change_form(editor_client, article)
    assert "corrections-TOTAL_FORMS" not in data

    data.update(
        {
            "corrections-TOTAL_FORMS": "0",
            "corrections-INITIAL_FORMS": "0",
            "corrections-MIN_NUM_FORMS": "0",
            "corrections-MAX_NUM_FORMS": "1000",
        }
    )
    add_correction(data, article, "Not on a draft.")
    assert editor_client.post(change_url(article), data).status_code == 302
    assert not Correction.objects.exists()


def test_a_writer_cannot_add_a_correction(newsroom_user):
    writer = newsroom_user("farid", "Writers")
    article = PublishedArticleFactory(created_by=writer)
    client = client_for(writer)
    _, data = open_change_form(client, article)
    add_correction(data, article, "A writer's correction.")

    client.post(change_url(article), data)

    assert not Correction.objects.exists()
    article.refresh_from_db()
    assert article.content_updated_at is None
