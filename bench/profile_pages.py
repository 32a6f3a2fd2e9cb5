"""Where an uncached list page's time goes, in one process: ``python -m bench.profile_pages``.

Requests the benchmark's pages (``bench.probe.choose_pages``: the newest article, home,
the biggest section, the commonest tag, search, the feeds and sitemaps) through Django's
test client, with the whole-page cache off
(``PAGE_CACHE=0``) and the shared cache on (the site-wide parts read from Redis, as after
a publish in production). Each page is requested a few times to warm up, then ``--requests``
times measured. Prints one JSON object: milliseconds a request, queries a request and
bytes of each page; with ``--profile``, cProfile's top entries of those requests too.
With ``--after-change``, the content generation is moved before each request (its time
left out): what the first request after a publish costs, the sitemap index's and the news
sitemap's reads included (kept otherwise, once a generation).

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
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(root):
    from bench.run import bench_env

    # The benchmark's own environment (its database and Redis, production settings), with
    # the whole-page cache off: what every page costs after a publish.
    os.environ.update(bench_env(10_000), PAGE_CACHE="0")
    sys.path.insert(0, str(root))
    os.chdir(root)
    import django

    django.setup()


def choose_pages():
    """The benchmark's own pages (``bench.probe``), but the floor."""
    from bench.probe import choose_pages as benchmark_pages

    return [(name, path) for name, path in benchmark_pages() if name != "floor"]


def measure(path, requests, profile, after_change=False):
    from django.db import connection
    from django.test import Client

    from articles import page_cache

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
    elapsed = 0.0
    for _ in range(requests):
        if after_change:
            page_cache.bump()
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        client.get(path)
        if profiler:
            profiler.disable()
        elapsed += time.perf_counter() - started
    # Python's work, counted rather than timed (the same on a busy machine): the function
    # calls of one more request.
    counter = cProfile.Profile()
    counter.runcall(client.get, path)
    result = {
        "path": path,
        "ms": round(elapsed * 1000 / requests, 2),
        "queries": len(queries),
        "query_ms": [ms for ms, _sql in queries],
        "bytes": len(response.content),
        "calls": pstats.Stats(counter).total_calls,
    }
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
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
    parser.add_argument(
        "--compare",
        metavar="OTHER_ROOT",
        help="run this checkout and OTHER_ROOT's code in turn, --rounds times each, and "
        "print the median ms of each page and their ratio",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--after-change",
        action="store_true",
        help="move the content generation before each measured request",
    )
    args = parser.parse_args(argv)
    if args.compare:
        return compare(args)
    setup(Path(args.root).resolve())
    pages = choose_pages()
    if args.only:
        pages = [page for page in pages if page[0] in args.only.split(",")]
    result = {
        name: measure(path, args.requests, args.profile, args.after_change) for name, path in pages
    }
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")


def compare(args):
    """Both checkouts measured in alternation, each round in a fresh process."""
    roots = {"before": Path(args.compare).resolve(), "after": Path(args.root).resolve()}
    runs = {name: [] for name in roots}
    for _ in range(args.rounds):
        for name, root in roots.items():
            command = [sys.executable, "-m", "bench.profile_pages", "--root", str(root)]
            command += ["--requests", str(args.requests)]
            if args.only:
                command += ["--only", args.only]
            if args.after_change:
                command.append("--after-change")
            output = subprocess.run(
                command, cwd=ROOT, check=True, capture_output=True, text=True
            ).stdout
            runs[name].append(json.loads(output))
    print(
        "| page | before ms | after ms | before/after | calls before → after "
        "| queries before → after | bytes |"
    )
    print("|---|---:|---:|---:|---|---|---:|")
    for page in runs["after"][0]:
        before = statistics.median(run[page]["ms"] for run in runs["before"])
        after = statistics.median(run[page]["ms"] for run in runs["after"])
        first = runs["before"][0][page], runs["after"][0][page]
        queries = f"{first[0]['queries']} → {first[1]['queries']}"
        calls = f"{first[0]['calls']:,} → {first[1]['calls']:,}"
        print(
            f"| {page} | {before:.1f} | {after:.1f} | {before / after:.2f} | {calls} | {queries} "
            f"| {runs['after'][0][page]['bytes']} |"
        )


if __name__ == "__main__":
    main()
