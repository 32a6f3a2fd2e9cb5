"""The load benchmark: ``make bench``, ``make bench ARGS=--articles=1000000`` for the million.

Generates a site in PostgreSQL (``BENCH_DATABASE_URL``, default the local ``ifp_bench``
database, or ``ifp_bench_1m`` for a million articles, created when missing; a database that
already holds the site is reused, migrated), serves it with gunicorn in the production
settings (DEBUG off, Redis cache, WhiteNoise, ``gunicorn.conf.py``) with 2 sync workers, and
loads the floor, the pages, the sitemaps and a static file with wrk on loopback: once with the
whole-page cache on and once with it off (``PAGE_CACHE=0``), restarting gunicorn between,
``--runs`` times (3: the report gives each figure's median and the spread of the ratios).
It counts each page's queries, reads each worker's proportional memory (Pss) after each
load, and judges every target of the performance issue (``TARGETS``). In the first cached
run it also serves the site through the shipped nginx configuration (``deploy/nginx.conf``;
``bench/nginx.py``; ``--no-nginx`` skips it). Then the breaking-news run
(``bench/breaking.py``; ``--breaking=0`` skips it): wrk loads 20 of the most read pages
while an editor publishes a draft through the admin every ``PUBLISH_EVERY`` seconds. For a
million articles it also measures the backup and the restore (``bench/backup_memory.py``).
The Markdown report is printed and written to ``bench/results.md`` (``results-1m.md`` for a
million, ``results-<n>k.md`` for other sizes).

It only talks to this machine (127.0.0.1), bounds every wait and loop, and always stops the
gunicorn and nginx it started.
"""

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench import breaking
from bench.nginx import STATIC_NAME as NGINX_STATIC_NAME
from bench.nginx import Nginx, find_nginx, proxy_cache_state
from bench.process import stop_gracefully, wait_until_ready

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results.md"

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ifp_bench"
# The million has a database of its own, so that it does not replace the 10,000-article one.
MILLION = 1_000_000
MILLION_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ifp_bench_1m"
STANDARD_ARTICLES = 10_000
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
WORKERS = 2
START_TIMEOUT = 60
STOP_TIMEOUT = 25

# The performance targets, as shares of the floor's rate in the same run (the median of the
# runs): every page with the page cache off (what readers get after each publish).
UNCACHED_TARGETS = {
    "article": 0.15,
    "home": 0.10,
    "section": 0.10,
    "tag": 0.10,
    "feed": 0.10,
    "search": 0.05,
}
CACHED_TARGET = 0.70  # the cached article / floor
# The p99 of every page with the page cache off, in ms; some pages have their own.
UNCACHED_P99_MS = 250
P99_MS = {"sitemap": 200, "news-sitemap": 200}
MILLION_P99_MS = {"search": 300}
# A page-cache hit / a static file served by the same gunicorn (WhiteNoise).
STATIC_TARGET = 0.85
# At a million articles, each of these pages' ratios at least this share of the 10,000's.
SCALE_PAGES = ("article", "home", "section", "tag")
SCALE_TARGET = 0.90
# Each worker's proportional share of memory (Pss: a page shared with the master and the
# other worker counts by its share), after the load: what a worker really adds.
PSS_TARGET_MB = 35
NGINX_TARGET = 0.50  # article through nginx / nginx's own static-file rate
# The breaking-news run: the p99 under publishes at most this many times the steady one.
BREAKING_P99_FACTOR = 3
PUBLISH_EVERY = 10  # seconds
# Rows that are not pages: the floor and the static file are the yardsticks.
YARDSTICKS = ("floor", "static")
STATIC_FILE = "css/site.css"
SUMMARY_MARK = "<!-- bench-summary "


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description="Load benchmark of the IFP site.")
    parser.add_argument("--articles", type=int, default=10_000, help="site size (10,000)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per page")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--runs", type=int, default=3, help="whole cached/uncached measurements (3)"
    )
    parser.add_argument(
        "--breaking",
        type=int,
        default=60,
        help="seconds of the breaking-news run (60; 0 skips it)",
    )
    parser.add_argument(
        "--backup-memory",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="measure the backup and restore (default: for a million articles)",
    )
    parser.add_argument(
        "--nginx",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also load the cached site through deploy/nginx.conf (default on)",
    )
    args = parser.parse_args(argv)
    if not (1 <= args.duration <= 120 and 0 <= args.warmup <= 30):
        parser.error("--duration must be 1-120 seconds and --warmup 0-30")
    if not (1 <= args.threads <= args.connections <= 1000):
        parser.error("need 1 <= threads <= connections <= 1000")
    if not (1 <= args.runs <= 9 and 0 <= args.breaking <= 600):
        parser.error("--runs must be 1-9 and --breaking 0-600 seconds")
    if args.breaking and args.breaking < 2 * PUBLISH_EVERY:
        parser.error(f"--breaking needs at least {2 * PUBLISH_EVERY} seconds (or 0)")
    if args.backup_memory is None:
        args.backup_memory = args.articles >= MILLION

    # A `kill` of the run (or of make) still stops gunicorn: SystemExit runs the finally.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

    env = bench_env(args.articles)
    check_loopback(env)
    wrk = ensure_wrk()
    ensure_services(env)
    ensure_database(env["DATABASE_URL"])
    nginx = find_nginx() if args.nginx else None
    if args.nginx and nginx is None:
        print("bench: nginx is not installed; skipping the run through nginx", flush=True)

    started = time.monotonic()
    manage = [sys.executable, "manage.py"]
    step("migrate", [*manage, "migrate", "--noinput", "-v0"], env, timeout=600)
    generated = step(
        "generate",
        [sys.executable, "-m", "bench.generate", "--articles", str(args.articles)],
        env,
        timeout=3600,
    )
    step("collectstatic", [*manage, "collectstatic", "--noinput", "-v0"], env, timeout=300)

    clear_cache(env)
    uncached_probe = probe({**env, "PAGE_CACHE": "0"})
    cached_probe = probe({**env, "PAGE_CACHE": "1"})
    pages = [(page["name"], page["path"]) for page in uncached_probe["pages"]]
    pages.append(("static", static_path(env)))

    runs = []
    for index in range(args.runs):
        run = {}
        for mode, flag in (("cached", "1"), ("uncached", "0")):
            clear_cache(env)
            print(f"bench: run {index + 1} of {args.runs}", flush=True)
            through = nginx if flag == "1" and index == 0 else None
            run[mode] = load_mode(mode, {**env, "PAGE_CACHE": flag}, pages, wrk, args, through)
        runs.append(run)

    news = None
    if args.breaking:
        clear_cache(env)
        news = breaking_run({**env, "PAGE_CACHE": "1"}, wrk, args)
    backup = backup_memory(env) if args.backup_memory else None

    results = results_path(args.articles)
    reference = read_summary(RESULTS) if args.articles != STANDARD_ARTICLES else None
    report = render_report(
        args, argv, env, uncached_probe, cached_probe, runs, started, news, backup, reference
    )
    report = report.replace(
        "\n## Command\n",
        f"\n## Command\n\nThe site's generation step (`bench/generate.py`; nothing to do when the "
        f"database already held the site) took {generated:,.0f} s in this run.\n",
        1,
    )
    results.write_text(report)
    print()
    print(report)
    print(f"Written to {results.relative_to(ROOT)}")


def results_path(articles):
    """bench/results.md for the standard site, results-1m.md for the million, else
    results-<thousands>k.md."""
    if articles == STANDARD_ARTICLES:
        return RESULTS
    if articles % MILLION == 0:
        return ROOT / "bench" / f"results-{articles // MILLION}m.md"
    return ROOT / "bench" / f"results-{articles // 1000}k.md"


def static_path(env):
    """The site's main stylesheet under its hashed name (collectstatic's manifest)."""
    manifest = static_root(env) / "staticfiles.json"
    try:
        paths = json.loads(manifest.read_text())["paths"]
    except (OSError, ValueError, KeyError):
        return f"/static/{STATIC_FILE}"
    return f"/static/{paths.get(STATIC_FILE, STATIC_FILE)}"


def bench_env(articles=STANDARD_ARTICLES):
    env = dict(os.environ)
    # Its own variables, so that a shell's DATABASE_URL (a development database) is never
    # filled with the benchmark's fake articles.
    default = MILLION_DATABASE_URL if articles >= MILLION else DEFAULT_DATABASE_URL
    env["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", default)
    env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    # Steady state: no worker recycling in the middle of a measured run.
    env.setdefault("GUNICORN_MAX_REQUESTS", "0")
    env.update(
        DJANGO_SETTINGS_MODULE="ifp.settings",
        DJANGO_DEBUG="0",
        # Throwaway: the benchmark's site has no secrets and no sessions worth keeping.
        DJANGO_SECRET_KEY="bench-only-throwaway-key-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL="http://127.0.0.1",
        # Plain HTTP on loopback: no redirect to HTTPS (production keeps it on).
        DJANGO_HTTPS="0",
        IFP_BENCH="1",
        WEB_CONCURRENCY=str(WORKERS),
        PYTHONUNBUFFERED="1",
    )
    env.pop("PAGE_CACHE", None)
    return env


def check_loopback(env):
    for name in ("DATABASE_URL", "REDIS_URL"):
        parts = urlsplit(env[name])
        if parts.scheme.startswith("sqlite"):
            continue
        if parts.hostname not in LOOPBACK:
            sys.exit(f"bench: {name} must point at this machine (127.0.0.1), not {parts.hostname}")


def ensure_wrk():
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    print("bench: wrk is missing; installing Debian's package", flush=True)
    if os.geteuid() != 0:
        sys.exit("bench: install wrk first: sudo apt-get install -y wrk")
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        subprocess.run(command, check=True, timeout=600, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or sys.exit("bench: wrk did not install")


def answers(host, port):
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def ensure_services(env):
    """PostgreSQL and Redis must answer; on this machine's defaults, start them as CI does."""
    for name, port, start in (
        ("DATABASE_URL", 5432, start_postgres),
        ("REDIS_URL", 6379, start_redis),
    ):
        parts = urlsplit(env[name])
        if parts.scheme.startswith("sqlite"):
            continue
        host, port = parts.hostname, parts.port or port
        if answers(host, port):
            continue
        print(f"bench: nothing answers at {host}:{port} ({name}); starting it", flush=True)
        start()
        for _ in range(30):
            if answers(host, port):
                break
            time.sleep(1)
        else:
            sys.exit(f"bench: {name} ({host}:{port}) does not answer; start it and run again")


def start_postgres():
    clusters = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if not clusters or not shutil.which("pg_ctlcluster"):
        sys.exit("bench: PostgreSQL is not running and no local cluster was found")
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", clusters[-1], "main", "start"]
    subprocess.run(command, check=False, timeout=60)


def start_redis():
    if not shutil.which("redis-server"):
        sys.exit("bench: Redis is not running and redis-server is not installed")
    command = [
        "redis-server",
        "--daemonize",
        "yes",
        "--bind",
        "127.0.0.1",
        "--port",
        "6379",
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    subprocess.run(command, check=False, timeout=30)


def ensure_database(url):
    """Create the benchmark's PostgreSQL database when it does not exist yet."""
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        return
    import psycopg
    from psycopg import sql

    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    connection = psycopg.connect(admin_url, connect_timeout=10, autocommit=True)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                print(f"bench: creating database {name}", flush=True)
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()


def step(title, command, env, timeout):
    print(f"bench: {title}: {shlex.join(command)}", flush=True)
    began = time.monotonic()
    subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=timeout)
    took = time.monotonic() - began
    print(f"bench: {title} took {took:.1f} s", flush=True)
    return took


def probe(env):
    """The pages to load and their query counts (bench/probe.py, in a subprocess)."""
    return module_json(env, "bench.probe")


def module_json(env, module, *args):
    """Run ``python -m module *args`` with ``env`` and return the JSON of its last line."""
    result = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def clear_cache(env):
    """Forget what an earlier run left in the benchmark's Redis: its keys only (the cache's
    key prefix), never the whole database."""
    import redis

    prefix = env.get("CACHE_KEY_PREFIX", "ifp")
    client = redis.Redis.from_url(env["REDIS_URL"], socket_timeout=10)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])
    client.close()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn serving the site on a free loopback port; a context manager that always
    stops it (and its workers) on the way out."""

    def __init__(self, env, log_dir, label):
        self.env = env
        self.port = free_port()
        self.log_path = Path(log_dir) / f"gunicorn-{label}.log"
        bind = f"127.0.0.1:{self.port}"
        self.env["GUNICORN_BIND"] = bind
        command = [str(BIN / "gunicorn"), "ifp.wsgi"]
        if (ROOT / "gunicorn.conf.py").exists():
            command += ["-c", "gunicorn.conf.py"]
        else:
            command += ["-w", str(WORKERS), "--worker-class", "sync"]
        self.command = [*command, "-b", bind]
        self.process = None
        self.log = None

    def __enter__(self):
        self.log = open(self.log_path, "wb")  # closed by stop()
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_ready(self):
        wait_until_ready(
            self.process,
            self.url("/bench/floor/"),
            name="gunicorn",
            timeout=START_TIMEOUT,
            log_tail=self.log_tail,
            ready=lambda: len(self.workers()) >= WORKERS,
        )

    def workers(self):
        """The worker processes: the master's children."""
        children = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            # The field after the parenthesized command name: state, then the parent's pid.
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                children.append(int(entry))
        return sorted(children)

    def memory_mb(self):
        """Resident memory (VmRSS) of the master and of each worker, and each worker's
        proportional share (Pss: pages shared with the master counted by halves), in MB."""
        workers = self.workers()
        return {
            "master": rss_mb(self.process.pid),
            "workers": {pid: rss_mb(pid) for pid in workers},
            "workers_pss": {pid: pss_mb(pid) for pid in workers},
        }

    def workers_booted(self):
        """How many workers gunicorn has started so far (more than WORKERS: recycled)."""
        self.log.flush()
        return self.log_path.read_text(errors="replace").count("Booting worker")

    def log_tail(self, lines=30):
        if self.log is not None and not self.log.closed:
            self.log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self):
        try:
            # SIGTERM: gunicorn's master stops its workers gracefully.
            stop_gracefully(self.process, signal.SIGTERM, STOP_TIMEOUT)
        finally:
            if self.log is not None and not self.log.closed:
                self.log.close()


def rss_mb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def pss_mb(pid):
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def fetch(url):
    """One request: status, size, and whether the page cache answered."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
            return response.status, len(body), response.headers.get("X-Page-Cache", "")
    except urllib.error.HTTPError as error:
        return error.code, 0, ""


def load_mode(mode, env, pages, wrk, args, nginx=None):
    log_dir = tempfile.mkdtemp(prefix="ifp-bench-")
    print(f"bench: {mode} run: starting gunicorn (log in {log_dir})", flush=True)
    results = {"pages": {}, "log": log_dir}
    with Gunicorn(env, log_dir, mode) as server:
        results["command"] = shlex.join(server.command)
        for name, path in pages:
            url = server.url(path)
            status, size, cache_state = fetch(url)
            if status != 200:
                raise RuntimeError(f"{url} answered {status}, not 200:\n{server.log_tail()}")
            if args.warmup:
                run_wrk(wrk, url, args.threads, args.connections, args.warmup)
            stats = run_wrk(wrk, url, args.threads, args.connections, args.duration)
            stats.update(status=status, bytes=size, cache=fetch(url)[2] or cache_state)
            results["pages"][name] = stats
            print(
                f"bench: {mode:8} {name:8} {stats['rps']:8.0f} req/s  p50 {stats['p50']:.2f} ms"
                f"  p99 {stats['p99']:.2f} ms  errors {stats['errors']}  cache {stats['cache']!r}",
                flush=True,
            )
        results["rss"] = server.memory_mb()
        results["recycled"] = max(0, server.workers_booted() - WORKERS)
        if nginx:
            results["nginx"] = load_nginx(nginx, server, env, dict(pages), wrk, args)
    shutil.rmtree(log_dir, ignore_errors=True)  # kept only when the run failed
    return results


def static_root(env):
    """The site's STATIC_ROOT as ifp/settings.py computes it."""
    return Path(env.get("DJANGO_STATIC_ROOT") or ROOT / "staticfiles").resolve()


def load_nginx(binary, server, env, paths, wrk, args):
    """Through nginx (deploy/nginx.conf) in front of the running gunicorn: first nginx's own
    static-file rate (the ceiling), then the article and home pages, micro-cached."""
    targets = [("nginx static", f"/static/{NGINX_STATIC_NAME}")]
    targets += [(name, paths[name]) for name in ("article", "home") if name in paths]
    results = {}
    print("bench: cached run: starting nginx in front of gunicorn", flush=True)
    with Nginx(binary, f"127.0.0.1:{server.port}", static_root(env), free_port()) as proxy:
        for name, path in targets:
            url = proxy.url(path)
            status, _ = proxy_cache_state(url)
            if status != 200:
                raise RuntimeError(f"{url} answered {status} through nginx:\n{proxy.log_tail()}")
            if args.warmup:
                run_wrk(wrk, url, args.threads, args.connections, args.warmup)
            stats = run_wrk(wrk, url, args.threads, args.connections, args.duration)
            stats.update(path=path, cache=proxy_cache_state(url)[1])
            results[name] = stats
            print(
                f"bench: nginx    {name:12} {stats['rps']:8.0f} req/s  p50 {stats['p50']:.2f} ms"
                f"  p99 {stats['p99']:.2f} ms  errors {stats['errors']}  "
                f"X-Proxy-Cache {stats['cache']!r}",
                flush=True,
            )
    return results


WRK_TIMEOUT = "2s"


def run_wrk(wrk, url, threads, connections, duration, script=None):
    """wrk's figures (``parse_wrk``); with a ``script`` of ``breaking.lua_script``, also
    ``cache``: the answers counted by their ``X-Page-Cache``."""
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        f"--timeout={WRK_TIMEOUT}",
        "--latency",
        *(["-s", str(script)] if script else []),
        url,
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 30, check=True
    )
    stats = parse_wrk(result.stdout)
    if script:
        stats["cache"] = breaking.parse_cache_counts(result.stdout)
    return stats


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * _UNITS_MS[unit]


def parse_wrk(output):
    """Requests/s, p50 and p99 (ms), requests, and errors: non-2xx/3xx answers plus socket
    errors (connect, read, write, timeout)."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    total = re.search(r"(\d+) requests in", output)
    if not (rps and p50 and p99 and total):
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = (sum(map(int, socket_errors.groups())) if socket_errors else 0) + (
        int(non_2xx.group(1)) if non_2xx else 0
    )
    requests = int(total.group(1))
    timeouts = int(socket_errors.group(4)) if socket_errors else 0
    stats = {
        "rps": float(rps.group(1)),
        "p50": _ms(p50.group(1)),
        "p99": _ms(p99.group(1)),
        "requests": requests,
        "errors": errors,
    }
    # wrk's latencies leave out the requests that timed out: when they are 1 % or more of
    # them, the 99th percentile is past the timeout, unknown (infinite here, never met).
    # A load in which no request was answered (every worker stuck on the page) shows wrk's
    # empty percentiles as 0: its latency is unknown, never met.
    if not requests:
        stats["p50"] = stats["p99"] = float("inf")
    elif timeouts and timeouts * 100 >= requests + timeouts:
        stats["p99"] = float("inf")
        if timeouts * 2 >= requests + timeouts:
            stats["p50"] = float("inf")
    return stats


def machine():
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = "?"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    import django
    import gunicorn

    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
    }


def service_versions(env):
    versions = {}
    try:
        import psycopg

        connection = psycopg.connect(env["DATABASE_URL"], connect_timeout=5)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                versions["postgresql"] = cursor.fetchone()[0]
        finally:
            connection.close()
    except Exception as error:  # a report without the version is still a report
        versions["postgresql"] = f"? ({error.__class__.__name__})"
    try:
        import redis

        client = redis.Redis.from_url(env["REDIS_URL"], socket_timeout=5)
        versions["redis"] = client.info("server")["redis_version"]
        client.close()
    except Exception as error:
        versions["redis"] = f"? ({error.__class__.__name__})"
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, timeout=10)
    versions["wrk"] = (wrk.stdout or wrk.stderr).split("[")[0].replace("wrk", "").strip()
    return versions


def nginx_report(through, direct, verdict):
    """The "Through nginx" table and the ratio to nginx's own static-file rate."""
    if not through:
        return []
    lines = [
        "",
        "## Through nginx",
        "",
        "The cached run's gunicorn behind `deploy/nginx.conf` (micro-caching as the app's "
        "`Cache-Control` allows; access log off), on the same machine and with the same wrk "
        "load; `nginx static` is nginx serving the floor's 30 KB page from disk, the ceiling.",
        "",
        "| target | path | req/s | p50 ms | p99 ms | errors | X-Proxy-Cache after the load |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, stats in through.items():
        lines.append(
            f"| {name} | `{stats['path']}` | {stats['rps']:,.0f} | {stats['p50']:.2f} "
            f"| {stats['p99']:.2f} | {stats['errors']} | {stats['cache'] or '-'} |"
        )
    ceiling = through.get("nginx static", {}).get("rps", 0.0)
    lines.append("")
    if "article" in through and ceiling:
        share = through["article"]["rps"] / ceiling
        lines.append(
            f"- article through nginx / nginx static: **{share:.2f}** (target "
            f"{NGINX_TARGET:.2f}: {verdict(share >= NGINX_TARGET)})"
        )
        if direct.get("article", {}).get("rps"):
            lines.append(
                f"- article through nginx / article straight from gunicorn (cached): "
                f"{through['article']['rps'] / direct['article']['rps']:.1f}x"
            )
    return lines


def command_line(argv):
    if os.environ.get("MAKELEVEL"):
        return "make bench" + (f" ARGS={shlex.quote(' '.join(argv))}" if argv else "")
    return shlex.join([".venv/bin/python", "-m", "bench.run", *argv])


def median_run(runs, mode):
    """One run's shape (pages, memory) from several: each page's median rate and latencies,
    the errors summed, the largest Pss of any worker of any run."""
    names = list(runs[0][mode]["pages"])
    pages = {}
    for name in names:
        stats = [run[mode]["pages"][name] for run in runs]
        pages[name] = {
            "rps": statistics.median(page["rps"] for page in stats),
            "p50": statistics.median(page["p50"] for page in stats),
            "p99": statistics.median(page["p99"] for page in stats),
            "errors": sum(page["errors"] for page in stats),
            "bytes": stats[-1]["bytes"],
            "cache": stats[-1]["cache"],
        }
    return {"pages": pages}


def ratios(runs, mode, name, denominator="floor", denominator_mode=None):
    """Each run's rate of page ``name`` / the rate of ``denominator`` in the same run."""
    values = []
    for run in runs:
        below = run[denominator_mode or mode]["pages"].get(denominator, {}).get("rps", 0.0)
        page = run[mode]["pages"].get(name)
        if page is not None and below:
            values.append(page["rps"] / below)
    return values


def worst_pss(run):
    values = [mb for mb in run["rss"]["workers_pss"].values() if mb is not None]
    return max(values, default=0.0)


def p99_limit(name, articles):
    if articles >= MILLION and name in MILLION_P99_MS:
        return MILLION_P99_MS[name]
    return P99_MS.get(name, UNCACHED_P99_MS)


def evaluate(runs, articles, reference=None, news=None):
    """Every target, judged on the runs: a list of dicts with ``target`` (words),
    ``value`` (the median), ``spread`` ((min, max) over the runs, or None), ``limit`` (the
    words of the bound) and ``met``. ``reference`` is the standard run's summary
    (``read_summary``) for the scale targets; ``news`` the breaking-news run."""
    rows = []

    def row(target, values, limit, met, fmt="{:.2f}"):
        if not values:
            return
        value = statistics.median(values)
        spread = (min(values), max(values)) if len(values) > 1 else None
        rows.append(
            {
                "target": target,
                "value": fmt.format(value),
                "spread": spread and tuple(fmt.format(v) for v in spread),
                "limit": limit,
                "met": met(value),
            }
        )

    row(
        "cached article / floor",
        ratios(runs, "cached", "article"),
        f">= {CACHED_TARGET:.2f}",
        lambda v: v >= CACHED_TARGET,
    )
    for name, target in UNCACHED_TARGETS.items():
        row(
            f"uncached {name} / floor",
            ratios(runs, "uncached", name),
            f">= {target:.2f}",
            lambda v, target=target: v >= target,
        )
    for name in runs[0]["uncached"]["pages"]:
        if name in YARDSTICKS:
            continue
        limit = p99_limit(name, articles)
        row(
            f"uncached {name} p99 (ms)",
            [run["uncached"]["pages"][name]["p99"] for run in runs],
            f"< {limit}",
            lambda v, limit=limit: v < limit,
            fmt="{:.0f}",
        )
    for name, page in runs[-1]["cached"]["pages"].items():
        if name in YARDSTICKS or page.get("cache") != "hit":
            continue
        row(
            f"cached {name} / static file",
            ratios(runs, "cached", name, denominator="static"),
            f">= {STATIC_TARGET:.2f}",
            lambda v: v >= STATIC_TARGET,
        )
    row(
        "largest worker PSS (MB), every run",
        [max(worst_pss(run[mode]) for mode in run) for run in runs],
        f"<= {PSS_TARGET_MB}",
        lambda v: v <= PSS_TARGET_MB,
        fmt="{:.1f}",
    )
    # The largest of any run is what the memory bound is held to.
    if rows and rows[-1]["target"].startswith("largest worker PSS"):
        worst = max(max(worst_pss(run[mode]) for mode in run) for run in runs)
        rows[-1]["met"] = worst <= PSS_TARGET_MB
    errors = sum(
        page["errors"] for run in runs for mode in run for page in run[mode]["pages"].values()
    )
    rows.append(
        {
            "target": "errors under load, every run",
            "value": str(errors),
            "spread": None,
            "limit": "0",
            "met": errors == 0,
        }
    )
    if reference:
        for name in SCALE_PAGES:
            for mode in ("cached", "uncached"):
                base = reference.get(mode, {}).get(name)
                if not base:
                    continue
                row(
                    f"{mode} {name} / floor, share of the {reference['articles']:,}-article run's",
                    [value / base for value in ratios(runs, mode, name)],
                    f">= {SCALE_TARGET:.2f}",
                    lambda v: v >= SCALE_TARGET,
                )
    if news:
        rows.append(
            {
                "target": "breaking news: errors",
                "value": str(news["during"]["errors"]),
                "spread": None,
                "limit": "0",
                "met": news["during"]["errors"] == 0,
            }
        )
        factor = news["during"]["p99"] / news["steady"]["p99"] if news["steady"]["p99"] else 0
        rows.append(
            {
                "target": "breaking news: p99 / steady cached p99",
                "value": f"{factor:.1f}",
                "spread": None,
                "limit": f"<= {BREAKING_P99_FACTOR}",
                "met": factor <= BREAKING_P99_FACTOR,
            }
        )
        published = sum(1 for item in news["publishes"] if item["ok"])
        rows.append(
            {
                "target": "breaking news: publishes saved and live",
                "value": f"{published} of {len(news['publishes'])}",
                "spread": None,
                "limit": "all",
                "met": bool(news["publishes"]) and published == len(news["publishes"]),
            }
        )
    return rows


def summary(runs, articles):
    """What a later report compares with: each page's median ratio to the floor."""
    return {
        "articles": articles,
        **{
            mode: {
                name: round(statistics.median(ratios(runs, mode, name)), 4)
                for name in runs[0][mode]["pages"]
                if ratios(runs, mode, name)
            }
            for mode in ("cached", "uncached")
        },
    }


def read_summary(path):
    """The summary an earlier report embedded (``SUMMARY_MARK``), or None."""
    try:
        text = path.read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(SUMMARY_MARK) and line.endswith("-->"):
            try:
                return json.loads(line[len(SUMMARY_MARK) : -3])
            except ValueError:
                return None
    return None


def targets_report(rows):
    lines = [
        "| target | median | spread (min-max) | bound | |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for item in rows:
        spread = f"{item['spread'][0]}-{item['spread'][1]}" if item["spread"] else "-"
        verdict = "met" if item["met"] else "**missed**"
        lines.append(
            f"| {item['target']} | {item['value']} | {spread} | {item['limit']} | {verdict} |"
        )
    missed = [item["target"] for item in rows if not item["met"]]
    lines += [
        "",
        f"Every target met: {'yes' if not missed else 'no'}"
        + (f" (missed: {', '.join(missed)})" if missed else ""),
    ]
    return lines


def render_report(
    args,
    argv,
    env,
    uncached_probe,
    cached_probe,
    runs,
    started,
    news=None,
    backup=None,
    reference=None,
):
    medians = {mode: median_run(runs, mode) for mode in ("cached", "uncached")}
    cached, uncached = medians["cached"]["pages"], medians["uncached"]["pages"]
    queries_cached = {page["name"]: page["queries"] for page in cached_probe["pages"]}
    probed = {page["name"]: page for page in uncached_probe["pages"]}
    lines = [
        "# Load benchmark",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {uncached_probe['articles']:,} articles "
        f"({uncached_probe['published']:,} published); wrk {args.threads} threads, "
        f"{args.connections} connections, {args.duration} s per page after {args.warmup} s "
        f"of warm-up; gunicorn with {WORKERS} sync workers on 127.0.0.1; the median of "
        f"{len(runs)} runs (each: the cached pages, then the uncached ones on a new gunicorn).",
        "",
        "| page | path | KB | cached req/s | p50 ms | p99 ms | uncached req/s | p50 ms "
        "| p99 ms | queries | after a change | queries when cached | errors (cached/uncached) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: |",
    ]
    for name, hot in cached.items():
        cold = uncached[name]
        page = probed.get(name, {})
        path = page.get("path") or (static_path(env) if name == "static" else "")
        lines.append(
            f"| {name} | `{path}` | {hot['bytes'] / 1024:.1f} "
            f"| {hot['rps']:,.0f} | {hot['p50']:.2f} | {hot['p99']:.2f} "
            f"| {cold['rps']:,.0f} | {cold['p50']:.2f} | {cold['p99']:.2f} "
            f"| {page.get('queries', '-')} | {page.get('queries_first', '-')} "
            f"| {queries_cached.get(name, '-')} | {hot['errors']} / {cold['errors']} |"
        )

    def ratio(mode, name):
        values = ratios(runs, mode, name)
        return statistics.median(values) if values else 0.0

    lines += [
        "",
        "## Targets",
        "",
        "Ratios to the floor (`/bench/floor/`: a prebuilt 30 KB page through the same "
        "gunicorn and middleware) or to the static file (`static`: the site's stylesheet "
        "served by WhiteNoise in the same gunicorn), each against the yardstick of the same "
        "run; the median of the runs and their spread.",
        "",
        *targets_report(evaluate(runs, args.articles, reference, news)),
        "",
        "- every page, cached / uncached (to the floor): "
        + ", ".join(
            f"{name} {ratio('cached', name):.2f} / {ratio('uncached', name):.2f}"
            for name in cached
            if name != "floor"
        ),
    ]
    if reference:
        lines.append(
            f"- the {reference['articles']:,}-article run's (bench/results.md), cached / "
            "uncached: "
            + ", ".join(
                f"{name} {reference.get('cached', {}).get(name, 0):.2f} / "
                f"{reference.get('uncached', {}).get(name, 0):.2f}"
                for name in SCALE_PAGES
            )
        )
    lines += [
        "",
        "Memory after each run's load, per worker: proportional share (Pss) and resident "
        "(VmRSS, which counts every page shared with the master in full):",
        "",
    ]

    def megabytes(values):
        return ", ".join(f"{mb:.1f}" if mb is not None else "?" for mb in values)

    for index, run in enumerate(runs, 1):
        for mode, result in run.items():
            memory = result["rss"]
            note = (
                f"; gunicorn recycled a worker {result['recycled']} times (max_requests)"
                if result["recycled"]
                else ""
            )
            lines.append(
                f"- run {index}, {mode}: workers Pss {megabytes(memory['workers_pss'].values())}"
                f" MB (VmRSS {megabytes(memory['workers'].values())} MB); "
                f"master VmRSS {memory['master']:.1f} MB{note}"
            )
    states = ", ".join(f"{name} {page['cache'] or '-'}" for name, page in cached.items())
    lines += ["", f"`X-Page-Cache` after the last cached run's load: {states}."]
    if "search_matches" in uncached_probe:
        lines += ["", f"The search matches {uncached_probe['search_matches']:,} articles."]
    same = all(
        page["queries"] == queries_cached.get(page["name"]) for page in uncached_probe["pages"]
    )
    if same:
        lines += [
            "",
            "The query counts are the same with the page cache on and off: the cache made "
            "no difference (is the page cache installed?).",
        ]
    if news:
        lines += breaking_report(news)
    if backup:
        lines += ["", "## Backup and restore", "", f"`{backup['command']}`: {backup['result']}"]
    lines += nginx_report(
        runs[0]["cached"].get("nginx"),
        runs[0]["cached"]["pages"],
        lambda ok: "met" if ok else "**missed**",
    )
    lines += [
        "",
        "Queries: those of one anonymous request through Django's test client, the page "
        "cache off: `queries` in the steady state, `after a change` on the first request "
        "after a new content generation (what every publish or edit starts), which also "
        "reads when the next scheduled article is due, the site-wide parts (section menu, "
        "Recent Posts; `articles/site_widgets.py`) and a list page's count of its articles "
        "(shared by every page of the list). The uncached run turns off the whole-page "
        "cache only: those parts still come from Redis, read once a generation. `queries "
        "when cached`: the steady state with the page cache on.",
        "",
        "## Machine",
        "",
    ]
    facts = {**machine(), **service_versions(env)}
    lines += [
        f"- {facts['nproc']} CPUs ({facts['cpu']}), {facts['memory']} of memory, "
        f"Linux {facts['kernel']}",
        f"- Python {facts['python']}, Django {facts['django']}, gunicorn {facts['gunicorn']}, "
        f"PostgreSQL {facts['postgresql']}, Redis {facts['redis']}, wrk {facts['wrk']}",
        f"- gunicorn: `{runs[0]['cached']['command']}` (WEB_CONCURRENCY={WORKERS}; PAGE_CACHE=0 "
        "for the uncached run)",
        "",
        "## Command",
        "",
        f"`{command_line(argv)}` (whole run {time.monotonic() - started:.0f} s)",
        "",
        SUMMARY_MARK + json.dumps(summary(runs, uncached_probe["articles"])) + " -->",
        "",
    ]
    return "\n".join(lines)


def full_renders(counts):
    """The answers of the wrk script's ``X-Page-Cache`` counts that a worker rendered: all
    but the page cache's hits and stale copies (a stored render has no header, or
    ``miss``)."""
    return sum(count for state, count in counts.items() if state not in ("hit", "stale"))


def breaking_report(news):
    steady, during = news["steady"], news["during"]
    publishes = news["publishes"]
    renders = full_renders(during["cache"])
    per_publish = renders / len(publishes) if publishes else 0.0
    lines = [
        "",
        "## Breaking news",
        "",
        f"wrk rotates through {len(news['paths'])} paths (the home page, sections, the 15 "
        f"newest articles; page cache on) for {news['seconds']} s without publishing (steady), "
        f"then {news['seconds']} s while `{breaking.EDITOR_USERNAME}` (an editor, logged in "
        f"through /admin/login/) publishes a draft through the change form's Publish button "
        f"every {PUBLISH_EVERY} s.",
        "",
        "| | requests | req/s | p50 ms | p99 ms | errors | X-Page-Cache |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for label, stats in (("steady", steady), ("publishing", during)):
        states = ", ".join(f"{state} {count:,}" for state, count in sorted(stats["cache"].items()))
        lines.append(
            f"| {label} | {stats['requests']:,} | {stats['rps']:,.0f} | {stats['p50']:.2f} "
            f"| {stats['p99']:.2f} | {stats['errors']} | {states} |"
        )
    lines += [
        "",
        f"- full renders per publish (answers that were not a page-cache `hit` or `stale`: "
        f"rendered): {per_publish:.1f} ({renders} over {len(publishes)} publishes; "
        f"{full_renders(steady['cache'])} in the steady part)",
        "- publishes (POST status, its time, the article's public URL afterwards): "
        + "; ".join(
            f"{item['status']} in {item['seconds'] * 1000:.0f} ms, live {item['live']}"
            + (f" ({item['errors']})" if item.get("errors") else "")
            for item in publishes
        ),
    ]
    return lines


def breaking_run(env, wrk, args):
    """The breaking-news run (module docstring): a steady load of the 20 paths, then the same
    load while an editor publishes every PUBLISH_EVERY seconds."""
    count = max(1, args.breaking // PUBLISH_EVERY - 1)
    prepared = module_json(env, "bench.breaking", "prepare", "--count", str(count))
    log_dir = tempfile.mkdtemp(prefix="ifp-bench-")
    script = Path(log_dir) / "breaking.lua"
    script.write_text(breaking.lua_script(prepared["paths"]))
    print(f"bench: breaking news: starting gunicorn (log in {log_dir})", flush=True)
    with Gunicorn(dict(env), log_dir, "breaking") as server:
        base = server.url("")
        for path in prepared["paths"]:
            status = fetch(server.url(path))[0]
            if status != 200:
                raise RuntimeError(f"{path} answered {status}:\n{server.log_tail()}")
        if args.warmup:
            run_wrk(wrk, base + "/", args.threads, args.connections, args.warmup, script)
        steady = run_wrk(wrk, base + "/", args.threads, args.connections, args.breaking, script)
        session = breaking.AdminSession(base)
        session.login(prepared["username"], prepared["password"])
        publishes = []
        stop = threading.Event()

        def publish():
            for draft in prepared["drafts"]:
                if stop.wait(PUBLISH_EVERY):
                    return
                try:
                    result = session.publish(draft["id"])
                except OSError as error:
                    result = {"status": "-", "seconds": 0.0, "errors": str(error)}
                result["live"] = breaking.public_status(base, draft["path"])
                result["ok"] = result["status"] == 302 and result["live"] == 200
                publishes.append(result)

        publisher = threading.Thread(target=publish, name="publisher", daemon=True)
        publisher.start()
        try:
            during = run_wrk(
                wrk, base + "/", args.threads, args.connections, args.breaking, script
            )
        finally:
            stop.set()
            publisher.join(timeout=breaking.TIMEOUT * 3)
        for stats, label in ((steady, "steady"), (during, "publishing")):
            print(
                f"bench: breaking {label:10} {stats['rps']:8.0f} req/s  p50 {stats['p50']:.2f} ms"
                f"  p99 {stats['p99']:.2f} ms  errors {stats['errors']}  {stats['cache']}",
                flush=True,
            )
        print(f"bench: breaking publishes {publishes}", flush=True)
    shutil.rmtree(log_dir, ignore_errors=True)
    return {
        "paths": prepared["paths"],
        "seconds": args.breaking,
        "steady": steady,
        "during": during,
        "publishes": publishes,
    }


def backup_memory(env):
    """bench/backup_memory.py on the benchmark's own database: its peak memory, restoring
    into a scratch database next to it."""
    parts = urlsplit(env["DATABASE_URL"])
    scratch = parts._replace(path=parts.path + "_restore").geturl()
    ensure_database(scratch)
    command = [
        sys.executable,
        "-m",
        "bench.backup_memory",
        "--from-database",
        env["DATABASE_URL"],
        "--database",
        scratch,
    ]
    print(f"bench: backup and restore: {shlex.join(command)}", flush=True)
    result = subprocess.run(
        command, cwd=ROOT, env=env, timeout=3 * 3600, capture_output=True, text=True
    )
    output = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
    if result.returncode:
        output = f"failed ({result.returncode}): {result.stderr.strip()[-500:]}"
    print(f"bench: backup and restore: {output}", flush=True)
    return {
        "command": "python -m bench.backup_memory --from-database … --database …",
        "result": output,
    }


if __name__ == "__main__":
    main()
