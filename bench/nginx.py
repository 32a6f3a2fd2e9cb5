"""nginx in front of the benchmark's gunicorn, for ``bench/run.py``.

Runs the shipped ``deploy/nginx.conf`` as a throwaway instance: a main nginx.conf in a temporary
directory (pid, logs, temp and cache paths all in it, ``daemon off`` as a subprocess of the
benchmark) that includes a copy of the site configuration with its paths rewritten: the listen
port, the upstream (the running gunicorn), the static root, the cache path and the proxy
parameters. It only listens on 127.0.0.1 and is always stopped on the way out.
"""

import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from bench.process import stop_gracefully, wait_until_ready

ROOT = Path(__file__).resolve().parent.parent
SITE_CONF = ROOT / "deploy" / "nginx.conf"
PROXY_PARAMS = ROOT / "deploy" / "ifp_proxy_params"
MIME_TYPES = Path("/etc/nginx/mime.types")

# The static file nginx serves from disk as the ceiling: the floor's 30 KB page, same bytes.
STATIC_NAME = "bench-30k.html"
START_TIMEOUT = 15
STOP_TIMEOUT = 10


def find_nginx():
    """nginx's binary, installing Debian's package when it is missing and this is root;
    None when there is none (the benchmark then skips its nginx part)."""
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    print("bench: nginx is missing; installing Debian's package", flush=True)
    for package in ("nginx-light", "nginx"):
        result = subprocess.run(
            ["apt-get", "install", "-y", "-qq", package],
            timeout=600,
            stdout=subprocess.DEVNULL,
            check=False,
        )
        if result.returncode == 0 and Path("/usr/sbin/nginx").exists():
            return "/usr/sbin/nginx"
    return None


def _replace_once(text, pattern, replacement, what):
    text, count = re.subn(pattern, lambda match: replacement, text, flags=re.MULTILINE)
    if count != 1:
        raise RuntimeError(f"deploy/nginx.conf: expected one {what}, found {count}")
    return text


def site_config(text, port, upstream, static_root, work_dir):
    """deploy/nginx.conf with the bench instance's addresses and paths."""
    text = _replace_once(text, r"\blisten\s+80;", f"listen 127.0.0.1:{port};", "listen 80")
    # The upstream's server line (`server host:port ...;`, not `server {` nor `server_name`).
    text = _replace_once(text, r"\bserver\s+[^\s{;]+:\d+", f"server {upstream}", "upstream")
    text = _replace_once(text, r"/srv/ifp/staticfiles/", f"{static_root}/", "static root")
    text = text.replace("/srv/ifp/media/", f"{work_dir}/media/")
    text = _replace_once(text, r"/var/cache/nginx/ifp\b", f"{work_dir}/cache", "cache path")
    text = text.replace("/etc/nginx/ifp_proxy_params", str(PROXY_PARAMS))
    return text


class Nginx:
    """The shipped site configuration served by a throwaway nginx on a free loopback port,
    proxying to ``upstream`` (host:port); a context manager that always stops it."""

    def __init__(self, binary, upstream, static_root, port):
        self.binary = binary
        self.upstream = upstream
        self.static_root = Path(static_root)
        self.port = port
        self.work_dir = None
        self.process = None
        self.static_file = self.static_root / STATIC_NAME

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def write_config(self, static_bytes):
        work = Path(self.work_dir)
        site = site_config(SITE_CONF.read_text(), self.port, self.upstream, self.static_root, work)
        (work / "site.conf").write_text(site)
        lines = [
            "daemon off;",
            "worker_processes auto;",
            f"pid {work}/nginx.pid;",
            f"error_log {work}/error.log warn;",
        ]
        if os.geteuid() == 0:
            # Workers as this user, not nobody: they must reach the temporary directory.
            lines.append(f"user {pwd.getpwuid(os.geteuid()).pw_name};")
        lines += [
            "events { worker_connections 1024; }",
            "http {",
            f"    include {MIME_TYPES};" if MIME_TYPES.exists() else "",
            "    default_type application/octet-stream;",
            "    sendfile on;",
            "    tcp_nopush on;",
            "    access_log off;",
            f"    client_body_temp_path {work}/body;",
            f"    proxy_temp_path {work}/proxy;",
            f"    fastcgi_temp_path {work}/fastcgi;",
            f"    uwsgi_temp_path {work}/uwsgi;",
            f"    scgi_temp_path {work}/scgi;",
            f"    include {work}/site.conf;",
            "}",
            "",
        ]
        (work / "nginx.conf").write_text("\n".join(lines))
        self.static_file.write_bytes(static_bytes)

    def __enter__(self):
        from bench.floor import FLOOR_BYTES

        self.work_dir = tempfile.mkdtemp(prefix="ifp-bench-nginx-")
        try:
            self.write_config(FLOOR_BYTES)
            conf = str(Path(self.work_dir) / "nginx.conf")
            check = subprocess.run(
                [self.binary, "-t", "-q", "-c", conf],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            if check.returncode != 0:
                raise RuntimeError(f"nginx -t failed:\n{check.stderr}")
            self.process = subprocess.Popen(
                [self.binary, "-c", conf],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def wait_ready(self):
        wait_until_ready(
            self.process,
            self.url(f"/static/{STATIC_NAME}"),
            name="nginx",
            timeout=START_TIMEOUT,
            log_tail=self.log_tail,
        )

    def log_tail(self, lines=20):
        try:
            text = (Path(self.work_dir) / "error.log").read_text(errors="replace")
        except OSError:
            return "(no error log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self):
        try:
            # SIGQUIT: graceful, nginx's workers finish their requests, then exit.
            stop_gracefully(self.process, signal.SIGQUIT, STOP_TIMEOUT)
        finally:
            self.static_file.unlink(missing_ok=True)
            if self.work_dir:
                shutil.rmtree(self.work_dir, ignore_errors=True)


def proxy_cache_state(url):
    """One request: status and nginx's X-Proxy-Cache (HIT, MISS, EXPIRED, ...; '' for none)."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status, response.headers.get("X-Proxy-Cache", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("X-Proxy-Cache", "")
