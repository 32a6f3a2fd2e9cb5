"""Logs never carry a whole share-link token: the app's JSON lines (its access log and
Django's warnings) and gunicorn's access log keep only its first characters."""

import io
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.urls import reverse

from ifp import logs
from tests.factories import DraftArticleFactory
from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "Zq3xK9vLmN0pQrStUvWxYz0123456789abcdefGHIJ"
REFERER_TOKEN = "Rr7yT5uIoPaSdFgHjKlZxCvBnM0123456789qwerty"


@pytest.fixture
def json_log_lines():
    """What the configured stdout handler writes: the JSON lines, as text."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.RequestIdFilter())
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream.getvalue
    root.removeHandler(handler)


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["", "?utm_source=mail", "extra/"])
def test_the_apps_log_lines_keep_only_a_prefix_of_a_share_token(
    client, settings, json_log_lines, suffix
):
    settings.ACCESS_LOG = True

    response = client.get(f"/preview/{TOKEN}/{suffix}", HTTP_REFERER=f"/preview/{REFERER_TOKEN}/")

    assert response.status_code == 404
    written = json_log_lines()
    assert "/preview/" in written
    assert TOKEN not in written and TOKEN[6:20] not in written
    assert f"/preview/{TOKEN[:6]}…" in written
    for line in written.splitlines():
        json.loads(line)


@pytest.mark.django_db
def test_a_working_share_link_is_not_logged_whole(admin_client, client, settings, json_log_lines):
    settings.ACCESS_LOG = True
    response = admin_client.post(
        reverse("admin:article_share", args=[DraftArticleFactory().pk]), {"hours": "1"}
    )
    token = response.context["link"].split("/")[-2]

    assert client.get(f"/preview/{token}/").status_code == 200

    written = json_log_lines()
    assert token not in written
    assert f"/preview/{token[:6]}…" in written


def test_gunicorns_access_log_keeps_only_a_prefix_of_a_share_token(tmp_path):
    """A real gunicorn with the shipped configuration, its access log in a file."""
    python = sys.executable
    gunicorn = shutil.which("gunicorn", path=str(Path(python).parent))
    port = free_port()
    access_log = tmp_path / "access.log"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "access-log-test-" + "0123456789abcdef" * 3,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_HTTPS": "0",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "SITE_URL": f"http://127.0.0.1:{port}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": str(access_log),
        "WEB_CONCURRENCY": "1",
    }
    env.pop("REDIS_URL", None)
    for command in (["migrate"], ["collectstatic", "--noinput"]):
        subprocess.run([python, "manage.py", *command, "-v0"], cwd=ROOT, env=env, check=True)
    process = subprocess.Popen(
        [gunicorn, "ifp.wsgi", "-c", "gunicorn.conf.py"]
        + ["--control-socket", str(tmp_path / "gunicorn.ctl")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output, started = [], threading.Event()

    def drain():  # read everything, so that a full pipe never blocks the server
        for line in process.stdout:
            output.append(line)
            if "Booting worker" in line:
                started.set()
        started.set()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        assert started.wait(timeout=60) and process.poll() is None, "".join(output)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/preview/{TOKEN}/?x=1",
            headers={"Referer": f"http://127.0.0.1:{port}/preview/{REFERER_TOKEN}/"},
        )
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(request, timeout=30)
        assert answer.value.code == 404
    finally:
        process.terminate()
        process.wait(timeout=30)
        reader.join(timeout=30)
    written = access_log.read_text()
    assert f"/preview/{TOKEN[:6]}…" in written
    assert f"/preview/{REFERER_TOKEN[:6]}…" in written
    assert TOKEN not in written and REFERER_TOKEN not in written
    assert TOKEN not in "".join(output)
