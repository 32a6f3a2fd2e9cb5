"""The whole-page cache for readers (DESIGN.md, "Pages and caching" and "Failure").

Anonymous GET responses are cached whole, keyed by path, the query parameters that select
content and the site-wide content generation: a number that every publish, unpublish or
edit of published content (and of sections, authors, tags, corrections and redirects)
increments, so no page outlives the content it shows. The number lives where every process
sees it: in the database always, and in the shared cache when ``REDIS_URL`` is set (read
there on every request, checked against the database every ``GENERATION_CHECK_SECONDS``).
A worker may send a page it holds without asking, for a second at most, and only while
Redis, which tells it of every change to the number as it happens, has told it of none
(``HeldPages``).

Scheduled articles need no cron: the generation remembers when the next scheduled
article goes out, and the first request after that moment moves to a new generation.
After a change, a hot page is rendered by one worker; the others serve the previous copy
meanwhile (single flight, a short lock in the shared cache). And no more than
``PAGE_RENDERERS`` workers of a host render pages that have a previous copy at once (render
slots, also in the shared cache): after a publish every hot page is stale at the same
moment, and without the slots every worker rendered one while every other request
waited behind them; with them, the host's other workers go on answering from the cache.

Fail open: this module is the one place where reader pages and the site-wide widgets talk
to the shared cache (``guarded``). When it is down or hung (short timeouts, settings
``REDIS_TIMEOUT``), a warning is logged, the page is rendered from the database and served
with a ``Cache-Control`` that no CDN keeps long, and the process leaves the cache alone for
``RETRY_SECONDS``. A change made meanwhile moves the generation in the database; the cache
is moved too as soon as it answers again, and within ``GENERATION_CHECK_SECONDS`` on
every host in any case, so no host serves a stale page past its own expiry.
"""

import hashlib
import logging
import math
import os
import socket
import threading
import time
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode

import django
from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, transaction
from django.db.models import F, Min
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import parse_http_date_safe, quote_etag
from redis.exceptions import RedisError, ResponseError

from articles.models import Alert, Article, ContentGeneration

logger = logging.getLogger(__name__)

GENERATION_KEY = "content-generation"
# Present while the shared cache's generation is known to match the database's. Its name
# does not begin with GENERATION_KEY's: the generation's watch (``GenerationWatch``) hears
# of every key that does.
CHECKED_KEY = "checked-content-generation"
GENERATION_CHECK_SECONDS = 10
LOCK_SECONDS = 10
# Render slots are a host's own: its workers share its processors.
HOST = socket.gethostname()
# The Cache-Control of a response made of the previous content generation's copy while
# another process makes the current one (a stale page, a sitemap read before the change):
# sent, kept by nobody (the page cache, nginx, a CDN, a browser without asking again).
PREVIOUS_CACHE_CONTROL = "no-cache"
# Browsers keep a page a minute; a CDN five, and may serve it stale while it refreshes.
BROWSER_SECONDS = 60
STALE_SECONDS = 600
# A page rendered while the shared cache is down: nobody keeps it longer than this.
UNCACHED_SECONDS = 10
# After a failure, the shared cache is left alone this long before it is tried again.
RETRY_SECONDS = 5
# A missing page: kept briefly, since a crawler can ask for any number of them.
NOT_FOUND_SECONDS = 60
# /live/: polled every few seconds, kept by nginx and the CDN only that long (live.views).
SKIPPED_PREFIXES = (
    "/admin/",
    "/preview/",
    "/healthz",
    "/static/",
    "/media/",
    "/bench/",
    "/live/",
)
STORED_STATUSES = {200, 301, 404}
# Headers of one request, never of its page: its id (ifp.middleware.RequestIdMiddleware,
# which wraps this cache), the server's date, a shared cache's age. A page's entry keeps
# every other header it was sent with (security headers, CSP, ETag, Vary, Content-Length…).
PER_REQUEST_HEADERS = frozenset({"x-request-id", "date", "age", "x-page-cache"})
# What the middleware listed before Django's ConditionalGetMiddleware in settings.MIDDLEWARE
# adds to every response, a 304 included, in the order it does so (the clickjacking header,
# django-csp's, then SecurityMiddleware's): a 304 or 412 this cache answers carries them as
# the page did, since it answers before they run.
OUTER_HEADERS = (
    "X-Frame-Options",
    "Content-Security-Policy",
    "Content-Security-Policy-Report-Only",
    "Strict-Transport-Security",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
)
HSTS = "Strict-Transport-Security"
# The request headers that make a GET conditional (RFC 9110 section 13).
CONDITIONS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)
# Query parameters that only say where a reader came from (campaigns, ads, newsletters):
# they never change a page, so they are not part of its key (deploy/nginx.conf keys its
# own cache on the parameters that select content only).
TRACKING_PARAMETERS = frozenset(
    {"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid"}
    | {"_ga", "_gl", "mc_cid", "mc_eid", "ref", "ref_src", "s_cid", "mkt_tok"}
)
TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "_hs")

# What a shared cache that is down or hung raises (redis-py: connection refused, timeouts).
CACHE_ERRORS = (RedisError, OSError)


def shape_key(*types):
    """A short digest of where ``types`` live and what fields they have: part of the key of
    every cached entry made of them. A deploy that moves, renames or reshapes an entry's
    type reads under new keys, so it never meets (or fails to unpickle) what the previous
    code left in the shared cache: those entries are misses and expire on their own."""
    described = ";".join(
        f"{kind.__module__}.{kind.__qualname__}({','.join(kind._fields)})" for kind in types
    )
    return hashlib.sha256(described.encode()).hexdigest()[:8]


def _code_digest():
    root = Path(__file__).resolve().parent.parent
    found = []
    for app in ("articles", "channels", "core", "ifp", "images", "live", "staff"):
        found += [path for path in (root / app).rglob("*.py") if "migrations" not in path.parts]
    found += [*(root / "templates").rglob("*.html"), *(root / "locale").rglob("*.mo")]
    digest = hashlib.blake2b(django.get_version().encode(), digest_size=8)
    for path in sorted(found):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


# The code, templates and translations of this deploy (with Django's version): part of the
# key of every kept rendering (article stories, cards, feed items), which is the same HTML
# only as long as they are. A deploy that changes any of them (a moved route, a reworded
# template, a corrected translation) reads under new keys. About 150 files, read once a
# process (in the gunicorn master before the fork): 10 ms.
CODE_DIGEST = _code_digest()


def entry_or_miss(value, kind):
    """``value`` if it is a ``kind`` (an entry this code wrote); anything else, such as an
    entry of an earlier deploy's shape, is None: a miss, never an error."""
    return value if isinstance(value, kind) else None


def shared_generation():
    return bool(settings.REDIS_URL)


def guarded(operation, *args, default=None, **kwargs):
    """``cache.operation(*args, **kwargs)``, or ``default`` when the shared cache fails
    (logged) or failed less than ``RETRY_SECONDS`` ago (not tried: a hung cache must not
    cost every request its timeout)."""
    backend = _backend()
    if getattr(backend, "ifp_down_until", 0) > time.monotonic():
        return default
    try:
        return getattr(backend, operation)(*args, **kwargs)
    except CACHE_ERRORS as error:
        backend.ifp_down_until = time.monotonic() + RETRY_SECONDS
        logger.warning("shared cache unavailable (%s: %s); serving without it", operation, error)
        return default


def _backend():
    return caches["default"]


def cache_is_down():
    """Whether the shared cache failed less than ``RETRY_SECONDS`` ago."""
    return getattr(_backend(), "ifp_down_until", 0) > time.monotonic()


def database_generation():
    return ContentGeneration.objects.values_list("number", flat=True).filter(pk=1).first() or 0


def _database_bump(at_least=0):
    updated = ContentGeneration.objects.filter(pk=1).update(number=F("number") + 1)
    if not updated:
        ContentGeneration.objects.get_or_create(pk=1, defaults={"number": 1})
    number = database_generation()
    if number < at_least:
        # The database was behind the shared cache (a restored backup): never go back to a
        # number that pages may already be cached under.
        ContentGeneration.objects.filter(pk=1).update(number=at_least)
        number = at_least
    return number


def current_generation():
    """The content generation that pages are cached under now."""
    if shared_generation():
        values = guarded("get_many", [GENERATION_KEY, CHECKED_KEY], default=None)
        return _shared_generation(values)
    return database_generation()


def request_generation(request):
    """The content generation ``request`` is served under: the one the page cache read
    for it (``PageCacheMiddleware``), else the current one, read now."""
    generation = getattr(request, "content_generation", None)
    return current_generation() if generation is None else generation


def _shared_generation(values):
    """The generation from ``values`` (what the shared cache holds, None if it did not
    answer), checked against the database when the check is due or a change could not
    reach the cache; the database's alone when the cache is down."""
    if values is None:
        return database_generation()
    cached = values.get(GENERATION_KEY)
    backend = _backend()
    due = getattr(backend, "ifp_unsent", False) or cached is None
    if not due and CHECKED_KEY not in values:
        # One process a period checks; the others go on with the cached number.
        due = guarded("add", CHECKED_KEY, 1, timeout=GENERATION_CHECK_SECONDS, default=False)
    if not due:
        return cached
    try:
        stored = database_generation()
    except DatabaseError:
        if cached is None:
            raise
        logger.warning("database unavailable: the content generation was not checked")
        return cached
    number = max(stored, cached or 0)
    if number != cached:
        guarded("set", GENERATION_KEY, number, timeout=None)
    guarded("set", CHECKED_KEY, 1, timeout=GENERATION_CHECK_SECONDS)
    if not cache_is_down():
        backend.ifp_unsent = False
    return number


def bump():
    """Start a new content generation: every cached page is stale from now on. Kept in the
    database and, when it answers, in the shared cache; a change that could not reach the
    cache is sent as soon as it answers again (``_shared_generation``)."""
    if not shared_generation():
        return _database_bump()
    cached = guarded("get", GENERATION_KEY)
    number = _database_bump(at_least=(cached or 0) + 1)
    # This process sends nothing it holds from now on; the others hear of the change
    # from Redis (``GenerationWatch``).
    held_pages.forget()
    guarded("set", GENERATION_KEY, number, timeout=None)
    # Whoever checked against the database just before this change checks again.
    guarded("delete", CHECKED_KEY)
    if cache_is_down():
        _backend().ifp_unsent = True
    return number


def bump_on_commit():
    transaction.on_commit(bump)


class NextScheduled(NamedTuple):
    """When the next scheduled article goes out (a Unix timestamp, 0 for none), as computed
    in ``generation``."""

    generation: int
    at: float


NEXT_KEY = f"next-scheduled:{shape_key(NextScheduled)}"


def next_scheduled(generation, remembered=None):
    """When the next scheduled article goes out or a live alert expires, whichever comes
    first (a timestamp), or 0; remembered with the generation it was computed in, since
    only a content change can move it."""
    if remembered is None:
        remembered = guarded("get", NEXT_KEY)
    remembered = entry_or_miss(remembered, NextScheduled)
    if remembered is not None and remembered.generation == generation:
        return remembered.at
    now = timezone.now()
    moment = Article.objects.scheduled().aggregate(next=Min("published_at"))["next"]
    # A breaking-news alert's expiry is such a moment too: no page outlives it.
    expiry = Alert.objects.live(now).aggregate(next=Min("expires_at"))["next"]
    moments = [value.timestamp() for value in (moment, expiry) if value]
    value = min(moments) if moments else 0
    guarded(
        "set",
        NEXT_KEY,
        NextScheduled(generation, value),
        timeout=settings.PAGE_CACHE_SECONDS * 12,
    )
    return value


def read_state(*keys):
    """The generation, the next scheduled time, the values of ``keys`` and whether the
    shared cache answered: one round trip to the shared cache when it holds the generation
    (Redis MGET)."""
    if shared_generation():
        values = guarded("get_many", [GENERATION_KEY, CHECKED_KEY, NEXT_KEY, *keys])
        generation = _shared_generation(values)
    else:
        generation = database_generation()
        values = guarded("get_many", [NEXT_KEY, *keys])
    answered = values is not None
    values = values or {}
    return generation, next_scheduled(generation, values.get(NEXT_KEY)), values, answered


class State(NamedTuple):
    generation: int
    lifetime: int  # seconds its pages may be kept
    stale_for: int  # how long a CDN may still serve them while it refreshes
    values: dict
    answered: bool  # whether the shared cache answered
    due: float  # when the next scheduled article goes out (a Unix timestamp), or 0


def lifetimes(due, now):
    """``(lifetime, stale_for)`` in seconds of a page kept at ``now`` (a Unix timestamp):
    ``PAGE_CACHE_SECONDS`` and ``STALE_SECONDS``, cut short so that neither runs past
    ``due``, the next scheduled article (0: none)."""
    if not due:
        return settings.PAGE_CACHE_SECONDS, STALE_SECONDS
    due_in = max(1, int(due - now))
    lifetime = min(settings.PAGE_CACHE_SECONDS, due_in)
    return lifetime, max(0, min(STALE_SECONDS, due_in - lifetime))


def live_generation(*keys):
    """The current generation, moved on first if a scheduled article is now due; the
    seconds its pages may be kept; how long after that a CDN may still serve them while
    it refreshes (never past the next scheduled article); the values of ``keys``; whether
    the shared cache answered (if not, nothing may be kept long); and the next scheduled
    time."""
    generation, due, values, answered = read_state(*keys)
    now = timezone.now().timestamp()
    if due and due <= now:
        generation = bump()
        due = next_scheduled(generation)
    if not answered:
        return State(generation, UNCACHED_SECONDS, 0, values, answered, due)
    return State(generation, *lifetimes(due, now), values, answered, due)


# A generation's entry (``generation_entry``) is kept a little past its freshness, like a
# page, then dropped.
GENERATION_ENTRY_GRACE = 60


def generation_entry(key, kind, make):
    """The entry kept under ``key`` for the current content generation: a ``kind``, a named
    tuple whose first fields are ``generation`` and ``fresh_until`` (a Unix timestamp).
    Read from the shared cache (in the round trip that reads the generation); made by
    ``make(state, now)`` (``state`` the ``live_generation``, ``now`` an aware datetime)
    when it is missing, of another generation or no longer fresh, and kept unless the
    shared cache did not answer. The site-wide parts, the sitemap index and the news
    sitemap are read so: from the database once a generation, not once a request."""
    entry, _current = _generation_entry(key, kind, make, single_flight=False)
    return entry


def response_of_generation(key, kind, make):
    """``(entry, current)``: ``generation_entry`` for an entry that is a whole response
    and slow to make (the sitemap index counts every published article: a tenth of a
    second and more at a million). One process makes it at a time (a short lock in the
    shared cache, as the page cache's single flight): a request that finds the lock taken
    and an earlier entry gets that earlier one, with ``current`` False, instead of making
    it too; its response must not be kept anywhere (``PREVIOUS_CACHE_CONTROL``). Without
    this every worker read the counts at once after each change while the requests queued
    behind them. A request that finds no entry at all makes it; a lock left by a process
    that died expires after ``LOCK_SECONDS``."""
    return _generation_entry(key, kind, make, single_flight=True)


def _generation_entry(key, kind, make, single_flight):
    state = live_generation(key)
    found = entry_or_miss(state.values.get(key), kind)
    now = timezone.now()
    if (
        found is not None
        and found.generation == state.generation
        and found.fresh_until > now.timestamp()
    ):
        return found, True
    lock_key = f"making:{key}"
    locked = False
    if single_flight and found is not None and state.answered:
        # A cache that fails here counts as a free lock: the entry is made.
        locked = guarded("add", lock_key, 1, timeout=LOCK_SECONDS, default=True)
        if not locked:
            return found, False
    try:
        found = make(state, now)
        if state.answered:
            keep = max(1, math.ceil(found.fresh_until - now.timestamp()))
            guarded("set", key, found, timeout=keep + GENERATION_ENTRY_GRACE)
    finally:
        if locked:
            guarded("delete", lock_key)
    return found, True


def count_of_generation(name, generation, count):
    """``count()``, an int that only content can change (how many articles a list pages
    through), read from the database once a content generation: kept in the shared cache
    under ``name`` and ``generation``, the number the request's page is rendered under.
    A newer generation reads it again; an older one's entries expire on their own."""
    digest = hashlib.blake2b(name.encode(), digest_size=16).hexdigest()
    # The code's digest too: a deploy that changes which articles a list holds reads anew.
    key = f"count:{CODE_DIGEST}:{generation}:{digest}"
    found = _held_counts.recall_many([key]).get(key)
    if found is not None:
        return found
    found = guarded("get", key)
    if type(found) is not int:
        found = count()
        guarded("set", key, found, timeout=settings.PAGE_CACHE_SECONDS * 12)
    _held_counts.store_many({key: found})
    return found


# The counts this process read lately (``count_of_generation``), by key: a count's key
# names its generation, so one held is never stale, and a list's uncached requests ask
# the shared cache for it once a process rather than on every request.
HELD_COUNTS = 256


class PageEntry(NamedTuple):
    """A cached page: the generation it belongs to, the time (a Unix timestamp) it is fresh
    until, and what is needed to send it again: every header the page was sent with, in
    order, but those of the request itself (``PER_REQUEST_HEADERS``) and the cache's own
    (its ``Cache-Control`` directives, ``X-Page-Cache``), and the body; or, for a body of
    ``APART_BYTES`` or more, the digest of the body, kept apart (``PageBodies``)."""

    generation: int
    fresh_until: float
    status: int
    sent_headers: tuple  # of (name, value) pairs
    content: bytes  # b"" when the body is kept apart
    body_digest: str  # the key of the body kept apart, or ""


PAGE_SHAPE = shape_key(PageEntry)
# A body this big or bigger (the feeds: 20 whole articles, about 120 KB) is kept apart
# from its entry: a hit then reads the entry alone and sends the body this process
# already holds, instead of reading its bytes from the shared cache on every hit (the
# feed's hit cost 1.6 times another page's in process, all of it in receiving the body).
APART_BYTES = 64 * 1024
# The bodies kept apart that one process holds at most (by size), the least recently sent
# dropped first.
HELD_BODY_BYTES = 4 * 1024 * 1024


def page_entry_key(digest):
    """The shared cache's key of the page whose ``page_key`` is ``digest``."""
    return f"page:{PAGE_SHAPE}:{digest}"


def page_body_key(body_digest):
    """The shared cache's key of a body kept apart from its entry."""
    return f"page-body:{body_digest}"


# Every HeldBytes of this process (pages, big bodies, cards, counts), for
# ``forget_everything_held``.
_every_held = weakref.WeakSet()


class HeldBytes:
    """Values by key, held up to ``limit`` bytes (each value's ``size_of``), the least
    recently stored or recalled dropped first; a value bigger than the limit is not held.
    Takes no lock: its owner does."""

    def __init__(self, limit, size_of):
        self.limit = limit
        self.size_of = size_of
        self.held = OrderedDict()
        self.size = 0
        _every_held.add(self)

    def recall(self, key):
        """The value held under ``key``, now the most recently used, or None."""
        value = self.held.get(key)
        if value is not None:
            self.held.move_to_end(key)
        return value

    def store(self, key, value):
        size = self.size_of(value)
        if size > self.limit:
            return
        previous = self.held.pop(key, None)
        if previous is not None:
            self.size -= self.size_of(previous)
        self.held[key] = value
        self.size += size
        while self.size > self.limit:
            _key, dropped = self.held.popitem(last=False)
            self.size -= self.size_of(dropped)

    def clear(self):
        self.held.clear()
        self.size = 0


class HeldEntries:
    """Entries whose key names everything they are made from (a card by a digest, a
    count by its generation: never stale wherever they are kept) that this process read
    or made lately, ``limit`` of ``size_of`` at most, the least recently used dropped
    first: read from the shared cache once a process rather than on every request. Safe
    for a threaded server."""

    def __init__(self, limit, size_of):
        self.lock = threading.Lock()
        self.held = HeldBytes(limit, size_of)

    def recall_many(self, keys):
        """{key: entry} of those of ``keys`` held."""
        with self.lock:
            return {key: entry for key in keys if (entry := self.held.recall(key)) is not None}

    def store_many(self, entries):
        """Hold each of ``entries`` ({key: entry})."""
        with self.lock:
            for key, entry in entries.items():
                self.held.store(key, entry)

    def clear(self):
        with self.lock:
            self.held.clear()


_held_counts = HeldEntries(HELD_COUNTS, lambda count: 1)


def forget_everything_held():
    """Empty every store of site content this process holds (pages, big bodies, cards,
    list counts): for the gunicorn master after it served its first requests, before it
    forks (``ifp.wsgi.serve_first_requests``), with no other thread running.

    What it held would be shared by the workers and counted a third to each one's memory
    (PSS), and a worker dropping or replacing an entry frees it, which writes to (and so
    copies) the master's page it lies on; each worker holds what it sends instead, read
    from the shared cache once. Nothing held is ever stale (each names what it is made
    from), so this changes no page."""
    for held in list(_every_held):
        held.clear()


def forget_held_counts():
    """Forget the counts this process holds: for a process whose database went back to
    an earlier content generation without it (a test's rolled-back transaction), where a
    held count's generation could name other content."""
    _held_counts.clear()


class PageBodies(HeldBytes):
    """The big bodies (``APART_BYTES`` or more) this process has kept or read, by the
    digest of their bytes, ``HELD_BODY_BYTES`` at most. A body is named by its bytes, so
    what is held is never stale: whether it is still the page's body is the entry's to
    say, read from the shared cache on every request as for every page. A body not held
    (another process kept it, or it was dropped) is read from the shared cache once."""

    def __init__(self, limit):
        super().__init__(limit, len)
        # A threaded server (runserver, a gthread worker) shares one per process.
        self.lock = threading.Lock()

    def get(self, digest):
        """The body whose digest is ``digest``: held, else read from the shared cache (and
        held from then on); None if the shared cache no longer has it."""
        with self.lock:
            body = self.recall(digest)
        if body is not None:
            return body
        body = guarded("get", page_body_key(digest))
        if isinstance(body, bytes):
            self.hold(digest, body)
            return body
        return None

    def keep(self, digest, body, timeout):
        """Keep ``body`` in the shared cache for ``timeout`` seconds, and hold it."""
        guarded("set", page_body_key(digest), body, timeout=timeout)
        self.hold(digest, body)

    def hold(self, digest, body):
        with self.lock:
            self.store(digest, body)


bodies = PageBodies(HELD_BODY_BYTES)


def with_body(entry):
    """``entry`` with its body, if it was kept apart; None (a miss) if that body is gone."""
    if entry is None or not entry.body_digest:
        return entry
    body = bodies.get(entry.body_digest)
    return None if body is None else entry._replace(content=body)


# Pages this process sent lately, sent again without a round trip to the shared cache
# (``HeldPages``): the bytes it holds at most, the least recently sent dropped first, and
# how long what it knows of the content generation is trusted before the shared cache is
# read again (which also keeps the generation's check against the database going).
HELD_PAGE_BYTES = 2 * 1024 * 1024
HELD_GENERATION_SECONDS = 1.0


class GenerationWatch:
    """Redis's word, on a connection of this process's own, whenever the content
    generation's key changes: server-assisted client-side caching in broadcast mode
    (``CLIENT TRACKING ON BCAST PREFIX <key>``, RESP3; Redis 6 or later; redis.io,
    "Client-side caching reference"). Redis sends an invalidation message for every
    write, expiry or eviction of a key beginning with the prefix, to every connection
    tracking it, before it answers the writer: once a change is acknowledged, any request
    that reads this connection's socket afterwards finds the message there. A
    ``FLUSHDB``/``FLUSHALL`` is sent one too, but queued while the flush runs, and its
    writer's answer may leave first (by microseconds; by the time Redis answers that
    writer's next command, the message is out).

    ``moved()`` reads what has arrived without waiting. Raises ``RedisError`` or
    ``OSError`` when the connection fails (Redis down or restarted: a restarted Redis
    has forgotten the tracking, so the watch must be made again)."""

    def __init__(self, backend, key):
        pool = backend._cache._get_connection_pool(False)
        # TCP keepalive: a connection that a firewall or a dead host dropped without a word
        # is found broken instead of staying silent.
        options = {**pool.connection_kwargs, "protocol": 3, "socket_keepalive": True}
        self.connection = pool.connection_class(**options)
        try:
            self.connection.send_command("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", key)
            reply = self.connection.read_response()
            if isinstance(reply, Exception):  # refused: an older Redis, a renamed command
                raise reply
        except BaseException:
            self.connection.disconnect()
            raise

    def moved(self):
        """Whether anything arrived since the last call: an invalidation of the generation's
        key (nothing else is sent on this connection)."""
        arrived = False
        while self.connection.can_read(timeout=0):
            self.connection.read_response(push_request=True)
            arrived = True
        return arrived

    def close(self):
        self.connection.disconnect()


class HeldPages:
    """The pages this process sent lately, with the content generation they belong to,
    sent again without asking the shared cache while Redis says the generation has not
    moved (``GenerationWatch``).

    A page held is its shared entry as read or kept, so it is sent exactly as a hit from
    the shared cache would be: while the generation is the same, the shared cache could
    hold no other page under its key, since every change to what readers see moves the
    generation (``bump``). Before a held page is sent: the watch is read (any message:
    everything held is forgotten); the generation must have been read from the shared
    cache less than ``HELD_GENERATION_SECONDS`` ago, after the watch was in place; no
    scheduled article may be due (the request that finds it due moves the generation);
    and the page must still be fresh. Otherwise the request takes the usual way (one
    round trip), which tells this process the generation again. A change made in this
    process forgets at once; one elsewhere arrives with Redis's message, written before
    Redis acknowledged the change.

    Only with a shared cache (``REDIS_URL``): without one, each process already keeps its
    own. When the watch cannot be made (a Redis older than 6, refused, down) or fails,
    nothing is held and the watch is tried again after ``RETRY_SECONDS``.
    ``HELD_PAGE_BYTES`` at most, the least recently sent dropped first."""

    def __init__(self, limit):
        self.lock = threading.Lock()
        self.watch = None
        self.watched = None  # (process, the cache's location and the generation's key)
        self.retry_at = 0.0
        self.pages = HeldBytes(limit, held_size)
        self.generation = None  # the content generation the pages held belong to
        self.due = 0.0  # when the next scheduled article goes out (``State.due``)
        self.trusted_until = 0.0  # time.monotonic() until which the generation is trusted
        # How many times all was forgotten, and the count each thread saw when it last read
        # the watch: a generation read from the shared cache is trusted only if nothing was
        # forgotten since (another thread may have read a message about a later change).
        self.forgotten = 0
        self.seen = threading.local()

    def forget(self):
        """Hold nothing more until the generation is read again."""
        with self.lock:
            self._forget()

    def close(self):
        """Forget, and close the watch (made again on the next request)."""
        with self.lock:
            self._drop()

    def _watching(self, backend):
        """Whether the generation's watch is in place and has heard of no change since it
        was last read; anything it heard is forgotten (called with the lock held)."""
        key = backend.make_key(GENERATION_KEY)
        watched = (os.getpid(), getattr(backend, "_servers", None), key)
        if self.watched != watched:  # a new process, or settings naming another cache
            self._drop()
            self.watched, self.retry_at = watched, 0.0
        if self.watch is None:
            if time.monotonic() < self.retry_at:
                return False
            try:
                self.watch = GenerationWatch(backend, key)
            except ResponseError as error:  # refused: not tried again for a while
                return self._failed("Redis refused to watch the content generation", error, 60)
            except (*CACHE_ERRORS, AttributeError) as error:  # AttributeError: not Redis
                return self._failed("could not watch the content generation", error)
            return False  # nothing was known before the watch began
        try:
            if self.watch.moved():
                self._forget()
        except CACHE_ERRORS as error:
            return self._failed("the content generation's watch failed", error)
        return True

    def _failed(self, what, error, pause=1):
        logger.warning("%s (%s); pages are read from the shared cache", what, error)
        self._drop()
        self.retry_at = time.monotonic() + RETRY_SECONDS * pause
        return False

    def _drop(self):
        if self.watch is not None and self.watched and self.watched[0] == os.getpid():
            try:
                self.watch.close()
            except CACHE_ERRORS:
                pass
        self.watch = None
        self._forget()

    def _forget(self):
        self.generation = None
        self.pages.clear()
        self.forgotten += 1

    def get(self, key):
        """``(entry, lifetime, stale_for)`` of the page held under ``key`` if it may be sent
        as it is, else None. Reads the watch in any case, so that what the request then
        reads from the shared cache may be trusted (``learn``)."""
        if not shared_generation() or cache_is_down():
            return None
        with self.lock:
            watching = self._watching(_backend())
            # What the request then reads from the shared cache is trusted from now on.
            self.seen.forgotten, self.seen.at = self.forgotten, time.monotonic()
            if not watching:
                return None
            entry = self.pages.recall(key)
            if entry is None or self.generation is None or entry.generation != self.generation:
                return None
            # The clocks ``live_generation`` and the middleware read.
            now = timezone.now().timestamp()
            if (
                time.monotonic() >= self.trusted_until
                or (self.due and self.due <= now)
                or entry.fresh_until <= time.time()
            ):
                return None
            return entry, *lifetimes(self.due, now)

    def learn(self, state):
        """Trust ``state``, the generation the shared cache just gave (after ``get`` read
        the watch), for ``HELD_GENERATION_SECONDS`` from that read. A generation that moved
        while the watch heard nothing means the watch no longer hears: it is made again."""
        if not state.answered:
            return
        with self.lock:
            if self.watch is None or getattr(self.seen, "forgotten", None) != self.forgotten:
                return
            if self.generation is not None and state.generation != self.generation:
                # Redis's word of the change is on its way or arrived since ``get``.
                try:
                    heard = self.watch.moved()
                except CACHE_ERRORS as error:
                    self._failed("the content generation's watch failed", error)
                    return
                if heard:
                    self._forget()
                else:
                    self._failed("the content generation moved unheard", "its watch is deaf")
                return
            self.generation, self.due = state.generation, state.due
            self.trusted_until = self.seen.at + HELD_GENERATION_SECONDS

    def keep(self, key, entry):
        """Hold ``entry`` (with its body) under ``key``, if it is of the generation held."""
        with self.lock:
            if self.watch is not None and entry.generation == self.generation:
                self.pages.store(key, entry)


def held_size(entry):
    """About what holding ``entry`` costs, in bytes: its body and its headers."""
    return len(entry.content) + sum(len(n) + len(v) for n, v in entry.sent_headers)


held_pages = HeldPages(HELD_PAGE_BYTES)


def is_tracking(name):
    return name.lower() in TRACKING_PARAMETERS or name.lower().startswith(TRACKING_PREFIXES)


def page_key(request):
    """The one key of a page: its path (``path_info``: a ``SCRIPT_NAME`` header cannot move
    it) and the query parameters that may change it, sorted by name (the values of one
    name keep their order), without the tracking ones. Not the host or the scheme: pages
    carry only ``SITE_URL``'s addresses."""
    query = sorted(
        (
            (name, value)
            for name, value in parse_qsl(
                request.META.get("QUERY_STRING", ""), keep_blank_values=True
            )
            if not is_tracking(name)
        ),
        key=lambda pair: pair[0],
    )
    address = request.path_info + (f"?{urlencode(query)}" if query else "")
    return hashlib.sha256(address.encode()).hexdigest()


def take_render_slot():
    """The key of a free render slot of this host, now taken (for ``LOCK_SECONDS`` at most,
    so that a worker that dies rendering frees it), or None when ``PAGE_RENDERERS`` workers
    of the host hold one. One round trip to the shared cache a slot tried."""
    for index in range(settings.PAGE_RENDERERS):
        key = f"render-slot:{HOST}:{index}"
        if guarded("add", key, 1, timeout=LOCK_SECONDS):
            return key
    return None


class PageCacheMiddleware:
    """The page cache, answering a hit before the rest of the middleware runs.

    It comes right after ``RequestIdMiddleware`` in ``settings.MIDDLEWARE``: a hit costs the
    request id, one round trip to the shared cache (none for a page the process holds,
    ``HeldPages``) and a response made from the entry, with no security, CSP, static-file,
    ETag, session or URL work. That work is in the entry
    instead: a miss is sent through the whole stack, and the page is kept with every header
    it left the stack with, so a hit sends the same status, headers and body as the miss
    (but for ``PER_REQUEST_HEADERS``, ``X-Page-Cache`` and the cache's ``Cache-Control``
    directives, which follow the entry's remaining lifetime).

    What the middleware behind it would have done differently for some requests is kept:
    a request that ``SecurityMiddleware`` redirects to HTTPS or that ``RejectNulMiddleware``
    refuses is never looked up; ``Strict-Transport-Security`` is sent on HTTPS requests
    only, as ``SecurityMiddleware`` does; a conditional GET is answered by this middleware
    with the 304 (or 412) that ``ConditionalGetMiddleware`` would have made of the page
    (``django.utils.cache.get_conditional_response``, with the page's ``ETag`` and
    ``Last-Modified``), carrying the ``OUTER_HEADERS`` that the middleware in front of it
    adds; and a HEAD request gets no ``ETag`` and no body, as from the whole stack."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self.is_cacheable_request(request):
            return self.get_response(request)
        digest = page_key(request)
        key, lock_key = page_entry_key(digest), f"page-lock:{digest}"
        held = held_pages.get(key)
        if held is not None:
            return conditional(request, self.rebuild(request, *held))
        # One key per page: the entry says which generation it belongs to and until when
        # it is fresh; an older one is the stale copy served while another worker renders.
        state = live_generation(key)
        request.content_generation = state.generation
        if not state.answered:
            response = self.render(request)
            self.add_headers(response, state.lifetime, 0, uncached=True)
            return conditional(request, response)
        held_pages.learn(state)
        entry = with_body(entry_or_miss(state.values.get(key), PageEntry))
        now = time.time()
        if entry is not None and entry.generation == state.generation and entry.fresh_until > now:
            held_pages.keep(key, entry)
            return conditional(
                request, self.rebuild(request, entry, state.lifetime, state.stale_for)
            )
        held_keys = [lock_key]
        if entry is not None:
            slot = None
            if guarded("add", lock_key, 1, timeout=LOCK_SECONDS):
                slot = take_render_slot()
                if slot is None:
                    guarded("delete", lock_key)
            if slot is None:
                response = self.rebuild(
                    request, entry, state.lifetime, state.stale_for, stale=True
                )
                return conditional(request, response)
            held_keys.append(slot)
        try:
            response = self.render(request)
            if self.is_storable(response):
                lifetime = state.lifetime
                if response.status_code == 404:
                    lifetime = min(lifetime, NOT_FOUND_SECONDS)
                entry = self.entry(request, response, state.generation, now + lifetime)
                kept_for = self.kept_for(response)
                held_pages.keep(key, entry)
                if entry.body_digest:
                    bodies.keep(entry.body_digest, entry.content, kept_for)
                    entry = entry._replace(content=b"")
                guarded("set", key, entry, timeout=kept_for)
                self.add_headers(response, lifetime, state.stale_for)
        finally:
            guarded("delete_many", held_keys)
        return conditional(request, response)

    def render(self, request):
        """The page from the rest of the stack, whole: the request's conditions are set
        aside meanwhile (``ConditionalGetMiddleware`` would answer them with a 304, which
        cannot be kept) and answered afterwards by ``conditional``, as it would have."""
        conditions = {name: request.META.pop(name) for name in CONDITIONS if name in request.META}
        try:
            return self.get_response(request)
        finally:
            request.META.update(conditions)

    @staticmethod
    def kept_for(response):
        """How long the shared cache keeps an entry: past its freshness, so that it can be
        served stale while a worker renders it again; a missing page only briefly."""
        if response.status_code == 404:
            return NOT_FOUND_SECONDS
        return settings.PAGE_CACHE_SECONDS * 12

    @staticmethod
    def is_cacheable_request(request):
        """Whether the cache may answer ``request``: an anonymous GET or HEAD of a reader
        page, which neither ``SecurityMiddleware`` (plain HTTP when HTTPS is required) nor
        ``RejectNulMiddleware`` (a NUL in the address) answers itself."""
        return (
            settings.PAGE_CACHE
            and request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path_info.startswith(SKIPPED_PREFIXES)
            and "\x00" not in request.path
            and (not settings.SECURE_SSL_REDIRECT or request.is_secure())
        )

    @staticmethod
    def is_storable(response):
        if response.status_code not in STORED_STATUSES or response.streaming:
            return False
        if response.cookies or response.has_header("Set-Cookie"):
            return False
        # A page that used a CSP nonce must not send the same one twice.
        if "'nonce-" in response.get("Content-Security-Policy", ""):
            return False
        control = response.get("Cache-Control", "")
        return not any(word in control for word in ("private", "no-cache", "no-store"))

    @staticmethod
    def entry(request, response, generation, fresh_until):
        """The entry of ``response`` as it left the stack, before the cache's own headers.
        A HEAD request's page has no ``ETag`` (``ConditionalGetMiddleware`` leaves HEAD
        alone): its entry gets the one a GET would have had, for the GETs it answers."""
        headers = [
            (name, value)
            for name, value in response.items()
            if name.lower() not in PER_REQUEST_HEADERS
        ]
        if request.method == "HEAD" and response.content and not response.has_header("ETag"):
            etag = quote_etag(hashlib.md5(response.content, usedforsecurity=False).hexdigest())
            outer = {name.lower() for name in OUTER_HEADERS}
            at = next((i for i, (name, _) in enumerate(headers) if name.lower() in outer), None)
            headers.insert(len(headers) if at is None else at, ("ETag", etag))
        content = response.content
        body_digest = ""
        if len(content) >= APART_BYTES:
            body_digest = hashlib.blake2b(content, digest_size=16).hexdigest()
        return PageEntry(
            generation, fresh_until, response.status_code, tuple(headers), content, body_digest
        )

    @staticmethod
    def rebuild(request, entry, lifetime, stale_for, stale=False):
        """The response a page's entry stands for, for ``request``."""
        head = request.method == "HEAD"
        headers = dict(entry.sent_headers)
        if head:
            headers.pop("ETag", None)
        if hsts := strict_transport_security(request):
            headers.setdefault(HSTS, hsts)
        else:
            headers.pop(HSTS, None)
        response = HttpResponse(
            b"" if head else entry.content, status=entry.status, headers=headers
        )
        if stale:
            # Sent while another worker renders the current page: nobody downstream keeps
            # it, so that nginx or a CDN asks again instead of keeping it a lifetime more.
            response["Cache-Control"] = PREVIOUS_CACHE_CONTROL
            response["X-Page-Cache"] = "stale"
            return response
        if entry.status == 404:
            lifetime = max(1, min(lifetime, int(entry.fresh_until - time.time())))
        PageCacheMiddleware.add_headers(response, lifetime, stale_for)
        response["X-Page-Cache"] = "hit"
        return response

    @staticmethod
    def add_headers(response, lifetime, stale_for, uncached=False):
        if uncached:
            # Rendered without the shared cache: fine to send, not to keep.
            if PageCacheMiddleware.is_storable(response):
                patch_cache_control(response, public=True, max_age=lifetime, s_maxage=lifetime)
            response["X-Page-Cache"] = "unavailable"
            return
        max_age = min(BROWSER_SECONDS, lifetime)
        if "Cache-Control" in response:  # the view's own directives, merged as Django does
            patch_cache_control(
                response,
                public=True,
                max_age=max_age,
                s_maxage=lifetime,
                stale_while_revalidate=stale_for,
            )
        else:
            # What patch_cache_control writes where there is no header yet, without its
            # parsing of one: every hit sends this.
            response["Cache-Control"] = (
                f"public, max-age={max_age}, s-maxage={lifetime}, "
                f"stale-while-revalidate={stale_for}"
            )


def strict_transport_security(request):
    """The ``Strict-Transport-Security`` value ``SecurityMiddleware`` gives ``request``'s
    response, or "" (it is sent over HTTPS only)."""
    if not settings.SECURE_HSTS_SECONDS or not request.is_secure():
        return ""
    value = f"max-age={settings.SECURE_HSTS_SECONDS}"
    if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
        value += "; includeSubDomains"
    if settings.SECURE_HSTS_PRELOAD:
        value += "; preload"
    return value


def conditional(request, response):
    """What ``ConditionalGetMiddleware`` makes of ``response`` to ``request`` (a GET with
    ``If-None-Match`` or ``If-Modified-Since`` matching the page: a 304; with ``If-Match``
    or ``If-Unmodified-Since`` not matching: a 412), with the ``OUTER_HEADERS`` the page
    carries, which the middleware in front of ``ConditionalGetMiddleware`` would add."""
    meta = request.META
    if request.method != "GET" or not any(name in meta for name in CONDITIONS):
        return response
    etag = response.get("ETag")
    last_modified = response.get("Last-Modified")
    last_modified = last_modified and parse_http_date_safe(last_modified)
    if not (etag or last_modified):
        return response
    answer = get_conditional_response(
        request, etag=etag, last_modified=last_modified, response=response
    )
    if answer is not response:
        for name in OUTER_HEADERS:
            if name in response:
                answer[name] = response[name]
    return answer
