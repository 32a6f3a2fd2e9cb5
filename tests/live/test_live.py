"""Live coverage through its public surface: the live desk in the admin, the article
page, the polling endpoint, the page cache and the Telegram channel (a fake Bot API on
loopback)."""

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from live.models import LiveEntry, LiveStory
from tests.channels.test_outbox import run_worker
from tests.factories import AuthorFactory, DraftArticleFactory, PublishedArticleFactory

pytestmark = pytest.mark.django_db


def live_story(article=None, **fields):
    article = article or PublishedArticleFactory(title="Earthquake in Kerman")
    fields.setdefault("coverage_start", timezone.now() - timedelta(hours=2))
    return LiveStory.objects.create(article=article, **fields)


def entry(story, body, minutes_ago, **fields):
    return LiveEntry.objects.create(
        story=story,
        body=body,
        published_at=timezone.now() - timedelta(minutes=minutes_ago),
        **fields,
    )


def desk_form(story, *rows, existing=()):
    """The live desk's POST: the story's fields and the entry formset (``existing``
    entries as they stand, then ``rows`` as new ones)."""
    prefix = "entries"
    data = {
        "is_live": "on",
        "coverage_start_0": timezone.localtime(story.coverage_start).strftime("%Y-%m-%d"),
        "coverage_start_1": timezone.localtime(story.coverage_start).strftime("%H:%M:%S"),
        "coverage_end_0": "",
        "coverage_end_1": "",
        f"{prefix}-TOTAL_FORMS": str(len(existing) + len(rows)),
        f"{prefix}-INITIAL_FORMS": str(len(existing)),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    now = timezone.localtime()
    for i, row in enumerate([*existing, *rows]):
        when = timezone.localtime(row.get("published_at", now))
        data.update(
            {
                f"{prefix}-{i}-id": row.get("id", ""),
                f"{prefix}-{i}-story": str(story.pk),
                f"{prefix}-{i}-published_at_0": when.strftime("%Y-%m-%d"),
                f"{prefix}-{i}-published_at_1": when.strftime("%H:%M:%S"),
                f"{prefix}-{i}-body": row.get("body", ""),
                f"{prefix}-{i}-author": row.get("author", ""),
                f"{prefix}-{i}-image": "",
            }
        )
        if row.get("is_key_point"):
            data[f"{prefix}-{i}-is_key_point"] = "on"
        if row.get("DELETE"):
            data[f"{prefix}-{i}-DELETE"] = "on"
    return data


def save_desk(client, story, *rows, existing=()):
    return client.post(desk_url(story), desk_form(story, *rows, existing=existing))


def desk_url(story):
    return reverse("admin:live_livestory_change", args=[story.pk])


def ld_blocks(html):
    return [
        json.loads(block)
        for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    ]


def test_article_page_shows_entries_newest_first_with_key_points_on_top(client):
    story = live_story()
    entry(story, "<p>First reports of a strong tremor.</p>", 90)
    entry(story, "<p>Rescue teams reach the city.</p>", 30, is_key_point=True)
    entry(story, "<p>Aftershock felt in Bam.</p>", 5, author=AuthorFactory(name="Leila Ahmadi"))

    page = client.get(story.article.get_absolute_url()).content.decode()
    html = page[page.index("<main") :]

    assert '<span class="live__badge">Live</span>' in html
    assert "Coverage has ended" not in html
    key_points = html.index("Key points")
    newest, middle, oldest = (
        html.index("Aftershock felt in Bam."),
        html.rindex("Rescue teams reach the city."),
        html.index("First reports"),
    )
    assert key_points < html.index("Rescue teams reach the city.") < newest < middle < oldest
    assert "Leila Ahmadi" in html
    assert 'data-live-url="/live/' in html and "data-open" in html
    assert '<script src="/static/js/live.js" defer></script>' in html


def test_closed_coverage_says_so_and_does_not_poll(client):
    story = live_story(coverage_end=timezone.now() - timedelta(minutes=1))
    entry(story, "<p>Last update.</p>", 10)
    html = client.get(story.article.get_absolute_url()).content.decode()
    assert "Coverage has ended" in html
    assert "live__badge" not in html
    assert "data-open" not in html
    assert client.get(f"/live/{story.article_id}/").json()["open"] is False


def test_json_ld_is_a_live_blog_posting(client):
    end = timezone.now() - timedelta(minutes=1)
    story = live_story(coverage_end=end)
    first = entry(story, "<p>Talks begin.</p>", 50)
    second = entry(story, "<p>Talks end without a deal.</p>", 20)
    html = client.get(story.article.get_absolute_url()).content.decode()
    [live] = [block for block in ld_blocks(html) if block.get("@type") == "LiveBlogPosting"]
    assert live["coverageStartTime"] == story.coverage_start.isoformat()
    assert live["coverageEndTime"] == end.isoformat()
    updates = live["liveBlogUpdate"]
    assert [update["articleBody"] for update in updates] == [
        "Talks end without a deal.",
        "Talks begin.",
    ]
    assert updates[0]["url"].endswith(f"#entry-{second.pk}")
    assert updates[1]["datePublished"] == first.published_at.isoformat()


def test_an_ordinary_article_has_no_live_block(client):
    article = PublishedArticleFactory()
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'class="live"' not in html and "live.js" not in html
    assert client.get(f"/live/{article.pk}/").status_code == 404


def test_poll_endpoint_is_cacheable_for_a_few_seconds(client, settings, django_assert_num_queries):
    settings.LIVE_CACHE_SECONDS = 5
    story = live_story()
    entry(story, "<p>One.</p>", 3)
    entry(story, "<p>Two, <em>pinned</em>.</p>", 1, is_key_point=True)
    with django_assert_num_queries(3):
        response = client.get(f"/live/{story.article_id}/")
    assert response.status_code == 200
    control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert control == {"public", "max-age=5", "s-maxage=5"}
    assert "X-Page-Cache" not in response  # never kept by the page cache
    data = response.json()
    assert data["open"] is True and data["count"] == 2
    assert "<em>pinned</em>" in data["html"] and "Key points" in data["html"]


@pytest.mark.parametrize("make", [DraftArticleFactory, None])
def test_poll_endpoint_answers_404_for_what_readers_cannot_see(client, make):
    if make is None:
        assert client.get("/live/999999/").status_code == 404
        return
    story = live_story(make())
    assert client.get(f"/live/{story.article_id}/").status_code == 404


def test_an_entry_from_the_live_desk_makes_the_cached_page_fresh(
    client, admin_client, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE = True
    settings.PAGE_CACHE_SECONDS = 300
    story = live_story()
    page = story.article.get_absolute_url()
    assert "Bridge closed" not in client.get(page).content.decode()
    assert client.get(page)["X-Page-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            desk_url(story),
            desk_form(story, {"body": "<p>Bridge closed <script>alert(1)</script>now.</p>"}),
        )
    assert response.status_code == 302, response.content.decode()[:2000]

    [saved] = story.entries.all()
    assert "<script>" not in saved.body and "Bridge closed" in saved.body
    fresh = client.get(page)
    assert fresh.get("X-Page-Cache") != "hit"
    assert "Bridge closed" in fresh.content.decode()


def test_edits_and_deletions_on_the_desk_are_kept_in_the_history(admin_client):
    story = live_story()
    first = entry(story, "<p>Ten injured.</p>", 10)
    existing = [{"id": str(first.pk), "body": "<p>Twelve injured.</p>"}]
    assert save_desk(admin_client, story, existing=existing).status_code == 302
    first.refresh_from_db()
    assert first.body == "<p>Twelve injured.</p>"

    existing = [{"id": str(first.pk), "body": first.body, "DELETE": True}]
    assert save_desk(admin_client, story, existing=existing).status_code == 302
    assert not story.entries.exists()

    kept = Version.objects.get_for_model(LiveEntry).filter(object_id=str(first.pk))
    bodies = {version.field_dict["body"] for version in kept}
    assert bodies == {"<p>Twelve injured.</p>"}
    assert Version.objects.get_for_object(story).count() == 2
    history = admin_client.get(reverse("admin:live_livestory_history", args=[story.pk]))
    assert history.status_code == 200


def test_an_entry_dated_in_the_future_is_refused_with_a_message(admin_client):
    story = live_story()
    row = {"body": "<p>Soon.</p>", "published_at": timezone.now() + timedelta(hours=1)}
    response = admin_client.post(desk_url(story), desk_form(story, row))
    assert response.status_code == 200
    assert "An entry cannot be dated in the future." in response.content.decode()
    assert not story.entries.exists()


def test_a_writer_may_not_close_the_coverage(client, django_user_model):
    from django.contrib.auth.models import Group

    writer = django_user_model.objects.create_user("w", password="pw", is_staff=True)
    writer.groups.add(Group.objects.get(name="Writers"))
    client.force_login(writer)
    story = live_story()
    # Not the writer's article: the desk is read-only for them.
    response = client.post(desk_url(story), desk_form(story, {"body": "<p>x</p>"}))
    assert response.status_code == 403
    assert not story.entries.exists()


def test_key_points_go_to_telegram_once_each(bot_api, admin_client):
    story = live_story()
    rows = [
        {"body": "<p>Death toll rises to 12.</p>", "is_key_point": True},
        {"body": "<p>Roads reopened.</p>"},
    ]
    assert admin_client.post(desk_url(story), desk_form(story, *rows)).status_code == 302
    run_worker()
    run_worker()
    [(method, _token, payload)] = bot_api.accepted
    assert method == "sendMessage"
    assert payload["text"] == (
        "<b>Earthquake in Kerman</b>\n\nDeath toll rises to 12.\n\n"
        f"http://testserver{story.article.get_absolute_url()}"
    )
    pinned = story.entries.get(is_key_point=True)
    assert pinned.telegram_state == LiveEntry.TelegramState.SENT

    # Saving the desk again (the key point unchanged) sends nothing more.
    existing = [
        {"id": str(e.pk), "body": e.body, "is_key_point": e.is_key_point}
        for e in story.entries.all()
    ]
    assert save_desk(admin_client, story, existing=existing).status_code == 302
    run_worker()
    assert len(bot_api.accepted) == 1


def test_key_point_of_an_unpublished_story_is_not_sent(bot_api, admin_client):
    story = live_story(DraftArticleFactory())
    row = {"body": "<p>Not yet.</p>", "is_key_point": True}
    assert admin_client.post(desk_url(story), desk_form(story, row)).status_code == 302
    run_worker()
    assert bot_api.accepted == []


def test_an_editor_makes_an_article_live_on_its_form_and_finds_the_desk(admin_client, client):
    from articles.models import Article
    from tests.articles.test_admin import SLUG, article_form_data
    from tests.factories import SectionFactory

    start = timezone.localtime() - timedelta(minutes=5)
    data = article_form_data(
        SectionFactory(),
        [AuthorFactory()],
        _transition="publish",
        **{
            "live_story-TOTAL_FORMS": "1",
            "live_story-INITIAL_FORMS": "0",
            "live_story-0-is_live": "on",
            "live_story-0-coverage_start_0": start.strftime("%Y-%m-%d"),
            "live_story-0-coverage_start_1": start.strftime("%H:%M:%S"),
        },
    )
    response = admin_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302, response.context["errors"]
    article = Article.objects.get(slug=SLUG)
    story = LiveStory.objects.get(article=article)
    form = admin_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert desk_url(story) in form.content.decode()
    assert "No updates yet." in client.get(article.get_absolute_url()).content.decode()


def test_the_live_desk_lists_entries_newest_first_with_a_form_for_a_new_one(admin_client):
    story = live_story()
    entry(story, "<p>Older entry.</p>", 30)
    entry(story, "<p>Newer entry.</p>", 5)
    page = admin_client.get(desk_url(story))
    assert page.status_code == 200
    html = page.content.decode()
    assert "admin-newsroom/live-desk.css" in html
    assert html.index("Newer entry.") < html.index("Older entry.")
    assert 'name="entries-2-body"' in html  # the blank form for the next entry


def test_deleting_a_live_article_deletes_its_story_and_entries(admin_client):
    story = live_story()
    entry(story, "<p>One.</p>", 3)
    url = reverse("admin:articles_article_delete", args=[story.article_id])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not LiveStory.objects.exists() and not LiveEntry.objects.exists()


def test_a_persian_live_story_speaks_persian_on_its_page_and_in_what_it_polls(client):
    """The live block is in the story's language, on the /fa/ page and from /live/<id>/
    (an address outside the edition), dates included."""
    from tests.factories import SectionFactory

    section = SectionFactory(language="fa", slug="fa-news", name="اخبار")
    article = PublishedArticleFactory(section=section, language="fa", title="زلزله در کرمان")
    story = live_story(article)
    entry(story, "<p>امدادگران رسیدند.</p>", 5, is_key_point=True)

    page = client.get(article.get_absolute_url()).content.decode()
    polled = client.get(f"/live/{article.pk}/").json()["html"]
    for html in (page, polled):
        assert "پوشش زنده" in html and "نکته‌های کلیدی" in html
        assert "Live coverage" not in html and "Key points" not in html
    # An English story's block stays English.
    english = live_story()
    assert "Live coverage" in client.get(f"/live/{english.article_id}/").json()["html"]
