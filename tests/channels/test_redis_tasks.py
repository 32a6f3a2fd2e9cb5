"""TASKS_BACKEND=redis: the same outbox with tasks queued in Redis through RQ
(django-tasks-rq) and run by `manage.py rqworker`, in real processes against the test's
Redis. Skipped where Redis (REDIS_URL) or the optional `redis-tasks` packages are absent."""

import os
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest
from django.conf import settings

from tests.channels.fake_telegram import FakeBotApi

ROOT = Path(__file__).resolve().parent.parent.parent

PUBLISH = """
from articles import services
from django.contrib.auth import get_user_model
from tests.factories import DraftArticleFactory
article = DraftArticleFactory(title="Queued in Redis")
services.article_save(
    article=article,
    user=get_user_model().objects.get(username="admin"),
    transition="publish",
    expected_version=article.version,
)
"""

# RQ's worker, running each job through django-tasks-rq's job class, with the scheduler
# that enqueues deferred tasks when due; --burst: it stops when the queue is empty.
WORKER = ("rqworker", "--burst", "--with-scheduler", "--job-class", "django_tasks_rq.Job")


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_redis_backend_posts_a_published_article_once(tmp_path):
    if not settings.REDIS_URL or not find_spec("django_tasks_rq"):
        pytest.skip("needs REDIS_URL and the optional redis-tasks packages")
    bot_api = FakeBotApi()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_DEBUG": "1",
        "SITE_URL": "https://news.example.org",
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "REDIS_URL": settings.REDIS_URL,
        "CACHE_KEY_PREFIX": f"{settings.CACHES['default'].get('KEY_PREFIX', 'ifp')}-rq",
        "TASKS_BACKEND": "redis",
    }
    try:
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "seed_demo", "--admin")
        # Whatever an earlier run left in this Redis database's queue goes first.
        manage(env, *WORKER, "default")
        env.update(
            TELEGRAM_BOT_TOKEN="123:test-token",
            TELEGRAM_CHANNEL_ID="@ifpnews",
            TELEGRAM_API_BASE_URL=bot_api.url,
        )
        manage(env, "shell", "-c", PUBLISH)
        assert bot_api.calls == []
        manage(env, *WORKER, "default")
        assert len(bot_api.accepted) == 1
        # Catching up after a crash enqueues nothing that was sent; a second worker run
        # sends nothing twice.
        assert "0 Telegram post(s) enqueued." in manage(env, "telegram_catch_up").stdout
        manage(env, *WORKER, "default")
    finally:
        bot_api.stop()
    assert [call[2]["text"].split("\n")[0] for call in bot_api.accepted] == [
        "<b>Queued in Redis</b>"
    ]
