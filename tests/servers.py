"""Real servers on loopback for the tests that need them: a free port, a plain HTTP fetch,
and gunicorn instances of this site sharing the test's PostgreSQL and Redis (the
``gunicorn`` fixture in tests/conftest.py)."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(opener, url, data=None):
    body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
    with opener.open(url, data=body, timeout=10) as response:
        return response.read().decode()


class Gunicorns:
    """Starts gunicorns of one worker each with production settings against the test's
    PostgreSQL and Redis; ``start(**env)`` changes the environment of one (a dead Redis
    port, say) and returns its address once it answers /healthz, with any status."""

    def __init__(self, tmp_path):
        if connection.vendor != "postgresql" or not settings.REDIS_URL:
            pytest.skip("needs the shared PostgreSQL and Redis of CI's second pass")
        database = connection.settings_dict
        self.base = {
            **os.environ,
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}",
            "REDIS_URL": settings.REDIS_URL,
            "CACHE_KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", "ifp"),
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "servers-test-" + "0123456789abcdef" * 3,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_HTTPS": "0",  # plain HTTP on loopback
            "SITE_URL": "https://news.example.org",
            "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
            "PAGE_CACHE": "1",
        }
        python = sys.executable
        subprocess.run(
            [python, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=self.base,
            check=True,
        )
        self.binary = shutil.which("gunicorn", path=str(Path(python).parent))
        self.processes = []

    def start(self, **env):
        port = free_port()
        command = [self.binary, "ifp.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}"]
        self.processes.append(
            subprocess.Popen(
                [*command, "--log-level", "warning"], cwd=ROOT, env={**self.base, **env}
            )
        )
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=5)
                return url
            except urllib.error.HTTPError:
                return url  # it answers, if only to say that a part is failing
            except OSError:
                time.sleep(0.1)  # waiting for the process to listen
        pytest.fail(f"gunicorn at {url} did not start")

    def stop(self):
        for process in self.processes:
            process.terminate()
            process.wait(timeout=10)
