"""What a page cache hit costs against a static file, in one process: ``python -m bench.hit_cost``.

Builds a throwaway site (SQLite in a temporary folder, a few articles from
``bench.generate``, the static files collected as WhiteNoise serves them) that uses the
shared cache at ``REDIS_URL`` (default ``redis://127.0.0.1:6379/9``, the benchmark's) under
a key prefix of its own, whose keys it deletes when it ends (never the whole database). It
fills the page cache with one request per page, then sends ``--requests`` requests for each
page straight to Django's WSGI handler (no server, no socket: what gunicorn's worker
calls), reading and closing each response as a server does. For each page it prints the
time of a request, wall and CPU (the best of ``--rounds`` rounds), and the Python function
calls it makes (cProfile), and the share of a static file's rate that the page reaches in
process (static time / page time). Only the shared cache's round trip leaves the process.
Timings vary with the load of the machine; the call counts do not. ``HIT_COST_PROFILE=1``
prints each page's profile.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC_FILE = "/static/css/site.css"


def setup(workdir):
    os.environ.update(
        DJANGO_SETTINGS_MODULE="ifp.settings",
        DJANGO_SECRET_KEY="bench-only-throwaway-key-" + "0123456789abcdef" * 3,
        DATABASE_URL=f"sqlite:///{workdir}/bench.sqlite3",
        DJANGO_MEDIA_ROOT=f"{workdir}/media",
        DJANGO_STATIC_ROOT=f"{workdir}/static",
        PAGE_CACHE="1",
        SITE_URL="http://testserver",
        DJANGO_HTTPS="0",
        DJANGO_ALLOWED_HOSTS="testserver",
        IFP_BENCH="1",
    )
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
    os.environ["CACHE_KEY_PREFIX"] = f"hit-cost-{os.getpid()}-{time.time_ns()}"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    from bench.generate import generate

    generate(articles=40, out=io.StringIO())


def environ(path, **extra):
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "HTTP_ACCEPT_ENCODING": "gzip, deflate, br",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        **extra,
    }


def serve(application, path):
    """One request as gunicorn's sync worker makes it: the status, the headers and the body."""
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, headers

    response = application(environ(path), start_response)
    try:
        body = b"".join(response)
    finally:
        response.close()
    return answer["status"], dict(answer["headers"]), body


def measure(application, pages, requests, rounds):
    """``{name: (seconds, CPU seconds, function calls)}`` a request of each page: the best
    of ``rounds`` rounds of ``requests`` requests, the pages taking turns within a round so
    that each meets the same load of the machine."""
    best = {name: (float("inf"), float("inf")) for name, _ in pages}
    for _ in range(rounds):
        for name, path in pages:
            started, started_cpu = time.perf_counter(), time.process_time()
            for _ in range(requests):
                serve(application, path)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - started_cpu
            best[name] = (min(best[name][0], elapsed), min(best[name][1], cpu))
    results = {}
    for name, path in pages:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(requests):
            serve(application, path)
        profile.disable()
        stats = pstats.Stats(profile)
        if os.environ.get("HIT_COST_PROFILE"):
            print(name)
            stats.sort_stats("tottime").print_stats(25)
        seconds, cpu = best[name]
        results[name] = (seconds / requests, cpu / requests, stats.total_calls / requests)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ifp-hit-cost-") as workdir:
        setup(workdir)
        from django.core.cache import cache
        from django.core.wsgi import get_wsgi_application

        from articles.models import Article, Section

        application = get_wsgi_application()
        article = Article.objects.published().order_by("-published_at").first()
        pages = [
            ("static file", STATIC_FILE),
            ("floor", "/bench/floor/"),
            ("article hit", article.get_absolute_url()),
            ("home hit", "/"),
            ("section hit", Section.objects.first().get_absolute_url()),
            ("feed hit", "/feed/"),
        ]
        for _, path in pages:
            serve(application, path)  # the first request fills the page cache
        results = measure(application, pages, args.requests, args.rounds)
        for name, path in pages:
            status, headers, body = serve(application, path)
            assert status.startswith("200"), (name, status)
            seconds, cpu, calls = results[name]
            print(
                f"{name:12} {path[:40]:40} {headers.get('X-Page-Cache', '-'):5} {len(body):6d} B "
                f"{seconds * 1e6:7.1f} µs (CPU {cpu * 1e6:7.1f} µs) {calls:6.0f} calls"
            )
        static, static_cpu, _ = results["static file"]
        for name, (seconds, cpu, _) in results.items():
            if name != "static file":
                print(
                    f"{name} / static file (rate, in process): {static / seconds:.2f} "
                    f"(CPU: {static_cpu / cpu:.2f})"
                )
        client = cache._cache.get_client(write=True)
        for key in client.scan_iter(match=f"{os.environ['CACHE_KEY_PREFIX']}:*"):
            client.delete(key)


if __name__ == "__main__":
    main()
