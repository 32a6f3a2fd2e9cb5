"""Background tasks (core/tasks.py): /healthz reports a stuck queue, and on SQLite a real
worker and a real server share one database file without "database is locked"."""

import http.cookiejar
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core.tasks import task
from tests.admin_forms import form_fields, set_bylines
from tests.channels.fake_telegram import FakeBotApi
from tests.servers import fetch, free_port

ROOT = Path(__file__).resolve().parent.parent


@task()
def noop():
    """A task for the tests: it does nothing, but the worker records its run."""


@pytest.mark.django_db
def test_healthz_reports_a_queue_with_a_task_due_too_long_as_stuck(client, settings):
    settings.TASKS_STUCK_SECONDS = 300
    assert client.get(reverse("healthz")).json()["tasks"] is True  # an empty queue

    result = noop.enqueue()
    assert client.get(reverse("healthz")).json() == {
        "status": "ok",
        "time_zone": True,
        "database": True,
        "cache": True,
        "tasks": True,
    }
    DBTaskResult.objects.filter(pk=result.id).update(
        enqueued_at=timezone.now() - timedelta(seconds=301)
    )
    response = client.get(reverse("healthz"))
    assert response.status_code == 200  # the site still serves readers
    assert response.json()["status"] == "degraded"
    assert response.json()["tasks"] is False


@pytest.mark.django_db
def test_healthz_counts_a_deferred_task_from_its_time(client, settings):
    settings.TASKS_STUCK_SECONDS = 300
    later = noop.using(run_after=timezone.now() + timedelta(hours=1)).enqueue()
    # Enqueued long ago for a time still to come: not waiting for a worker yet.
    DBTaskResult.objects.filter(pk=later.id).update(enqueued_at=timezone.now() - timedelta(days=1))
    assert client.get(reverse("healthz")).json()["tasks"] is True
    DBTaskResult.objects.filter(pk=later.id).update(
        run_after=timezone.now() - timedelta(seconds=400)
    )
    assert client.get(reverse("healthz")).json()["tasks"] is False


def manage(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        **kwargs,
    )


def start_worker(env, log):
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.05"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def test_sqlite_worker_and_server_share_one_file_without_database_is_locked(tmp_path):
    """A real gunicorn (two processes) takes admin saves that publish articles while a
    real worker, restarted halfway, sends their Telegram posts; every save succeeds, every
    article is posted exactly once, and no process ever meets "database is locked"."""
    if shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("gunicorn is not installed beside this Python")
    bot_api = FakeBotApi()
    database = tmp_path / "shared.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_DEBUG": "1",  # static files as in development: no collectstatic needed
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_HTTPS": "0",
        "SITE_URL": "https://news.example.org",
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_LOG_FORMAT": "text",
        "REDIS_URL": "",
        "PAGE_CACHE": "0",
    }
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo", "--admin")  # sections, authors, the admin / admin login
    with sqlite3.connect(database) as db:
        section = db.execute("SELECT id FROM articles_section LIMIT 1").fetchone()[0]
        author = db.execute("SELECT id FROM staff_author LIMIT 1").fetchone()[0]
    env.update(
        TELEGRAM_BOT_TOKEN="123:test-token",
        TELEGRAM_CHANNEL_ID="@ifpnews",
        TELEGRAM_API_BASE_URL=bot_api.url,
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    logs = tmp_path / "logs"
    logs.mkdir()
    server_log = (logs / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [
            shutil.which("gunicorn", path=str(Path(sys.executable).parent)),
            "ifp.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    worker_logs = [(logs / "worker-1.log").open("w"), (logs / "worker-2.log").open("w")]
    worker = start_worker(env, worker_logs[0])
    titles = [f"Story number {n} of the shared file" for n in range(24)]
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=5)
                break
            except OSError:
                time.sleep(0.1)  # waiting for gunicorn to listen
        editor = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        login = fetch(editor, f"{url}/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login).group(1)
        fetch(
            editor,
            f"{url}/admin/login/?next=/admin/",
            {"csrfmiddlewaretoken": token, "username": "admin", "password": "admin"},
        )
        for number, title in enumerate(titles):
            if number == len(titles) // 2:
                # The worker is stopped (as a deploy does) and a new one started.
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=30)
                worker = start_worker(env, worker_logs[1])
            form = fetch(editor, f"{url}/admin/articles/article/add/")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
            data = form_fields(form)
            set_bylines(data, [type("Author", (), {"pk": author})])
            data.update(
                section=str(section),
                title=title,
                slug=f"story-{number}",
                body="<p>Filed while the worker runs.</p>",
                _transition="publish",
                csrfmiddlewaretoken=token,
            )
            page = fetch(editor, f"{url}/admin/articles/article/add/", data)
            assert f"“{title}” was published at" in page, page[:2000]
        for _ in range(600):  # the worker sends what is due; bounded wait
            if len(bot_api.accepted) >= len(titles):
                break
            time.sleep(0.1)
        time.sleep(1)  # any second post of a story would have come by now
    finally:
        worker.send_signal(signal.SIGTERM)
        server.terminate()
        worker.wait(timeout=30)
        server.wait(timeout=30)
        bot_api.stop()
    posted = [call[2]["text"].split("\n")[0] for call in bot_api.accepted]
    assert sorted(posted) == sorted(f"<b>{title}</b>" for title in titles)
    output = "".join(path.read_text() for path in logs.iterdir())
    assert "database is locked" not in output
    assert "Traceback" not in output
