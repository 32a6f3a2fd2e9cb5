"""The benchmark's arithmetic and verdicts (bench/run.py): medians of the runs, the spread
of the ratios, every target judged, wrk's output read, the reports' names."""

import pytest

from bench import run

WRK_OUTPUT = """Running 2s test @ http://127.0.0.1:8000/
  2 threads and 16 connections
  Latency Distribution
     50%   10.00ms
     75%   12.00ms
     90%   14.00ms
     99%   20.00ms
  {requests} requests in 2.00s, 1.00MB read
{errors}Requests/sec:   {rps}
Transfer/sec:      1.00MB
"""


def wrk(requests=1000, rps="500.00", errors=""):
    return WRK_OUTPUT.format(requests=requests, rps=rps, errors=errors)


def page(rps, p99=10.0, errors=0, cache="hit"):
    return {
        "rps": rps,
        "p50": p99 / 2,
        "p99": p99,
        "errors": errors,
        "bytes": 1024,
        "cache": cache,
    }


def one_run(floor, static, pages, uncached, pss=30.0):
    """A run's shape: ``pages`` and ``uncached`` map page names to cached and uncached rates."""
    memory = {"master": 60.0, "workers": {1: 60.0}, "workers_pss": {1: pss, 2: pss - 1}}
    return {
        "cached": {
            "pages": {
                "floor": page(floor, cache=""),
                "static": page(static, cache=""),
                **{name: page(rps) for name, rps in pages.items()},
            },
            "rss": memory,
            "recycled": 0,
        },
        "uncached": {
            "pages": {
                "floor": page(floor, cache=""),
                "static": page(static, cache=""),
                **{name: page(rps, p99=100.0, cache="") for name, rps in uncached.items()},
            },
            "rss": memory,
            "recycled": 0,
        },
    }


ALL_MET = {"article": 200, "home": 150, "section": 150, "tag": 150, "feed": 150, "search": 80}


def verdicts(rows):
    return {row["target"]: row["met"] for row in rows}


def test_every_target_met_when_every_page_is_fast_enough():
    runs = [one_run(1000, 1000, {"article": 900}, ALL_MET) for _ in range(3)]
    rows = run.evaluate(runs, 10_000)
    assert all(row["met"] for row in rows), [row for row in rows if not row["met"]]


def test_the_median_decides_and_the_spread_is_reported():
    # One slow run of three: the median is still met, the spread shows the slow one.
    slow = dict(ALL_MET, article=100)
    runs = [
        one_run(1000, 1000, {"article": 900}, uncached) for uncached in (ALL_MET, slow, ALL_MET)
    ]
    article = next(
        row for row in run.evaluate(runs, 10_000) if row["target"] == "uncached article / floor"
    )
    assert article["met"]
    assert article["value"] == "0.20"
    assert article["spread"] == ("0.10", "0.20")

    runs[2] = one_run(1000, 1000, {"article": 900}, slow)
    article = next(
        row for row in run.evaluate(runs, 10_000) if row["target"] == "uncached article / floor"
    )
    assert not article["met"]


@pytest.mark.parametrize(
    ("name", "rps", "target"),
    [
        ("article", 149, "uncached article / floor"),
        ("home", 99, "uncached home / floor"),
        ("tag", 99, "uncached tag / floor"),
        ("search", 49, "uncached search / floor"),
    ],
)
def test_each_uncached_target_has_its_own_bound(name, rps, target):
    runs = [one_run(1000, 1000, {"article": 900}, dict(ALL_MET, **{name: rps}))]
    assert verdicts(run.evaluate(runs, 10_000))[target] is False


def test_a_cached_hit_is_held_to_the_static_file():
    runs = [one_run(1000, 1100, {"article": 900}, ALL_MET)]
    result = verdicts(run.evaluate(runs, 10_000))
    assert result["cached article / static file"] is False  # 0.82 of the static rate
    runs = [one_run(1000, 1000, {"article": 900}, ALL_MET)]
    assert verdicts(run.evaluate(runs, 10_000))["cached article / static file"] is True


def test_memory_is_judged_on_the_worst_worker_of_any_run():
    runs = [one_run(1000, 1000, {"article": 900}, ALL_MET, pss=pss) for pss in (30, 36, 30)]
    assert verdicts(run.evaluate(runs, 10_000))["largest worker PSS (MB), every run"] is False


def test_p99_bounds_and_the_millions_search_bound():
    runs = [one_run(1000, 1000, {"article": 900}, ALL_MET)]
    for name in ("search", "article"):
        runs[0]["uncached"]["pages"][name]["p99"] = 280.0
    standard = verdicts(run.evaluate(runs, 10_000))
    million = verdicts(run.evaluate(runs, 1_000_000))
    assert standard["uncached search p99 (ms)"] is False
    assert million["uncached search p99 (ms)"] is True
    assert million["uncached article p99 (ms)"] is False


def test_the_million_is_compared_with_the_standard_runs_summary(tmp_path):
    standard = [one_run(1000, 1000, {"article": 900, "home": 900}, ALL_MET)]
    report = tmp_path / "results.md"
    report.write_text(
        "# Load benchmark\n\n"
        + run.SUMMARY_MARK
        + run.json.dumps(run.summary(standard, 10_000))
        + " -->\n"
    )
    reference = run.read_summary(report)
    assert reference["uncached"]["article"] == 0.2

    slower = [one_run(1000, 1000, {"article": 900, "home": 900}, dict(ALL_MET, article=170))]
    result = verdicts(run.evaluate(slower, 1_000_000, reference))
    assert result["uncached article / floor, share of the 10,000-article run's"] is False
    assert result["uncached home / floor, share of the 10,000-article run's"] is True


def test_a_report_without_a_summary_gives_no_reference(tmp_path):
    report = tmp_path / "results.md"
    report.write_text("# Load benchmark\n\n| page |\n")
    assert run.read_summary(report) is None
    assert run.read_summary(tmp_path / "missing.md") is None


def test_the_breaking_news_verdicts():
    runs = [one_run(1000, 1000, {"article": 900}, ALL_MET)]
    news = {
        "steady": {"p99": 10.0, "errors": 0},
        "during": {"p99": 31.0, "errors": 0},
        "publishes": [{"ok": True}, {"ok": False}],
    }
    result = verdicts(run.evaluate(runs, 10_000, news=news))
    assert result["breaking news: errors"] is True
    assert result["breaking news: p99 / steady cached p99"] is False
    assert result["breaking news: publishes saved and live"] is False


def test_full_renders_are_the_answers_that_were_not_hits():
    assert run.full_renders({"hit": 100, "stale": 4, "none": 3, "miss": 2}) == 5


def test_wrk_output_is_read():
    stats = run.parse_wrk(wrk(errors="  Non-2xx or 3xx responses: 3\n"))
    assert stats == {"rps": 500.0, "p50": 10.0, "p99": 20.0, "requests": 1000, "errors": 3}


def test_a_p99_hidden_by_timeouts_is_never_met():
    timeouts = "  Socket errors: connect 0, read 0, write 0, timeout 20\n"
    stats = run.parse_wrk(wrk(requests=100, errors=timeouts))
    assert stats["p99"] == float("inf")
    assert stats["errors"] == 20


def test_a_page_that_answered_nothing_is_never_met():
    stats = run.parse_wrk(wrk(requests=0))
    assert stats["p50"] == stats["p99"] == float("inf")


def test_each_size_has_its_report():
    assert run.results_path(10_000) == run.RESULTS
    assert run.results_path(1_000_000).name == "results-1m.md"
    assert run.results_path(100_000).name == "results-100k.md"


def test_the_million_has_its_own_database(monkeypatch):
    monkeypatch.delenv("BENCH_DATABASE_URL", raising=False)
    assert run.bench_env(1_000_000)["DATABASE_URL"].endswith("/ifp_bench_1m")
    assert run.bench_env(10_000)["DATABASE_URL"].endswith("/ifp_bench")
    monkeypatch.setenv("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/other")
    assert run.bench_env(1_000_000)["DATABASE_URL"].endswith("/other")
