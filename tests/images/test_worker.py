"""Renditions with real processes: a real gunicorn takes uploads while no worker runs, and a
real worker (``manage.py db_worker``), started afterwards, makes every rendition that
waited, the demo content's and the upload's, on one shared SQLite file."""

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.images import picture_bytes
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )


def manifests(database):
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT title, renditions FROM images_image ORDER BY id").fetchall()
    return {title: json.loads(manifest) for title, manifest in rows}


def test_a_worker_started_later_makes_the_renditions_that_waited(tmp_path):
    if shutil.which("gunicorn", path=str(BIN)) is None:
        pytest.skip("gunicorn is not installed beside this Python")
    database = tmp_path / "shared.sqlite3"
    media = tmp_path / "media"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_DEBUG": "1",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_HTTPS": "0",
        "SITE_URL": "https://news.example.org",
        "DJANGO_MEDIA_ROOT": str(media),
        "DJANGO_LOG_FORMAT": "text",
        "REDIS_URL": "",
        "PAGE_CACHE": "0",
    }
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo", "--admin")  # its pictures are stored; their renditions wait
    demo = manifests(database)
    assert demo
    assert all("preview" in manifest and "specs" not in manifest for manifest in demo.values())

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    logs = tmp_path / "logs"
    logs.mkdir()
    server = subprocess.Popen(
        [
            shutil.which("gunicorn", path=str(BIN)),
            "ifp.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=(logs / "gunicorn.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    worker = None
    try:
        for _ in range(300):
            try:
                requests.get(f"{url}/healthz", timeout=5)
                break
            except requests.ConnectionError:
                time.sleep(0.1)  # waiting for gunicorn to listen
        editor = requests.Session()
        login = editor.get(f"{url}/admin/login/", timeout=10).text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login).group(1)
        editor.post(
            f"{url}/admin/login/?next=/admin/",
            {"csrfmiddlewaretoken": token, "username": "admin", "password": "admin"},
            timeout=10,
        )
        form = editor.get(f"{url}/admin/articles/article/add/", timeout=10).text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        picker = re.search(r'data-picker-url="([^"]+)"', form).group(1)
        upload_url = editor.get(url + picker, timeout=10).json()["upload"]

        answer = editor.post(
            url + upload_url,
            data={"alt": "Minarets of the Jameh mosque in Yazd"},
            files={"file": ("yazd.jpg", picture_bytes(2400, 1600, seed=5), "image/jpeg")},
            headers={"X-CSRFToken": token, "Referer": f"{url}/admin/"},
            timeout=30,
        )

        assert answer.status_code == 201, answer.text[:500]
        picture = answer.json()
        assert picture["ready"] is False
        assert editor.get(url + picture["status"], timeout=10).json() == {"ready": False}

        # The worker comes up: everything that waited is made.
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.05"],
            cwd=ROOT,
            env=env,
            stdout=(logs / "worker.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for _ in range(1200):  # bounded wait
            if editor.get(url + picture["status"], timeout=10).json()["ready"] and all(
                "specs" in manifest for manifest in manifests(database).values()
            ):
                break
            time.sleep(0.1)
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
        server.terminate()
        server.wait(timeout=30)

    made = manifests(database)
    assert set(made) == {*demo, "Minarets of the Jameh mosque in Yazd"}
    for manifest in made.values():
        assert "specs" in manifest and "preview" not in manifest
        key = manifest["key"]
        for spec, sizes in manifest["specs"].items():
            for width, _height in sizes:
                assert (media / "renditions" / key[:2] / key / f"{spec}-{width}.jpg").exists()
    # Previews are removed once the renditions replace them.
    assert not list(media.glob("renditions/*/*/preview-*"))
    output = "".join(path.read_text() for path in logs.iterdir())
    assert "database is locked" not in output
    assert "Traceback" not in output
