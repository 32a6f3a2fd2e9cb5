"""Telegram channel publishing through the outbox, against a fake Bot API on loopback
(tests/channels/fake_telegram.py): each published or scheduled article is posted exactly
once, through worker restarts, Telegram's 429 and failures; editors see what became of
it and may send it again."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from articles import services
from channels.models import TelegramPost
from tests.factories import DraftArticleFactory, ImageFactory

pytestmark = pytest.mark.django_db
State = TelegramPost.State


def run_worker():
    """A worker runs every task that is due, then stops (as a restarted worker would).

    In this process, inside the test's transaction: the worker's closing of connections
    between tasks (which would end that transaction on PostgreSQL) is left out."""
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)


def time_passes(delta):
    """Everything waiting for a time (tasks, posts, scheduled articles) is ``delta`` nearer:
    the stored times move back, as if the clock had moved on."""
    from articles.models import Article

    for task in DBTaskResult.objects.exclude(run_after=get_date_max()):
        DBTaskResult.objects.filter(pk=task.pk).update(run_after=task.run_after - delta)
    for post in TelegramPost.objects.exclude(due_at=None):
        TelegramPost.objects.filter(pk=post.pk).update(due_at=post.due_at - delta)
    for article in Article.objects.filter(published_at__gt=timezone.now()):
        Article.objects.filter(pk=article.pk).update(published_at=article.published_at - delta)


def step(article, user, name, *, at=None, note=""):
    """``user`` moves ``article`` through the workflow step ``name`` (a future ``at``
    schedules a publish), through the one write path, as the admin's form does."""
    if at is not None:
        article.published_at = at
    services.article_save(
        article=article,
        user=user,
        transition=name,
        note=note,
        expected_version=article.version,
    )
    article.refresh_from_db()


def edit(article, user):
    """``user`` saves what was changed on ``article`` in memory, as the admin's form does."""
    services.article_save(article=article, user=user, expected_version=article.version)
    article.refresh_from_db()


@pytest.fixture
def desk(admin_user):
    return admin_user


def test_publishing_posts_headline_standfirst_and_link_once(bot_api, desk):
    article = DraftArticleFactory(
        title="Talks <resume> in Vienna", standfirst="Delegations meet on Monday."
    )
    step(article, desk, "publish")
    assert bot_api.calls == []  # nothing is sent inside the publish
    run_worker()
    run_worker()  # a restarted worker finds nothing more to send

    assert len(bot_api.accepted) == 1
    method, token, payload = bot_api.accepted[0]
    assert (method, token, payload["chat_id"]) == ("sendMessage", "123:test-token", "@ifpnews")
    assert payload["text"] == (
        "<b>Talks &lt;resume&gt; in Vienna</b>\n\nDelegations meet on Monday.\n\n"
        f"http://testserver/{article.slug}/"
    )
    post = TelegramPost.objects.get(article=article)
    assert post.state == State.SENT and post.message_id == 1001
    assert post.summary.startswith("Sent at ")


def test_lead_picture_is_sent_as_a_photo_with_the_text_as_caption(bot_api, desk):
    article = DraftArticleFactory(title="Pictured", image=ImageFactory())
    step(article, desk, "publish")
    run_worker()
    [(method, _token, payload)] = bot_api.accepted
    assert method == "sendPhoto"
    assert payload["photo"].startswith("http://testserver/media/")
    assert payload["caption"].startswith("<b>Pictured</b>")


def test_scheduled_article_is_posted_at_its_time_even_when_the_worker_missed_it(bot_api, desk):
    article = DraftArticleFactory(title="Later today")
    step(article, desk, "publish", at=timezone.now() + timedelta(hours=2))
    run_worker()
    assert bot_api.calls == []  # not yet

    # The worker was down when the time came; it catches up when it returns.
    time_passes(timedelta(hours=3))
    run_worker()
    run_worker()
    assert [call[2]["text"].split("\n")[0] for call in bot_api.accepted] == ["<b>Later today</b>"]


def test_rescheduled_later_sends_nothing_at_the_old_time(bot_api, desk):
    article = DraftArticleFactory(title="Moved")
    step(article, desk, "publish", at=timezone.now() + timedelta(hours=1))
    article.published_at = timezone.now() + timedelta(hours=5)
    edit(article, desk)  # an editor moves the time on the form: a "reschedule"

    time_passes(timedelta(hours=2))  # the old time has come, the new one has not
    run_worker()
    assert bot_api.calls == []
    time_passes(timedelta(hours=4))
    run_worker()
    assert len(bot_api.accepted) == 1


def test_unpublished_before_its_time_sends_nothing(bot_api, desk):
    article = DraftArticleFactory()
    step(article, desk, "publish", at=timezone.now() + timedelta(hours=1))
    step(article, desk, "unpublish")
    time_passes(timedelta(hours=2))
    run_worker()
    assert bot_api.calls == []
    post = TelegramPost.objects.get(article=article)
    assert post.state == State.CANCELLED
    assert post.summary == "Not sent: the article was taken off the site before its time."


def test_republishing_never_posts_twice(bot_api, desk):
    article = DraftArticleFactory()
    step(article, desk, "publish")
    run_worker()
    step(article, desk, "unpublish")
    step(article, desk, "publish")
    run_worker()
    assert len(bot_api.accepted) == 1


def test_429_is_waited_out_for_telegrams_retry_after_and_the_post_sent_once(bot_api, desk):
    bot_api.answer_429(retry_after=42)
    article = DraftArticleFactory()
    step(article, desk, "publish")
    run_worker()
    post = TelegramPost.objects.get(article=article)
    assert post.state == State.WAITING and post.attempts == 0  # Telegram's wait is no failure
    wait = post.due_at - timezone.now()
    assert timedelta(seconds=40) < wait <= timedelta(seconds=42)
    assert "Telegram asked to wait 42 s" in post.summary

    run_worker()
    assert len(bot_api.calls) == 1  # not before the time Telegram gave
    time_passes(timedelta(seconds=43))
    run_worker()
    run_worker()
    assert len(bot_api.calls) == 2 and len(bot_api.accepted) == 1
    assert TelegramPost.objects.get(article=article).state == State.SENT


def test_failures_are_retried_with_a_growing_wait_then_shown_as_failed(bot_api, desk, settings):
    settings.TELEGRAM_MAX_ATTEMPTS = 3
    settings.TELEGRAM_RETRY_SECONDS = 30
    for _ in range(3):
        bot_api.answer_500()
    article = DraftArticleFactory()
    step(article, desk, "publish")

    run_worker()
    post = TelegramPost.objects.get(article=article)
    assert (post.state, post.attempts) == (State.WAITING, 1)
    assert timedelta(seconds=25) < post.due_at - timezone.now() <= timedelta(seconds=30)
    time_passes(timedelta(seconds=31))
    run_worker()
    post.refresh_from_db()
    assert (post.state, post.attempts) == (State.WAITING, 2)
    assert timedelta(seconds=55) < post.due_at - timezone.now() <= timedelta(seconds=60)
    time_passes(timedelta(seconds=61))
    run_worker()
    post.refresh_from_db()
    assert post.state == State.FAILED
    assert post.summary == "Failed after 3 attempts: Telegram answered 500."
    assert bot_api.accepted == []


def test_a_refused_post_fails_at_once_with_telegrams_reason(bot_api, desk):
    bot_api.answer_400("Bad Request: chat not found")
    article = DraftArticleFactory()
    step(article, desk, "publish")
    run_worker()
    post = TelegramPost.objects.get(article=article)
    assert post.state == State.FAILED
    assert "chat not found" in post.summary


def test_editors_see_the_state_on_the_article_and_send_a_failed_post_again(
    bot_api, desk, admin_client
):
    bot_api.answer_400("Bad Request: chat not found")
    article = DraftArticleFactory()
    step(article, desk, "publish")
    run_worker()
    page = admin_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert "Failed after 1 attempts: Telegram refused the post" in page.content.decode()

    post = TelegramPost.objects.get(article=article)
    response = admin_client.post(
        reverse("admin:channels_telegrampost_changelist"),
        {"action": "send_again", "_selected_action": [post.pk]},
        follow=True,
    )
    assert "1 post(s) queued to be sent again." in response.content.decode()
    run_worker()
    run_worker()
    assert len(bot_api.accepted) == 1
    # A sent post is not sent again.
    response = admin_client.post(
        reverse("admin:channels_telegrampost_changelist"),
        {"action": "send_again", "_selected_action": [post.pk]},
        follow=True,
    )
    assert "1 post(s) not queued" in response.content.decode()
    run_worker()
    assert len(bot_api.accepted) == 1


def test_do_not_post_switch_on_the_article_form_keeps_it_off_the_channel(bot_api, admin_client):
    from tests.articles.test_admin import SLUG, article_form_data
    from tests.factories import AuthorFactory, SectionFactory

    data = article_form_data(
        SectionFactory(),
        [AuthorFactory()],
        _transition="publish",
        **{
            "telegram_post-TOTAL_FORMS": "1",
            "telegram_post-INITIAL_FORMS": "0",
            "telegram_post-0-skip": "on",
        },
    )
    response = admin_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302, response.context["errors"]
    run_worker()
    assert bot_api.calls == []
    post = TelegramPost.objects.get(article__slug=SLUG)
    assert post.article.is_published()
    page = admin_client.get(reverse("admin:articles_article_change", args=[post.article_id]))
    assert "Not posted to Telegram." in page.content.decode()


def test_article_form_posted_without_the_telegram_part_is_saved_and_posted(bot_api, admin_client):
    from tests.articles.test_admin import article_form_data
    from tests.factories import AuthorFactory, SectionFactory

    data = article_form_data(SectionFactory(), [AuthorFactory()], _transition="publish")
    response = admin_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302
    run_worker()
    assert len(bot_api.accepted) == 1


def test_without_a_token_nothing_is_queued_or_sent_and_publishing_works(desk, settings):
    settings.TELEGRAM_BOT_TOKEN = ""
    article = DraftArticleFactory()
    step(article, desk, "publish")
    run_worker()
    assert article.is_published()
    assert not TelegramPost.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_telegram_down_never_blocks_a_publish(settings, desk):
    from tests.servers import free_port

    settings.TELEGRAM_BOT_TOKEN = "123:test-token"
    settings.TELEGRAM_CHANNEL_ID = "@ifpnews"
    settings.TELEGRAM_API_BASE_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens
    article = DraftArticleFactory()
    step(article, desk, "publish")
    run_worker()
    post = TelegramPost.objects.get(article=article)
    assert post.state == State.WAITING and post.attempts == 1
    assert "Telegram could not be reached" in post.last_error


def test_a_changed_headline_is_edited_into_the_sent_post_once(bot_api, desk):
    article = DraftArticleFactory(title="First headline", standfirst="Same standfirst.")
    step(article, desk, "publish")
    run_worker()
    article.body = "<p>A changed body does not touch the post.</p>"
    edit(article, desk)
    run_worker()
    assert [call[0] for call in bot_api.calls] == ["sendMessage"]

    article.title = "Second headline"
    edit(article, desk)
    run_worker()
    run_worker()
    method, _token, payload = bot_api.calls[-1]
    assert [call[0] for call in bot_api.calls] == ["sendMessage", "editMessageText"]
    assert payload["message_id"] == 1001
    assert payload["text"].startswith("<b>Second headline</b>\n\nSame standfirst.")
    assert TelegramPost.objects.get(article=article).sent_text == payload["text"]


def test_a_photo_posts_caption_is_edited_and_a_429_waited_out(bot_api, desk):
    article = DraftArticleFactory(title="Pictured", image=ImageFactory())
    step(article, desk, "publish")
    run_worker()
    bot_api.answer_429(retry_after=5)
    article.title = "Pictured, retitled"
    edit(article, desk)
    run_worker()
    assert [call[0] for call in bot_api.accepted] == ["sendPhoto"]
    time_passes(timedelta(seconds=6))
    run_worker()
    assert [call[0] for call in bot_api.accepted] == ["sendPhoto", "editMessageCaption"]
    assert bot_api.accepted[-1][2]["caption"].startswith("<b>Pictured, retitled</b>")


def test_a_new_correction_is_sent_once_as_a_reply_to_the_post(bot_api, desk):
    from articles.models import Correction

    article = DraftArticleFactory(title="Figures")
    Correction.objects.create(article=article, text="Made before the post: not replied.")
    step(article, desk, "publish")
    run_worker()
    Correction.objects.create(
        article=article, kind=Correction.Kind.CORRECTION, text="The toll was 12, not 21."
    )
    edit(article, desk)
    run_worker()
    edit(article, desk)
    run_worker()
    assert len(bot_api.accepted) == 2
    method, _token, payload = bot_api.accepted[1]
    assert method == "sendMessage"
    assert payload["reply_parameters"]["message_id"] == 1001
    assert payload["text"] == (
        f"<b>Correction:</b> The toll was 12, not 21.\n\nhttp://testserver/{article.slug}/"
    )
