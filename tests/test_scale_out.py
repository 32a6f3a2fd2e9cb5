"""Two gunicorn instances sharing one PostgreSQL and one Redis: publishing
through one shows at once through the other, because the page cache's generation lives
in Redis, not in either instance. Runs in CI's PostgreSQL + Redis pass; skipped on SQLite
(an in-memory test database cannot be shared between processes)."""

import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from tests.factories import DraftArticleFactory, PublishedArticleFactory

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db(transaction=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(opener, url, data=None):
    body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
    with opener.open(url, data=body, timeout=10) as response:
        return response.read().decode()


@pytest.fixture
def two_instances(tmp_path):
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs the shared PostgreSQL and Redis of CI's second pass")
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "scale-out-test-" + "0123456789abcdef" * 3,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_HTTPS": "0",  # plain HTTP on loopback
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "PAGE_CACHE": "1",
    }
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    gunicorn = shutil.which("gunicorn", path=str(Path(python).parent))
    processes, urls = [], []
    try:
        for _ in range(2):
            port = free_port()
            processes.append(
                subprocess.Popen(
                    [
                        gunicorn,
                        "ifp.wsgi",
                        "-w",
                        "1",
                        "-b",
                        f"127.0.0.1:{port}",
                        "--log-level",
                        "warning",
                    ],
                    cwd=ROOT,
                    env=env,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{url}/healthz", timeout=2)
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                pytest.fail(f"gunicorn at {url} did not start")
        yield urls
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def test_publishing_through_one_instance_shows_at_once_through_the_other(
    two_instances, django_user_model
):
    first, second = two_instances
    PublishedArticleFactory(title="Yesterdays story")
    story = DraftArticleFactory(title="Breaking across hosts")
    # Hashed as the gunicorn instances check passwords (tests use a faster hasher).
    password = PBKDF2PasswordHasher().encode("pw", "scale0ut5alt", iterations=1000)
    django_user_model.objects.create(
        username="desk", password=password, is_staff=True, is_superuser=True
    )
    reader = urllib.request.build_opener()
    assert "Yesterdays story" in fetch(reader, f"{second}/")
    assert "Breaking across hosts" not in fetch(reader, f"{second}/")  # now cached there

    editor = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    login = fetch(editor, f"{first}/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login).group(1)
    fetch(
        editor,
        f"{first}/admin/login/?next=/admin/",
        {"csrfmiddlewaretoken": token, "username": "desk", "password": "pw"},
    )
    changelist = fetch(editor, f"{first}/admin/articles/article/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', changelist).group(1)
    fetch(
        editor,
        f"{first}/admin/articles/article/",
        {
            "csrfmiddlewaretoken": token,
            "action": "publish_now",
            "_selected_action": [story.pk],
            "index": "0",
        },
    )

    page = fetch(reader, f"{second}/")
    assert "Breaking across hosts" in page
