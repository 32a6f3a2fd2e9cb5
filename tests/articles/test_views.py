import re
from datetime import timedelta

import lxml.html
import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from articles.models import Correction
from tests.conftest import SITE_WIDGETS_COLD, SITE_WIDGETS_WARM
from tests.factories import (
    HIDDEN_FACTORIES,
    AuthorFactory,
    DraftArticleFactory,
    ImageFactory,
    PublishedArticleFactory,
    ScheduledArticleFactory,
    SectionFactory,
    UnpublishedArticleFactory,
)
from tests.pages import NOINDEX_META, PREVIEW_BANNER, json_ld

pytestmark = pytest.mark.django_db


def text_of(response):
    return response.content.decode()


# The article page


def test_article_page_shows_every_part_of_the_seed_page(client):
    desk = AuthorFactory(name="IFP Editorial Staff", slug="ifp-editorial-staff", bio="Desk bio.")
    article = PublishedArticleFactory(
        kicker="IFP Exclusive",
        title="Palestinian Groups Appreciate",
        standfirst="",
        body="<p>First paragraph.</p><p>Second paragraph.</p>",
        authors=[desk],
        tags=["Palestine", "Quds Day"],
    )
    html = text_of(client.get(article.get_absolute_url()))
    assert '<p class="kicker">IFP Exclusive</p>' in html
    assert "<h1" in html and "Palestinian Groups Appreciate</h1>" in html
    assert '<a href="/author/ifp-editorial-staff/" rel="author">IFP Editorial Staff</a>' in html
    local = timezone.localtime(article.published_at).replace(microsecond=0)
    assert f'<time datetime="{local.isoformat()}">' in html
    assert "<p>First paragraph.</p><p>Second paragraph.</p>" in html
    assert 'href="/tag/palestine/" rel="tag">Palestine</a>' in html
    assert 'href="/tag/quds-day/" rel="tag">Quds Day</a>' in html
    assert "Desk bio." in html
    assert "Recent Posts" in html
    assert f'href="{article.section.get_absolute_url()}"' in html


def test_article_page_shows_featured_image_with_caption_and_credit(client):
    image = ImageFactory(alt="Protesters in Tehran", caption="A rally.", credit="IRNA")
    article = PublishedArticleFactory(image=image)
    html = text_of(client.get(article.get_absolute_url()))
    assert 'alt="Protesters in Tehran"' in html
    assert re.search(
        r"<figcaption>A rally\. <span class=\"credit\">IRNA</span></figcaption>", html
    )


def test_article_caption_overrides_the_library_caption_on_that_article_only(client):
    image = ImageFactory(caption="Library caption.", credit="IRNA")
    article = PublishedArticleFactory(image=image, image_caption="This story only.")
    other = PublishedArticleFactory(image=image)
    assert "<figcaption>This story only." in text_of(client.get(article.get_absolute_url()))
    assert "<figcaption>Library caption." in text_of(client.get(other.get_absolute_url()))


def test_recent_posts_list_the_newest_others_with_excerpt_and_age(client):
    now = timezone.now()
    article = PublishedArticleFactory(published_at=now - timedelta(hours=5))
    ages = [timedelta(minutes=1, seconds=5), timedelta(hours=1, minutes=2), timedelta(hours=2)]
    recent = [
        PublishedArticleFactory(
            title=f"Recent {i}",
            standfirst="",
            body="<p>" + " ".join(f"word{n}" for n in range(30)) + "</p>",
            published_at=now - age,
        )
        for i, age in enumerate(ages)
    ]
    DraftArticleFactory(title="Secret draft")
    ScheduledArticleFactory(title="Not yet")
    html = text_of(client.get(article.get_absolute_url()))
    widget = html[html.index("Recent Posts") :]
    titles = re.findall(r'class="recent-posts__headline" href="[^"]+">([^<]+)</a>', widget)
    assert titles == ["Recent 0", "Recent 1", "Recent 2"]
    assert article.title not in widget
    assert " ".join(f"word{n}" for n in range(15)) + "…" in widget
    assert "word15" not in widget
    assert ">1 minute ago</time>" in widget
    assert ">1 hour ago</time>" in widget
    assert ">2 hours ago</time>" in widget
    iso = timezone.localtime(recent[0].published_at).replace(microsecond=0).isoformat()
    assert f'<time class="age" datetime="{iso}" data-age>' in widget


def test_recent_posts_show_at_most_six(client):
    for _ in range(8):
        PublishedArticleFactory()
    article = PublishedArticleFactory(published_at=timezone.now() - timedelta(days=1))
    html = text_of(client.get(article.get_absolute_url()))
    assert html.count('class="recent-posts__item"') == 6


@pytest.mark.parametrize("factory", HIDDEN_FACTORIES)
def test_unpublished_states_answer_404_to_readers(client, factory):
    article = factory()
    assert client.get(article.get_absolute_url()).status_code == 404


def test_scheduled_article_appears_at_its_time(client, monkeypatch):
    article = ScheduledArticleFactory(published_at=timezone.now() + timedelta(minutes=10))
    assert client.get(article.get_absolute_url()).status_code == 404
    later = timezone.now() + timedelta(minutes=10, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert client.get(article.get_absolute_url()).status_code == 200


def test_unknown_article_is_404(client):
    assert client.get("/no-such-story/").status_code == 404


def test_writer_previews_own_draft_uncached(client, django_user_model):
    user = django_user_model.objects.create_user("ed", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_article"))
    article = DraftArticleFactory(title="Work in progress", created_by=user)
    client.force_login(user)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "Preview, not published" in text_of(response)
    assert '<meta name="robots" content="noindex, nofollow">' in text_of(response)
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_staff_without_change_permission_gets_404_for_drafts(client, django_user_model):
    article = DraftArticleFactory()
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get(article.get_absolute_url()).status_code == 404


def test_published_article_for_staff_has_no_preview_banner(admin_client):
    article = PublishedArticleFactory()
    response = admin_client.get(article.get_absolute_url())
    assert "Preview, not published" not in text_of(response)


def test_article_page_query_count_is_fixed(client, django_assert_num_queries):
    """The article (with its live story, if any, joined, and whether it has corrections),
    its bylines, tags, corrections (when it has any) and related stories: 4 or 5 queries,
    however many authors, tags, corrections, related stories and recent posts the page
    shows; plus the site-wide parts (the section menu, Recent Posts), read once a content
    generation. The related stories are ranked in one query (articles/related.py)."""
    small = PublishedArticleFactory(authors=[AuthorFactory()], tags=["one"])
    with django_assert_num_queries(4 + SITE_WIDGETS_COLD):
        assert client.get(small.get_absolute_url()).status_code == 200

    for _ in range(8):
        PublishedArticleFactory(authors=[AuthorFactory(), AuthorFactory()], tags=["x", "y"])
    big = PublishedArticleFactory(
        authors=[AuthorFactory() for _ in range(4)], tags=[f"tag {n}" for n in range(10)]
    )
    SectionFactory.create_batch(5)
    for text in ("First fix.", "Second fix."):
        big.corrections.create(text=text)
    with django_assert_num_queries(5 + SITE_WIDGETS_WARM):
        response = client.get(big.get_absolute_url())
    assert text_of(response).count('rel="tag"') == 10
    assert text_of(response).count('class="author-box"') == 4
    assert text_of(response).count('class="correction ') == 2


# Lists: home, section, tag


def test_home_leads_with_the_featured_story_then_latest_and_section_blocks(client):
    politics = SectionFactory(name="Politics", slug="politics", position=0)
    world = SectionFactory(name="World", slug="world", position=1)
    now = timezone.now()
    lead = PublishedArticleFactory(
        title="The lead", is_featured=True, section=politics, published_at=now - timedelta(hours=3)
    )
    newer = PublishedArticleFactory(title="Newer", section=world, published_at=now)
    DraftArticleFactory(title="A draft", section=world)
    html = text_of(client.get("/"))
    lead_html = html[html.index('class="lead"') : html.index("Latest news")]
    assert "The lead" in lead_html
    latest = html[html.index("Latest news") :]
    assert newer.title in latest
    assert lead.title not in latest
    assert "A draft" not in html
    assert 'id="section-block-' in html and ">World</a></h2>" in html


def test_section_blocks_rank_among_the_newest_articles_only(client, monkeypatch):
    """A section with nothing among the site's newest articles has no block; the others
    show their newest, the lead left out."""
    monkeypatch.setattr("articles.views.SECTION_BLOCK_WINDOW", 3)
    now = timezone.now()
    dormant = SectionFactory(name="Dormant", slug="dormant")
    busy = SectionFactory(name="Busy", slug="busy")
    PublishedArticleFactory(
        title="Years ago", section=dormant, published_at=now - timedelta(days=900)
    )
    for hours in (1, 2, 3, 4):
        PublishedArticleFactory(
            title=f"Busy {hours}", section=busy, published_at=now - timedelta(hours=hours)
        )
    blocks = dict(client.get("/").context["section_blocks"])
    assert list(blocks) == [busy]
    # The newest leads; the two after it are the window's others (the lead is one of three).
    assert [article.title for article in blocks[busy]] == ["Busy 2", "Busy 3"]


def test_home_leads_with_newest_when_the_featured_story_is_old(client):
    PublishedArticleFactory(
        title="Old lead", is_featured=True, published_at=timezone.now() - timedelta(days=5)
    )
    PublishedArticleFactory(title="Fresh news")
    html = text_of(client.get("/"))
    assert "Fresh news" in html[html.index('class="lead"') : html.index("Latest news")]


def test_home_page_two_has_no_lead_or_section_blocks(client):
    for _ in range(14):
        PublishedArticleFactory()
    response = client.get("/?page=2")
    assert response.status_code == 200
    assert 'class="lead"' not in text_of(response)
    assert "section-block" not in text_of(response)
    assert len(response.context["articles"]) == 1


def test_home_page_with_no_articles(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "No news yet." in text_of(response)


def test_home_query_count_is_fixed_whatever_the_number_of_sections(
    client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """The lead with the first page's cards (one read), the count (once a content
    generation), the bylines of the lead and the cards together, the section blocks (one
    window query), and the site-wide parts."""
    lead_author, card_author = AuthorFactory(name="Lead Writer"), AuthorFactory(name="Card Writer")
    PublishedArticleFactory(is_featured=True, authors=[lead_author])
    PublishedArticleFactory(authors=[card_author])
    with django_assert_num_queries(4 + SITE_WIDGETS_COLD):
        response = client.get("/")
    assert "Lead Writer</a>" in text_of(response) and "Card Writer</a>" in text_of(response)
    # Published as on the site: the content generation moves when each commits.
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(6):
            section = SectionFactory()
            PublishedArticleFactory.create_batch(
                5, section=section, authors=[AuthorFactory(), AuthorFactory()]
            )
    with django_assert_num_queries(4 + SITE_WIDGETS_COLD):
        response = client.get("/")
    assert len(response.context["section_blocks"]) == 7
    assert all(len(articles) <= 4 for _, articles in response.context["section_blocks"])
    assert response.context["paginator"].count == 31
    with django_assert_num_queries(3 + SITE_WIDGETS_WARM):
        assert len(client.get("/?page=2").context["articles"]) == 12


def test_section_page_lists_only_published_articles_of_that_section(client):
    section = SectionFactory(name="Society", slug="society", description="Life in Iran.")
    shown = PublishedArticleFactory(section=section, title="Shown here")
    PublishedArticleFactory(title="Other section")
    for factory in HIDDEN_FACTORIES:
        factory(section=section, title=f"Hidden {factory.__name__}")
    response = client.get("/category/society/")
    assert response.status_code == 200
    assert list(response.context["articles"]) == [shown]
    assert "Life in Iran." in text_of(response)
    assert "Hidden" not in text_of(response)


def test_tag_page_lists_only_published_articles_with_that_tag(client):
    shown = PublishedArticleFactory(tags=["Air pollution"])
    PublishedArticleFactory(tags=["Other"])
    for factory in HIDDEN_FACTORIES:
        factory(tags=["Air pollution"])
    response = client.get("/tag/air-pollution/")
    assert response.status_code == 200
    assert list(response.context["articles"]) == [shown]
    assert "<h1" in text_of(response) and "Air pollution</h1>" in text_of(response)


@pytest.mark.parametrize(
    "depth, most, by_id",
    [(2000, 4000, True), (3, 4000, False), (2000, 3, False)],
    ids=["short list", "long list", "short list of a tag with many ids elsewhere"],
)
@pytest.mark.parametrize(
    "path",
    ["/tag/air-pollution/", "/tag/air-pollution/feed/", "/author/lina/", "/author/lina/feed/"],
)
def test_a_tags_or_authors_articles_are_the_same_read_by_id_or_by_the_index(
    client, monkeypatch, settings, depth, most, by_id, path
):
    """A tag or author known to hold fewer than LIST_DEPTH articles in the edition, and
    at most BY_ID_MOST in all, is read from its own ids (on PostgreSQL); another in the
    edition's index order: the same articles in the same order either way, never a
    draft, a scheduled or an unpublished one, nor one of the other edition."""
    from articles import models, views

    settings.SITE_LANGUAGES = ["en", "fa"]
    monkeypatch.setattr(models, "LIST_DEPTH", depth)
    monkeypatch.setattr(models, "BY_ID_MOST", most)
    monkeypatch.setattr(views.PublishedArticleListView, "paginate_by", 2)
    lina = AuthorFactory(slug="lina")
    listed = {"tags": ["Air pollution"], "authors": [lina]}
    now = timezone.now()
    stories = [
        PublishedArticleFactory(
            title=f"Story {n}", published_at=now - timedelta(hours=n), **listed
        )
        for n in (3, 1, 4, 0, 2)
    ]
    PublishedArticleFactory(title="Neither", tags=["Other"], authors=[AuthorFactory()])
    persian = SectionFactory(slug="society-fa", language="fa")
    PublishedArticleFactory(title="Persian", language="fa", section=persian, **listed)
    for factory in HIDDEN_FACTORIES:
        factory(title="Hidden", **listed)
    newest_first = [a.title for a in sorted(stories, key=lambda a: a.published_at, reverse=True)]
    with CaptureQueriesContext(connection) as queries:
        if path.endswith("/feed/"):
            shown = re.findall(r"<item><title>([^<]*)</title>", text_of(client.get(path)))
        else:
            # Two a page, as far back as the list goes (LIST_DEPTH).
            pages = [client.get(path, {"page": n}) for n in range(1, -(-min(depth, 5) // 2) + 1)]
            shown = [a.title for page in pages for a in page.context["articles"]]
            newest_first = newest_first[:depth]
    assert shown == newest_first
    if connection.vendor == "postgresql":
        read_by_id = [q["sql"] for q in queries if "= ANY(ARRAY(" in q["sql"]]
        assert bool(read_by_id) == by_id, read_by_id


@pytest.mark.parametrize("path", ["/category/nope/", "/tag/nope/", "/author/nope/"])
def test_unknown_section_tag_or_author_is_404(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "page", ["abc", "0", "-1", "1.5", "3", "9" * 5000, "", "%00", "１e3", "last'--"]
)
def test_bad_or_past_the_end_page_numbers_are_404(client, page):
    section = SectionFactory(slug="politics")
    PublishedArticleFactory.create_batch(21, section=section)
    tagged = PublishedArticleFactory(section=section, tags=["t"])
    assert tagged
    for path in ("/category/politics/", "/tag/t/", "/"):
        response = client.get(path, {"page": page})
        if page == "":
            assert response.status_code == 200
        else:
            assert response.status_code == 404, (path, page)


def test_list_pages_paginate(client):
    section = SectionFactory(slug="politics")
    PublishedArticleFactory.create_batch(21, section=section)
    first = client.get("/category/politics/")
    second = client.get("/category/politics/?page=2")
    assert len(first.context["articles"]) == 20
    assert len(second.context["articles"]) == 1
    assert 'rel="next" href="?page=2"' in text_of(first)
    assert 'rel="prev" href="/category/politics/"' in text_of(second)
    page_two = "http://testserver/category/politics/?page=2"
    assert f'<link rel="canonical" href="{page_two}">' in text_of(second)
    assert f'<link rel="next" href="{page_two}">' in text_of(first)


@pytest.mark.parametrize(
    ("path", "per_page"), [("/category/politics/", 2), ("/tag/t/", 2), ("/", 1)]
)
def test_list_pages_go_back_list_depth_articles_and_every_page_listed_exists(
    client, monkeypatch, path, per_page
):
    """A list pages through its newest LIST_DEPTH articles only, so that its count stops
    there; the pager's last page holds the last of them, and the page after it is a 404."""
    from articles import models, views

    monkeypatch.setattr(models, "LIST_DEPTH", 3)
    monkeypatch.setattr(views.PublishedArticleListView, "paginate_by", per_page)
    monkeypatch.setattr(views.HomeView, "paginate_by", per_page)
    section = SectionFactory(slug="politics")
    now = timezone.now()
    stories = [
        PublishedArticleFactory(
            title=f"Story {n}", section=section, tags=["t"], published_at=now - timedelta(hours=n)
        )
        for n in range(6)
    ]
    DraftArticleFactory(title="A draft", section=section, tags=["t"])
    # The home page's lead (the newest) is not one of its list's articles.
    listed = [s.title for s in (stories[1:4] if path == "/" else stories[:3])]
    last = -(-len(listed) // per_page)
    pages = [client.get(path, {"page": n}) for n in range(1, last + 1)]
    assert [a.title for page in pages for a in page.context["articles"]] == listed
    assert pages[0].context["paginator"].count == 3
    assert f"Page {last} of {last}" in text_of(pages[-1])
    assert 'rel="next"' not in text_of(pages[-1])
    assert client.get(path, {"page": last + 1}).status_code == 404


def test_list_articles_are_made_through_init_when_something_listens(client, monkeypatch):
    """The lists make their articles without ``Model.__init__``, unless a receiver of the
    init signals is connected: then it sees every article of the page."""
    from django.db.models import signals

    from articles.models import Article

    section = SectionFactory(slug="politics")
    stories = PublishedArticleFactory.create_batch(3, section=section)
    seen = []

    def listener(sender, instance, **kwargs):
        seen.append(instance.pk)

    signals.post_init.connect(listener, sender=Article)
    try:
        response = client.get("/category/politics/")
    finally:
        signals.post_init.disconnect(listener, sender=Article)
    assert {story.pk for story in stories} <= set(seen)
    assert [a.title for a in response.context["articles"]] == [
        s.title for s in sorted(stories, key=lambda s: (s.published_at, s.pk), reverse=True)
    ]


@pytest.mark.parametrize("path", ["/category/politics/", "/tag/t/"])
def test_list_query_count_is_fixed(
    client, django_assert_num_queries, django_capture_on_commit_callbacks, path
):
    """Section or tag, count (once a content generation: every page of the list shares
    it), page of articles, their bylines, and the site-wide parts. On PostgreSQL a short
    tag's ids are counted too (once a generation), to read it by id."""
    section = SectionFactory(slug="politics")
    PublishedArticleFactory(section=section, tags=["t"])
    ids = int(connection.vendor == "postgresql" and path.startswith("/tag/"))
    with django_assert_num_queries(4 + ids + SITE_WIDGETS_COLD):
        client.get(path)
    # Published as on the site: the content generation moves when each commits.
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(30):
            PublishedArticleFactory(
                section=section, tags=["t", "u"], authors=[AuthorFactory(), AuthorFactory()]
            )
    with django_assert_num_queries(4 + ids + SITE_WIDGETS_COLD):
        response = client.get(path)
    assert len(response.context["articles"]) == 20
    assert response.context["paginator"].count == 31
    with django_assert_num_queries(3 + SITE_WIDGETS_WARM):
        response = client.get(f"{path}?page=2")
    assert len(response.context["articles"]) == 11


def test_a_lists_count_is_asked_of_the_shared_cache_once_a_process_and_generation(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    """The count is kept under its content generation, so a process holds what it read:
    the next request asks nobody, and a publish (a new generation) is counted again."""
    from articles import page_cache

    section = SectionFactory(slug="politics")
    PublishedArticleFactory(section=section)
    asked = []
    guarded = page_cache.guarded

    def counting(operation, *args, **kwargs):
        if operation == "get" and str(args[0]).startswith("count:"):
            asked.append(args[0])
        return guarded(operation, *args, **kwargs)

    monkeypatch.setattr(page_cache, "guarded", counting)
    assert client.get("/category/politics/").context["paginator"].count == 1
    assert len(asked) == 1
    assert client.get("/category/politics/?page=1").context["paginator"].count == 1
    assert len(asked) == 1
    with django_capture_on_commit_callbacks(execute=True):
        PublishedArticleFactory(section=section)
    assert client.get("/category/politics/").context["paginator"].count == 2
    assert len(asked) == 2


def test_section_menu_lists_sections_in_order(client):
    SectionFactory(name="World", slug="world", position=2)
    SectionFactory(name="Politics", slug="politics", position=1)
    html = text_of(client.get(reverse("articles:home")))
    assert html.index(">Politics</a>") < html.index(">World</a>")


def test_pages_link_the_stylesheet_and_relative_time_script(client):
    html = text_of(client.get("/"))
    assert 'href="/static/css/site.css"' in html
    assert 'src="/static/js/relative-time.js"' in html
    assert 'class="skip-link" href="#main"' in html


def test_writer_cannot_preview_a_colleagues_draft(client, django_user_model):
    user = django_user_model.objects.create_user("writer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_article"))
    client.force_login(user)
    assert client.get(DraftArticleFactory().get_absolute_url()).status_code == 404
    published = PublishedArticleFactory()
    assert client.get(published.get_absolute_url()).status_code == 200


def test_editor_previews_any_draft(client, django_user_model):
    user = django_user_model.objects.create_user("desk", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="publish_article"))
    client.force_login(user)
    assert client.get(DraftArticleFactory().get_absolute_url()).status_code == 200


def test_tag_used_only_on_drafts_is_404(client):
    DraftArticleFactory(tags=["Secret plan"])
    assert client.get("/tag/secret-plan/").status_code == 404


def test_home_query_count_without_a_marked_lead_story(client, django_assert_num_queries):
    """No recent lead story: the newest article leads, read with the first page's cards
    in the same query."""
    PublishedArticleFactory.create_batch(3)
    with django_assert_num_queries(4 + SITE_WIDGETS_COLD):
        client.get("/")
    for _ in range(4):
        PublishedArticleFactory.create_batch(3, section=SectionFactory())
    with django_assert_num_queries(4 + SITE_WIDGETS_WARM):
        response = client.get("/")
    assert response.context["lead"] is not None


def test_library_pictures_inside_the_text_are_served_as_renditions(client):
    picture = ImageFactory(alt="Library alt", width=1200, height=800)
    article = PublishedArticleFactory(
        body=f'<p>Before.</p><img src="{picture.url}" alt="The crowd at noon">'
        '<img src="https://elsewhere.example/x.jpg" alt="Not ours"><p>After.</p>'
    )
    tree = lxml.html.fromstring(text_of(client.get(article.get_absolute_url())))
    (body,) = tree.xpath("//div[contains(@class, 'article__body')]")
    assert len(body.xpath(".//picture")) == 1
    (webp,) = body.xpath(".//source[@type='image/webp']/@srcset")
    assert [entry.split()[1] for entry in webp.split(", ")] == ["480w", "800w", "1200w"]
    (img,) = body.xpath(".//picture//img")
    assert img.get("alt") == "The crowd at noon"  # the text's own words win
    assert img.get("loading") == "lazy"
    assert (img.get("width"), img.get("height")) == ("1200", "800")
    # A picture from elsewhere is left as the editor wrote it.
    assert body.xpath(".//img[@src='https://elsewhere.example/x.jpg']")


def test_pictures_in_the_text_cost_one_query_whatever_their_number(
    client, django_assert_num_queries, warm_site
):
    pictures = [ImageFactory() for _ in range(3)]
    plain = PublishedArticleFactory(body="<p>Words only.</p>")
    warm_site()
    with CaptureQueriesContext(connection) as baseline:
        client.get(plain.get_absolute_url())
    body = "".join(f'<img src="{picture.url}" alt="x">' for picture in pictures)
    pictured = PublishedArticleFactory(body=body, authors=plain.byline_authors)
    with django_assert_num_queries(len(baseline) + 1):
        response = client.get(pictured.get_absolute_url())
    assert response.content.decode().count("<picture>") == 3


def test_a_marked_lead_older_than_the_first_page_leads_it(client):
    """The marked lead is read with the first page's cards even when more than a page of
    articles is newer: it leads, the page holds the newest twelve others, and the next
    page goes on without it."""
    now = timezone.now()
    newer = [
        PublishedArticleFactory(title=f"Newer {n}", published_at=now - timedelta(minutes=n))
        for n in range(14)
    ]
    PublishedArticleFactory(title="Marked", is_featured=True, published_at=now - timedelta(days=1))
    PublishedArticleFactory(title="Oldest", published_at=now - timedelta(days=1, hours=1))
    first = client.get("/")
    assert first.context["lead"].title == "Marked"
    assert [a.title for a in first.context["articles"]] == [a.title for a in newer[:12]]
    second = client.get("/?page=2")
    assert [a.title for a in second.context["articles"]] == ["Newer 12", "Newer 13", "Oldest"]


def test_home_pages_hold_every_published_article_but_the_lead_once(client):
    """The home page counts "all published but the lead" its own cheaper way; the pages
    must still come out right: 12 a page, the lead on none of them, nothing past the end."""
    now = timezone.now()
    stories = [
        PublishedArticleFactory(title=f"Story {n}", published_at=now - timedelta(minutes=n))
        for n in range(14)
    ]
    DraftArticleFactory(title="A draft")  # never counted
    lead = stories[0]
    second = client.get("/?page=2")
    assert second.status_code == 200
    assert [a.title for a in second.context["articles"]] == ["Story 13"]
    assert second.context["paginator"].count == 13
    assert lead.title not in [a.title for a in second.context["articles"]]
    assert client.get("/?page=3").status_code == 404


# Preview: staff read unpublished articles at their address


def test_staff_editor_sees_a_draft_on_its_public_url_as_a_preview(editor_client):
    article = DraftArticleFactory(title="Not out yet")

    response = editor_client.get(article.get_absolute_url())

    assert response.status_code == 200
    html = text_of(response)
    assert "Not out yet" in html
    assert PREVIEW_BANNER in html
    assert NOINDEX_META in html
    assert "no-cache" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_scheduled_preview_says_when_it_goes_out(editor_client):
    article = ScheduledArticleFactory()

    response = editor_client.get(article.get_absolute_url())

    when = date_format(timezone.localtime(article.published_at), "j F Y, H:i T")
    assert f"{PREVIEW_BANNER}: readers cannot see this until {when}." in text_of(response)


def test_published_article_is_no_preview_and_indexable(editor_client):
    article = PublishedArticleFactory()

    response = editor_client.get(article.get_absolute_url())

    assert PREVIEW_BANNER not in text_of(response)
    assert NOINDEX_META not in text_of(response)
    assert "X-Robots-Tag" not in response


@pytest.mark.parametrize(
    "factory", [DraftArticleFactory, ScheduledArticleFactory, UnpublishedArticleFactory]
)
def test_readers_get_404_for_an_unpublished_article(client, factory):
    assert client.get(factory().get_absolute_url()).status_code == 404


def test_staff_without_change_permission_get_404_for_a_draft(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("clerk", is_staff=True))
    assert client.get(DraftArticleFactory().get_absolute_url()).status_code == 404


# The corrections archive


def test_corrections_archive_lists_only_published_articles_corrections(client):
    live = PublishedArticleFactory(title="Live story")
    live.corrections.create(text="Fix on a live story.", kind=Correction.Kind.CLARIFICATION)
    for factory in (DraftArticleFactory, UnpublishedArticleFactory, ScheduledArticleFactory):
        factory().corrections.create(text=f"Fix on a {factory.__name__}.")

    response = client.get(reverse("articles:corrections"))

    assert response.status_code == 200
    assert list(response.context["corrections"]) == list(live.corrections.all())
    html = text_of(response)
    assert "Fix on a live story." in html
    assert f'<a href="{live.get_absolute_url()}">Live story</a>' in html
    assert '<p class="kicker">Clarification</p>' in html
    assert "Factory" not in html


def test_corrections_archive_is_paginated_newest_first(client):
    article = PublishedArticleFactory()
    now = timezone.now()
    for n in range(31):
        correction = article.corrections.create(text=f"Fix number {n}.")
        Correction.objects.filter(pk=correction.pk).update(published_at=now - timedelta(hours=n))

    first = client.get(reverse("articles:corrections"))
    second = client.get(reverse("articles:corrections"), {"page": "2"})

    assert len(first.context["corrections"]) == 30
    assert first.context["corrections"][0].text == "Fix number 0."
    assert [c.text for c in second.context["corrections"]] == ["Fix number 30."]


@pytest.mark.parametrize("page", ["abc", "3", "0"])
def test_corrections_archive_answers_404_for_a_bad_page(client, page):
    PublishedArticleFactory().corrections.create(text="A fix.")
    assert client.get(reverse("articles:corrections"), {"page": page}).status_code == 404


def test_article_page_query_count_with_corrections_is_one_more(
    client, django_assert_num_queries, warm_site
):
    """Corrections come in one query for notice and JSON-LD alike, not one query each, and
    only for an article that has some (the article's read says whether it has)."""
    plain = PublishedArticleFactory()
    corrected = PublishedArticleFactory()
    for n in range(3):
        corrected.corrections.create(text=f"Fix number {n}.")

    warm_site()
    with django_assert_num_queries(4 + SITE_WIDGETS_WARM):
        assert client.get(plain.get_absolute_url()).status_code == 200
    with django_assert_num_queries(5 + SITE_WIDGETS_WARM):
        response = client.get(corrected.get_absolute_url())
    assert text_of(response).count('class="correction ') == 3
    assert len(json_ld(response)["correction"]) == 3


def test_a_reader_reads_the_same_story_an_editor_sees(client, admin_client):
    """Readers' article pages read the article in one statement written once a process
    (``models.page_article``), editors through the ORM: every joined part (section,
    picture with its renditions, source outlet, live story, the translation's address)
    and every converted value (times, the renditions' JSON) must come out the same."""
    from articles.models import Byline, Outlet
    from live.models import LiveStory

    section = SectionFactory(name="Economy", slug="economy")
    writer, translator = AuthorFactory(name="Writer One"), AuthorFactory(name="Translator Two")
    article = PublishedArticleFactory(
        section=section,
        title="Pistachio exports rise",
        kicker="Trade",
        standfirst="Growers sold more abroad.",
        image=ImageFactory(),
        image_caption="An orchard near Kerman",
        source_outlet=Outlet.objects.create(name="Kayhan"),
        source_url="https://kayhan.ir/fa/news/1",
        source_language="fa",
        authors=[writer],
        published_at=timezone.now() - timedelta(hours=3),
        content_updated_at=timezone.now() - timedelta(hours=1),
    )
    Byline.objects.create(article=article, author=translator, position=1, role="translator")
    Correction.objects.create(article=article, text="An earlier version misspelled Kerman.")
    LiveStory.objects.create(article=article)
    PublishedArticleFactory(
        title="صادرات پسته", language="fa", translation_of=article, section=SectionFactory()
    )

    def story(response):
        assert response.status_code == 200
        page = lxml.html.fromstring(response.content)
        [element] = page.xpath("//article[contains(@class, 'article')]")
        alternates = page.xpath("//link[@rel='alternate'][@hreflang]/@href")
        return lxml.html.tostring(element, encoding="unicode"), alternates

    reader, reader_alternates = story(client.get(article.get_absolute_url()))
    editor, editor_alternates = story(admin_client.get(article.get_absolute_url()))
    assert reader_alternates == editor_alternates and len(reader_alternates) == 2
    assert reader == editor
    for part in ("Economy", "Trade", "srcset=", "Kayhan", "Translator Two", "misspelled", "live"):
        assert part in reader
