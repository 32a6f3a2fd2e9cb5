"""Where an uncached list page's time goes, in one process: ``python -m bench.profile_pages``.

Requests the home page, the biggest section, the commonest tag and the RSS feed of the
benchmark's site through Django's test client, with the whole-page cache off
(``PAGE_CACHE=0``) and the shared cache on (the site-wide parts read from Redis, as after
a publish in production). Each page is requested a few times to warm up, then ``--requests``
times measured. Prints one JSON object: milliseconds a request, queries a request and
bytes of each page; with ``--profile``, cProfile's top entries of those requests too.

Runs against ``BENCH_DATABASE_URL`` and ``BENCH_REDIS_URL`` (``bench/run.py``'s defaults),
in the environment ``bench/run.py`` gives gunicorn. Compare two versions of the code by
running both in one sitting (``--root`` names the other checkout): the machine is shared,
so only ratios within one run mean anything.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(root):
    from bench.run import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL

    os.environ.update(
        DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        DJANGO_SETTINGS_MODULE="ifp.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-only-throwaway-key-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL="http://127.0.0.1",
        DJANGO_HTTPS="0",
        IFP_BENCH="1",
        PAGE_CACHE="0",
    )
    sys.path.insert(0, str(root))
    os.chdir(root)
    import django

    django.setup()


def choose_pages():
    from django.db.models import Count
    from django.urls import reverse
    from taggit.models import Tag

    from articles.models import Section, public_q

    section = (
        Section.objects.annotate(live=Count("articles", filter=public_q("articles__")))
        .order_by("-live", "position")
        .first()
    )
    tag = Tag.objects.annotate(n=Count("taggit_taggeditem_items")).order_by("-n").first()
    return [
        ("home", reverse("articles:home")),
        ("section", section.get_absolute_url()),
        ("tag", reverse("articles:tag", kwargs={"slug": tag.slug})),
        ("feed", reverse("feed")),
    ]


def measure(path, requests, profile):
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    for _ in range(3):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    queries = []

    def timed(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append((round((time.perf_counter() - began) * 1000, 2), sql[:300]))

    with connection.execute_wrapper(timed):
        client.get(path)
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    for _ in range(requests):
        client.get(path)
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    result = {
        "path": path,
        "ms": round(elapsed * 1000 / requests, 2),
        "queries": len(queries),
        "query_ms": [ms for ms, _sql in queries],
        "bytes": len(response.content),
    }
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        result["calls"] = stats.total_calls // requests
        stats.sort_stats("tottime").print_stats(15)
        out.write("\n")
        stats.sort_stats("cumulative").print_stats(30)
        result["profile"] = out.getvalue()
        result["sql"] = [sql for _ms, sql in queries]
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--root", default=str(ROOT), help="the checkout whose code to run")
    parser.add_argument("--only", help="comma-separated page names")
    args = parser.parse_args(argv)
    setup(Path(args.root).resolve())
    pages = choose_pages()
    if args.only:
        pages = [page for page in pages if page[0] in args.only.split(",")]
    result = {name: measure(path, args.requests, args.profile) for name, path in pages}
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
