"""Most read (articles/most_read.py): the beacon endpoint, the counts, the roll-up from
Redis, the widget and the admin's readers column, through HTTP and the command."""

from datetime import timedelta

import lxml.html
import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles import most_read
from articles.models import ArticleViews
from tests.factories import DraftArticleFactory, PublishedArticleFactory

pytestmark = pytest.mark.django_db

READER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)


def send(client, body, agent=READER, address="203.0.113.7"):
    return client.post(
        "/beacon/",
        data=str(body),
        content_type="text/plain",
        HTTP_USER_AGENT=agent,
        REMOTE_ADDR=address,
    )


def views_of(article):
    return sum(ArticleViews.objects.filter(article=article).values_list("count", flat=True))


def counted(article):
    if settings.REDIS_URL:
        most_read.roll_up()
    return views_of(article)


def test_a_reader_is_counted_once_a_day_per_article(client):
    article = PublishedArticleFactory()
    response = send(client, article.pk)
    assert response.status_code == 204
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert send(client, article.pk).status_code == 204
    assert counted(article) == 1
    # Another reader (another address) counts; the same one on another article too.
    send(client, article.pk, address="198.51.100.20")
    other = PublishedArticleFactory()
    send(client, other.pk)
    assert counted(article) == 2 and counted(other) == 1


def test_bots_are_not_counted(client):
    article = PublishedArticleFactory()
    for agent in (
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
        "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/131.0 Safari/537.36",
        "python-requests/2.32",
        "",
    ):
        assert send(client, article.pk, agent=agent).status_code == 204
    assert counted(article) == 0


def test_only_published_articles_are_counted(client):
    draft = DraftArticleFactory()
    assert send(client, draft.pk).status_code == 204
    assert send(client, 987654321).status_code == 204
    assert not ArticleViews.objects.exists()
    assert counted(draft) == 0


@pytest.mark.parametrize("body", ["", "abc", "12; DROP", "-5", "١٢"])
def test_a_body_that_is_not_an_id_is_a_400(client, body):
    assert send(client, body).status_code == 400


def test_a_long_body_is_refused(client):
    assert send(client, "1" * 33).status_code == 413
    assert send(client, "x" * 100_000).status_code == 413


def test_the_beacon_takes_post_only(client):
    assert client.get("/beacon/").status_code == 405


def test_the_beacon_needs_no_csrf_token(rf):
    from django.test import Client

    article = PublishedArticleFactory()
    strict = Client(enforce_csrf_checks=True)
    assert send(strict, article.pk).status_code == 204


def test_a_flood_from_one_reader_is_rate_limited(client):
    articles = PublishedArticleFactory.create_batch(2)
    statuses = [
        send(client, articles[n % 2].pk).status_code for n in range(most_read.RATE_LIMIT + 5)
    ]
    assert statuses[: most_read.RATE_LIMIT] == [204] * most_read.RATE_LIMIT
    assert statuses[-1] == 429


def test_nothing_personal_is_stored(client):
    article = PublishedArticleFactory()
    send(client, article.pk, address="203.0.113.99")
    fields = {field.name for field in ArticleViews._meta.get_fields()}
    assert fields == {"id", "article", "hour", "count"}
    # The cache holds the day's salted hash as a key, never the address or User-Agent.
    if not settings.REDIS_URL:
        keys = " ".join(str(key) for key in cache._cache)
        assert "203.0.113.99" not in keys and "Chrome" not in keys


def test_the_daily_salt_changes_with_the_day(rf):
    request = rf.get("/", REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT=READER)
    today = timezone.now()
    assert most_read.reader_hash(request, today) == most_read.reader_hash(request, today)
    assert most_read.reader_hash(request, today) != most_read.reader_hash(
        request, today + timedelta(days=1)
    )


def test_most_read_widget_on_article_and_home_pages(client, django_capture_on_commit_callbacks):
    now = timezone.now()
    hour = most_read.hour_of(now)
    popular = PublishedArticleFactory(title="Popular today")
    weekly = PublishedArticleFactory(title="Popular this week")
    hidden = DraftArticleFactory(title="A draft read by staff")
    ArticleViews.objects.create(article=popular, hour=hour, count=50)
    ArticleViews.objects.create(article=weekly, hour=hour - timedelta(days=3), count=500)
    ArticleViews.objects.create(article=hidden, hour=hour, count=900)
    for path in ("/", popular.get_absolute_url()):
        page = lxml.html.fromstring(client.get(path).content)
        [widget] = page.xpath('//section[contains(@class, "most-read")]')
        lists = [ol.xpath("./li/a/text()") for ol in widget.xpath(".//ol")]
        assert lists == [["Popular today"], ["Popular this week", "Popular today"]], path


def test_no_most_read_widget_without_counts(client):
    article = PublishedArticleFactory()
    assert "most-read" not in client.get(article.get_absolute_url()).content.decode()


def test_article_page_carries_the_beacon_but_a_preview_does_not(client, admin_client):
    article = PublishedArticleFactory()
    html = client.get(article.get_absolute_url()).content.decode()
    assert f'data-beacon="/beacon/" data-article-id="{article.pk}"' in html
    assert "/static/js/article.js" in html
    draft = DraftArticleFactory()
    preview = admin_client.get(draft.get_absolute_url()).content.decode()
    assert "data-beacon" not in preview


def test_admin_shows_readers_per_article(admin_client, django_assert_max_num_queries):
    article = PublishedArticleFactory(title="Read a lot")
    hour = most_read.hour_of(timezone.now())
    ArticleViews.objects.create(article=article, hour=hour, count=7)
    ArticleViews.objects.create(article=article, hour=hour - timedelta(days=10), count=3)
    changelist = admin_client.get(reverse("admin:articles_article_changelist"))
    page = lxml.html.fromstring(changelist.content)
    assert page.xpath('//td[contains(@class, "field-views_week")]/text()') == ["7"]
    change = admin_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert "7 in the last 24 hours, 7 in the last 7 days, 10 in all." in change.content.decode()


def test_rollup_command_without_redis_does_nothing(settings):
    settings.REDIS_URL = ""
    from io import StringIO

    out = StringIO()
    call_command("rollup_most_read", stdout=out)
    assert out.getvalue().strip() == "Rolled up 0 hourly count(s)."


@pytest.mark.skipif(not settings.REDIS_URL, reason="the Redis counts need REDIS_URL")
def test_rollup_copies_redis_counts_once(client):
    from io import StringIO

    article = PublishedArticleFactory()
    send(client, article.pk)
    send(client, article.pk, address="198.51.100.1")
    assert views_of(article) == 0  # counted in Redis, not yet rolled up
    out = StringIO()
    call_command("rollup_most_read", stdout=out)
    assert views_of(article) == 2
    call_command("rollup_most_read", stdout=out)  # idempotent
    assert views_of(article) == 2


def test_with_redis_down_the_beacon_counts_in_the_database(client, settings, monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    def refuse(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    monkeypatch.setattr(most_read, "_redis_client", refuse)
    article = PublishedArticleFactory()
    assert send(client, article.pk).status_code == 204
    assert views_of(article) == 1


@pytest.mark.skipif(not settings.REDIS_URL, reason="the Redis counts need REDIS_URL")
def test_reads_counted_in_redis_queue_one_background_roll_up(client):
    from django_tasks_db.models import DBTaskResult

    from tests.channels.test_outbox import run_worker, time_passes

    article = PublishedArticleFactory()
    send(client, article.pk)
    send(client, article.pk, address="198.51.100.1")
    [queued] = DBTaskResult.objects.filter(task_path__endswith="roll_up_task")
    assert queued.run_after > timezone.now()  # within the window, not at once
    run_worker()
    assert views_of(article) == 0
    time_passes(timedelta(seconds=most_read.ROLL_UP_SECONDS + 1))
    run_worker()
    assert views_of(article) == 2
