"""The load benchmark: ``make bench``, or ``make bench ARGS=--articles=100000``.

Generates a site in PostgreSQL (``BENCH_DATABASE_URL``, default the local ``ifp_bench`` database,
created when missing), serves it with gunicorn in the production settings (DEBUG off, Redis
cache, WhiteNoise, ``gunicorn.conf.py``) with 2 sync workers, and loads the floor and five
pages with wrk on loopback: once with the whole-page cache on and once with it off
(``PAGE_CACHE=0``), restarting gunicorn between. It counts each page's queries, reads each
worker's proportional memory (Pss) after the load, prints a Markdown report and writes it to
``bench/results.md``. In the cached run it also serves the site through the shipped nginx
configuration (``deploy/nginx.conf``, micro-caching; ``bench/nginx.py``) and loads nginx's own
static-file rate, the article page and the home page through it (``--no-nginx`` skips that).

It only talks to this machine (127.0.0.1), bounds every wait and loop, and always stops the
gunicorn it started.
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
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench.nginx import STATIC_NAME as NGINX_STATIC_NAME
from bench.nginx import Nginx, find_nginx, proxy_cache_state
from bench.process import stop_gracefully, wait_until_ready

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results.md"

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ifp_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
WORKERS = 2
START_TIMEOUT = 60
STOP_TIMEOUT = 25

# The performance targets, as shares of the floor's rate in the same run.
CACHED_TARGET = 0.70
UNCACHED_TARGET = 0.10
# Each worker's proportional share of memory (Pss: a page shared with the master and the
# other worker counts by its share), after the load: what a worker really adds.
PSS_TARGET_MB = 35
NGINX_TARGET = 0.50  # article through nginx / nginx's own static-file rate


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description="Load benchmark of the IFP site.")
    parser.add_argument("--articles", type=int, default=10_000, help="site size (10,000)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per page")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
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

    # A `kill` of the run (or of make) still stops gunicorn: SystemExit runs the finally.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

    env = bench_env()
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
    step(
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

    runs = {}
    for mode, flag in (("cached", "1"), ("uncached", "0")):
        clear_cache(env)
        runs[mode] = load_mode(
            mode, {**env, "PAGE_CACHE": flag}, pages, wrk, args, nginx if flag == "1" else None
        )

    report = render_report(args, argv, env, uncached_probe, cached_probe, runs, started)
    RESULTS.write_text(report)
    print()
    print(report)
    print(f"Written to {RESULTS.relative_to(ROOT)}")


def bench_env():
    env = dict(os.environ)
    # Its own variables, so that a shell's DATABASE_URL (a development database) is never
    # filled with the benchmark's fake articles.
    env["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
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
    print(f"bench: {title} took {time.monotonic() - began:.1f} s", flush=True)


def probe(env):
    """The pages to load and their query counts (bench/probe.py, in a subprocess)."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.probe"],
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


def run_wrk(wrk, url, threads, connections, duration):
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        f"--timeout={WRK_TIMEOUT}",
        "--latency",
        url,
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 30, check=True
    )
    return parse_wrk(result.stdout)


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
    return {
        "rps": float(rps.group(1)),
        "p50": _ms(p50.group(1)),
        "p99": _ms(p99.group(1)),
        "requests": int(total.group(1)),
        "errors": errors,
    }


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


def render_report(args, argv, env, uncached_probe, cached_probe, runs, started):
    cached, uncached = runs["cached"]["pages"], runs["uncached"]["pages"]
    queries_cached = {page["name"]: page["queries"] for page in cached_probe["pages"]}
    lines = [
        "# Load benchmark",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {uncached_probe['articles']:,} articles "
        f"({uncached_probe['published']:,} published); wrk {args.threads} threads, "
        f"{args.connections} connections, {args.duration} s per page after {args.warmup} s "
        f"of warm-up; gunicorn with {WORKERS} sync workers on 127.0.0.1.",
        "",
        "| page | path | KB | cached req/s | p50 ms | p99 ms | uncached req/s | p50 ms "
        "| p99 ms | queries | after a change | queries when cached | errors (cached/uncached) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: |",
    ]
    for page in uncached_probe["pages"]:
        name = page["name"]
        hot, cold = cached[name], uncached[name]
        lines.append(
            f"| {name} | `{page['path']}` | {hot['bytes'] / 1024:.1f} "
            f"| {hot['rps']:,.0f} | {hot['p50']:.2f} | {hot['p99']:.2f} "
            f"| {cold['rps']:,.0f} | {cold['p50']:.2f} | {cold['p99']:.2f} "
            f"| {page['queries']} | {page['queries_first']} | {queries_cached.get(name, '?')} "
            f"| {hot['errors']} / {cold['errors']} |"
        )

    def ratio(run, name):
        floor = run["floor"]["rps"]
        return run[name]["rps"] / floor if floor else 0.0

    cached_ratio, uncached_ratio = ratio(cached, "article"), ratio(uncached, "article")
    worst_pss = max(
        (
            mb
            for run in runs.values()
            for mb in run["rss"]["workers_pss"].values()
            if mb is not None
        ),
        default=0.0,
    )
    errors = sum(page["errors"] for run in runs.values() for page in run["pages"].values())

    def verdict(ok):
        return "met" if ok else "**missed**"

    lines += [
        "",
        "Ratios to the floor (each against the floor of the same gunicorn run):",
        "",
        f"- cached article / floor: **{cached_ratio:.2f}** (target {CACHED_TARGET:.2f}: "
        f"{verdict(cached_ratio >= CACHED_TARGET)})",
        f"- uncached article / floor: **{uncached_ratio:.2f}** (target {UNCACHED_TARGET:.2f}: "
        f"{verdict(uncached_ratio >= UNCACHED_TARGET)})",
        "- every page, cached / uncached: "
        + ", ".join(
            f"{name} {ratio(cached, name):.2f} / {ratio(uncached, name):.2f}"
            for name in cached
            if name != "floor"
        ),
        f"- errors under load: {errors} (target 0: {verdict(errors == 0)})",
        f"- largest worker PSS: {worst_pss:.1f} MB (target at most {PSS_TARGET_MB} MB: "
        f"{verdict(worst_pss <= PSS_TARGET_MB)})",
        "",
        "Memory after each run's load, per worker: proportional share (Pss) and resident "
        "(VmRSS, which counts every page shared with the master in full):",
        "",
    ]

    def megabytes(values):
        return ", ".join(f"{mb:.1f}" if mb is not None else "?" for mb in values)

    for mode, run in runs.items():
        memory = run["rss"]
        note = (
            f"; gunicorn recycled a worker {run['recycled']} times during the run (max_requests)"
            if run["recycled"]
            else ""
        )
        lines.append(
            f"- {mode}: workers Pss {megabytes(memory['workers_pss'].values())} MB "
            f"(VmRSS {megabytes(memory['workers'].values())} MB); "
            f"master VmRSS {memory['master']:.1f} MB{note}"
        )
    states = ", ".join(f"{name} {page['cache'] or '-'}" for name, page in cached.items())
    lines += ["", f"`X-Page-Cache` after the cached run's load: {states}."]
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
    lines += nginx_report(runs["cached"].get("nginx"), cached, verdict)
    lines += [
        "",
        "Queries: those of one anonymous request through Django's test client, the page "
        "cache off: `queries` in the steady state, `after a change` on the first request "
        "after a new content generation (what every publish or edit starts), which also "
        "reads when the next scheduled article is due and the site-wide parts (section menu, "
        "Recent Posts; `articles/site_widgets.py`). The uncached run turns off the whole-page "
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
        f"- gunicorn: `{runs['cached']['command']}` (WEB_CONCURRENCY={WORKERS}; PAGE_CACHE=0 "
        "for the uncached run)",
        "",
        "## Command",
        "",
        f"`{command_line(argv)}` (whole run {time.monotonic() - started:.0f} s)",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
