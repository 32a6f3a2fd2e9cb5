"""gunicorn's production settings: `gunicorn ifp.wsgi -c gunicorn.conf.py`.

Each value can be set from the environment; the defaults fit one small app host."""

import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers: pages are short CPU work between a few fast queries or a cache hit.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# The app is loaded once and its memory shared by the workers (copy on write).
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then, so that no slow leak can grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = 5000
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
# Share-link tokens are cut to their first characters in the access log (ifp.logs).
logger_class = "ifp.logs.AccessLogger"
errorlog = "-"
# Behind nginx or a CDN on the same host or network: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Memory: each worker's proportional share (PSS) stays under 35 MB with these hooks, 52 MB
# without (bench/memory.py; docs/decisions/worker-memory.md). glibc keeps the memory Python
# frees for itself; handing it back to the system after the fork and every TRIM_EVERY
# requests keeps each worker near its working set.
TRIM_EVERY = int(os.environ.get("GUNICORN_TRIM_EVERY", "250"))
# Every request leaves reference cycles behind (Django's request and model objects), which
# only the garbage collector frees; in a busy worker they outlive the request long enough
# to reach the oldest generation, rarely collected, and the garbage piles up to several MB.
# A full collection every COLLECT_EVERY requests bounds it (measured on a mixed uncached
# load: a worker grows 4 MB instead of 8) for about 0.05 ms a request.
COLLECT_EVERY = int(os.environ.get("GUNICORN_COLLECT_EVERY", "10"))


def _load_malloc_trim():
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to trim
        return None


_malloc_trim = _load_malloc_trim()
_served = 0


def when_ready(server):
    # The app is loaded (preload_app); load what its first requests would, once, here.
    from ifp.wsgi import serve_first_requests, warm_up

    warm_up()
    serve_first_requests()


def pre_fork(server, worker):
    # What the master holds now, workers share; freezing it keeps the garbage collector
    # from writing to (and so copying) every shared object in every worker.
    gc.collect()
    gc.freeze()
    if _malloc_trim is not None:
        _malloc_trim(0)


def post_fork(server, worker):
    if _malloc_trim is not None:
        _malloc_trim(0)


def post_request(worker, req, environ, resp):
    global _served
    _served += 1
    if COLLECT_EVERY and _served % COLLECT_EVERY == 0:
        gc.collect()
    if _malloc_trim is not None and TRIM_EVERY and _served % TRIM_EVERY == 0:
        _malloc_trim(0)
