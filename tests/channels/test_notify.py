"""Editors' notifications, sent by the task worker to a real SMTP server on loopback
(aiosmtpd) and to the desk's chat on a fake Bot API: who is told what, each once, the
choices each person makes on their own admin page, and retries."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from channels.models import Notification, NotificationPreference, TelegramPost
from tests.channels.test_outbox import run_worker, step, time_passes
from tests.factories import AuthorFactory, DraftArticleFactory, ReviewArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(django_user_model):
    def person(name, role):
        user = django_user_model.objects.create_user(
            name, email=f"{name}@example.org", password="pw", is_staff=True
        )
        user.groups.add(Group.objects.get(name=role))
        return user

    return {
        "sara": person("sara", "Writers"),
        "omid": person("omid", "Writers"),
        "editor": person("editor", "Editors"),
        "chief": person("chief", "Editors"),
    }


def sara_article(people, factory=DraftArticleFactory):
    author = AuthorFactory(user=people["sara"])
    return factory(title="Oil prices climb", authors=[author], created_by=people["sara"])


def test_submitting_tells_the_editors_by_email_once(smtp_server, people):
    article = sara_article(people)
    step(article, people["sara"], "submit")
    assert smtp_server.messages == []  # sent by the worker, not inside the request
    run_worker()
    run_worker()

    mails = smtp_server.mails()
    assert sorted(to for [to], _ in mails) == ["chief@example.org", "editor@example.org"]
    _to, mail = mails[0]
    assert mail["Subject"] == "For review: Oil prices climb"
    assert mail["From"] == "IFP newsroom <newsroom@example.org>"
    body = mail.get_payload(decode=True).decode()
    assert "sara submitted “Oil prices climb” for review." in body
    assert f"http://testserver/admin/articles/article/{article.pk}/change/" in body
    assert set(Notification.objects.values_list("state", flat=True)) == {"sent"}


def test_sending_back_tells_the_writer_with_the_note(smtp_server, people):
    article = sara_article(people, ReviewArticleFactory)
    step(article, people["editor"], "send_back", note="Source the second quote.")
    run_worker()
    [([to], mail)] = smtp_server.mails()
    assert to == "sara@example.org"
    assert mail["Subject"] == "Sent back: Oil prices climb"
    assert "Source the second quote." in mail.get_payload(decode=True).decode()


def test_each_person_chooses_on_their_own_page(smtp_server, people, client):
    client.force_login(people["chief"])
    page = client.get(reverse("admin:channels_notificationpreference_changelist"))
    [mine] = NotificationPreference.objects.filter(user=people["chief"])
    assert page.status_code == 302 and page["Location"].endswith(f"/{mine.pk}/change/")
    form = {"by_email": "on", "sent_back": "on", "telegram_failed": "on"}  # not "submitted"
    assert client.post(page["Location"], form).status_code == 302

    # Another person's choices are not theirs to read or change.
    theirs, _ = NotificationPreference.objects.get_or_create(user=people["editor"])
    url = reverse("admin:channels_notificationpreference_change", args=[theirs.pk])
    assert client.post(url, {}).status_code in (302, 403)
    theirs.refresh_from_db()
    assert theirs.submitted

    step(sara_article(people), people["sara"], "submit")
    run_worker()
    assert [to for [to], _ in smtp_server.mails()] == ["editor@example.org"]


def test_a_refusing_smtp_server_is_tried_again_later(smtp_server, people, settings):
    settings.NOTIFY_RETRY_SECONDS = 60
    smtp_server.refuse = 1
    article = sara_article(people, ReviewArticleFactory)
    step(article, people["editor"], "send_back", note="Shorter, please.")
    run_worker()
    row = Notification.objects.get()
    assert (row.state, row.attempts) == ("waiting", 1)
    assert "451" in row.last_error
    assert smtp_server.messages == []
    time_passes(timedelta(seconds=61))
    run_worker()
    row.refresh_from_db()
    assert row.state == "sent"
    assert len(smtp_server.messages) == 1


def test_a_notification_failing_for_good_is_listed_with_its_reason(
    smtp_server, people, settings, admin_client
):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    smtp_server.refuse = 1
    article = sara_article(people, ReviewArticleFactory)
    step(article, people["editor"], "send_back", note="x")
    run_worker()
    row = Notification.objects.get()
    assert row.state == "failed"
    listing = admin_client.get(reverse("admin:channels_notification_changelist"))
    assert "Sent back: Oil prices climb" in listing.content.decode()


def test_without_email_settings_nothing_is_queued(people, settings):
    settings.NOTIFY_BY_EMAIL = False
    step(sara_article(people), people["sara"], "submit")
    assert not Notification.objects.exists()


def test_a_failed_telegram_post_tells_editors_and_the_desk_chat(
    smtp_server, bot_api, people, settings
):
    settings.NOTIFY_TELEGRAM_CHAT_ID = "-1001234"
    bot_api.answer_400("Bad Request: chat not found")
    article = DraftArticleFactory(title="Strike called off")
    step(article, people["editor"], "publish")
    run_worker()  # the post fails for good and queues the notifications
    run_worker()
    assert TelegramPost.objects.get(article=article).state == TelegramPost.State.FAILED
    subjects = {mail["Subject"] for _to, mail in smtp_server.mails()}
    assert subjects == {"Telegram post failed: Strike called off"}
    desk = [payload for _m, _t, payload in bot_api.accepted if payload["chat_id"] == "-1001234"]
    assert len(desk) == 1 and desk[0]["text"].startswith("Telegram post failed: Strike called off")


def test_the_desk_chat_waits_out_telegrams_429_for_as_long_as_it_says(bot_api, people, settings):
    """However long Telegram's wait: the notification's own back-off stops at an hour, a
    wait Telegram asks for is kept in full, and is not counted as a failure."""
    settings.NOTIFY_BY_EMAIL = False
    settings.NOTIFY_TELEGRAM_CHAT_ID = "-1001234"
    bot_api.answer_429(retry_after=7200)
    step(sara_article(people), people["sara"], "submit")
    run_worker()
    row = Notification.objects.get()
    assert (row.state, row.attempts) == ("waiting", 0)

    time_passes(timedelta(hours=1, minutes=1))
    run_worker()
    assert bot_api.accepted == []
    time_passes(timedelta(hours=1))
    run_worker()
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("sent", 0)
    assert len(bot_api.accepted) == 1


def test_a_scheduled_article_whose_worker_was_down_is_reported(smtp_server, bot_api, people):
    article = DraftArticleFactory(title="Budget vote")
    at = timezone.now() + timedelta(hours=1)
    step(article, people["editor"], "publish", at=at)
    time_passes(timedelta(hours=2))  # the time came an hour ago; no worker ran
    run_worker()
    run_worker()
    assert len([c for c in bot_api.accepted if c[0] == "sendMessage"]) == 1
    [subject] = {mail["Subject"] for _to, mail in smtp_server.mails()}
    assert subject == "Scheduled publication: Budget vote"
    body = smtp_server.mails()[0][1].get_payload(decode=True).decode()
    assert "waited 60 minutes for a task worker" in body
