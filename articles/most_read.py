"""Most read: what readers read, counted without the page being rendered, so that it works
behind the page cache, a CDN and nginx, and without storing anything about a reader.

- The article page loads ``static/js/article.js``, which sends one tiny ``sendBeacon`` POST
  to ``/beacon/`` with the article's id. The endpoint is never cached, CSRF-exempt (it
  changes nothing but a counter), refuses bodies longer than ``MAX_BODY`` and more than
  ``RATE_LIMIT`` beacons a minute from one reader, and ignores bots by User-Agent; a bot
  that runs no JavaScript never sends one at all.
- A reader is counted once a day per article. The dedupe key is a hash of the reader's
  address and User-Agent with a random salt made each day and kept only in the cache for
  two days: neither the address nor anything that could find it again is stored.
- Counts go into Redis (a hash per hour, one field per article) when ``REDIS_URL`` is set,
  else straight into the database's ``ArticleViews``. ``roll_up`` copies Redis's hours into
  the database (idempotent: it writes totals, never adds); ``manage.py rollup_most_read``
  runs it.
- The widget (``most_read``) reads the database's last 24 hours and 7 days, with the
  site-wide parts once a content generation (``articles.site_extras``)."""

import hashlib
import logging
import re
import secrets
from datetime import UTC, timedelta
from typing import NamedTuple

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Sum
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from articles.models import Article, ArticleViews, public_q
from articles.page_cache import CACHE_ERRORS, guarded
from core.tasks import task

logger = logging.getLogger(__name__)

MAX_BODY = 32  # bytes: an article id
RATE_LIMIT = 60  # beacons a minute from one reader
MOST_READ_COUNT = 5
# Redis keeps each hour's counts this long: the roll-up has a week to copy them.
KEEP_HOURS = 8 * 24
# Not readers: crawlers, link previews, monitors, scripts and headless browsers.
BOT_PATTERN = re.compile(
    r"bot|crawl|spider|slurp|archiver|preview|facebookexternalhit|embedly|monitor|pingdom"
    r"|lighthouse|headless|phantomjs|python|curl|wget|httpie|java/|okhttp|go-http|libwww",
    re.IGNORECASE,
)


def is_bot(user_agent):
    return not user_agent or BOT_PATTERN.search(user_agent) is not None


def _cache():
    return caches["default"]


def _today(now=None):
    return (now or timezone.now()).astimezone(UTC).date().isoformat()


def daily_salt(now=None):
    """Today's random salt (UTC day), shared by every process through the cache and never
    written anywhere else: once it is gone, yesterday's hashes cannot be tied to anyone."""
    key = f"most-read-salt:{_today(now)}"
    salt = guarded("get", key)
    if salt is None:
        fresh = secrets.token_hex(16)
        guarded("add", key, fresh, timeout=2 * 86400)
        # With the cache down, a salt of this request's own: nothing is deduplicated
        # (nothing can be stored), and nothing is linkable either.
        salt = guarded("get", key) or fresh
    return salt


def reader_hash(request, now=None):
    """A daily-salted hash of the reader's address and User-Agent: the same for one reader
    all day, unlinkable across days."""
    address = get_client_ip_address(request) or ""
    agent = request.headers.get("user-agent", "")
    material = f"{daily_salt(now)}|{address}|{agent}".encode()
    return hashlib.sha256(material).hexdigest()[:32]


def is_rate_limited(reader, now=None):
    """Whether ``reader`` sent more than ``RATE_LIMIT`` beacons this minute."""
    minute = int((now or timezone.now()).timestamp() // 60)
    key = f"most-read-rate:{reader}:{minute}"
    if guarded("add", key, 1, timeout=120, default=True):
        return False
    try:
        return (guarded("incr", key, default=0) or 0) > RATE_LIMIT
    except ValueError:  # expired between add and incr
        return False


def hour_of(moment):
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def record(article_id, reader, now=None):
    """Count one read of ``article_id`` by ``reader`` (a ``reader_hash``), once a day.
    Returns whether it was counted. Refuses (False) an id that is not a published article,
    checked once a reader a day so that a flood of made-up ids costs nothing."""
    now = now or timezone.now()
    seen_key = f"most-read-seen:{_today(now)}:{reader}:{article_id}"
    if not guarded("add", seen_key, 1, timeout=86400, default=True):
        return False
    if not Article.objects.published().filter(pk=article_id).exists():
        return False
    hour = hour_of(now)
    if settings.REDIS_URL:
        try:
            _redis_count(hour, article_id)
            _schedule_roll_up(now)
            return True
        except CACHE_ERRORS as error:
            logger.warning("most read: Redis unavailable (%s); counted in the database", error)
    _database_count(hour, article_id)
    return True


def _redis_key(hour):
    return _cache().make_key(f"most-read:{int(hour.timestamp())}")


def _redis_client(key):
    return _cache()._cache.get_client(key, write=True)


def _redis_count(hour, article_id):
    key = _redis_key(hour)
    client = _redis_client(key)
    pipe = client.pipeline()
    pipe.hincrby(key, str(article_id), 1)
    pipe.expire(key, KEEP_HOURS * 3600)
    pipe.execute()


def _database_count(hour, article_id):
    views = ArticleViews.objects.filter(article_id=article_id, hour=hour)
    if views.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            ArticleViews.objects.create(article_id=article_id, hour=hour, count=1)
    except IntegrityError:  # another request created the row meanwhile
        views.update(count=F("count") + 1)


# Counts kept in Redis reach the database (and the widget) within this many seconds.
ROLL_UP_SECONDS = 300


@task()
def roll_up_task():
    """The background task that runs ``roll_up``: queued by the reads it copies."""
    return roll_up()


def _schedule_roll_up(now):
    """Have a roll-up run within ``ROLL_UP_SECONDS`` of a read counted in Redis: queued
    once a window for the whole site (the first read of the window queues it, through an
    ``add`` in the shared cache). A queue that cannot be reached costs the read nothing:
    the next window queues again, and ``manage.py rollup_most_read`` does the same by hand."""
    window = int(now.timestamp()) // ROLL_UP_SECONDS
    if not guarded("add", f"most-read-roll-up:{window}", 1, timeout=2 * ROLL_UP_SECONDS):
        return
    try:
        roll_up_task.using(run_after=now + timedelta(seconds=ROLL_UP_SECONDS)).enqueue()
    except (DatabaseError, *CACHE_ERRORS) as error:
        logger.warning("most read: the roll-up could not be queued (%s)", error)


def roll_up(now=None, hours=KEEP_HOURS):
    """Copy the last ``hours`` hours of counts from Redis into ``ArticleViews``: each row
    gets the larger of its own count and Redis's (totals, never sums), so running it twice
    does nothing twice. Returns the number of rows written; nothing to do without Redis
    (the counts are in the database already)."""
    if not settings.REDIS_URL:
        return 0
    now = now or timezone.now()
    written = 0
    for back in range(hours):
        hour = hour_of(now) - timedelta(hours=back)
        key = _redis_key(hour)
        counts = {
            int(field): int(value)
            for field, value in _redis_client(key).hgetall(key).items()
            if field.isdigit()
        }
        if counts:
            written += _store_hour(hour, counts)
    return written


def _store_hour(hour, counts):
    existing = dict(
        ArticleViews.objects.filter(hour=hour, article_id__in=counts).values_list(
            "article_id", "count"
        )
    )
    known = set(Article.objects.filter(pk__in=counts).values_list("pk", flat=True))
    rows = [
        ArticleViews(article_id=pk, hour=hour, count=max(count, existing.get(pk, 0)))
        for pk, count in counts.items()
        if pk in known and count > existing.get(pk, 0)
    ]
    ArticleViews.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["article", "hour"],
        update_fields=["count"],
    )
    return len(rows)


class MostRead(NamedTuple):
    title: str
    url: str
    views: int


def most_read(since, count=MOST_READ_COUNT, language=None):
    """The ``count`` published articles (of ``language``, or of any) read most since
    ``since``: one query."""
    views = ArticleViews.objects.filter(public_q("article__"), hour__gte=hour_of(since))
    if language is not None:
        views = views.filter(article__language=language)
    rows = (
        views.values("article_id", "article__title", "article__slug", "article__language")
        .annotate(total=Sum("count"))
        .order_by("-total", "-article_id")[:count]
    )
    return [
        MostRead(
            row["article__title"],
            Article(
                slug=row["article__slug"], language=row["article__language"]
            ).get_absolute_url(),
            row["total"],
        )
        for row in rows
    ]


def most_read_lists(now=None, language=None):
    """The widget's two lists: the last 24 hours and the last 7 days (two queries), of
    ``language``'s articles (an edition's), or of every language's."""
    now = now or timezone.now()
    return (
        most_read(now - timedelta(hours=24), language=language),
        most_read(now - timedelta(days=7), language=language),
    )


def views_since(article, since=None):
    """How many readers read ``article`` since ``since`` (ever, if None), by the
    database's counts."""
    views = ArticleViews.objects.filter(article=article)
    if since is not None:
        views = views.filter(hour__gte=hour_of(since))
    return views.aggregate(total=Sum("count"))["total"] or 0


def _answer(status):
    response = HttpResponse(status=status)
    add_never_cache_headers(response)
    return response


@csrf_exempt  # it changes nothing but a counter, and takes nothing from a session
@require_POST
def beacon(request):
    """POST /beacon/ with the article's id as the body (text/plain, what ``sendBeacon``
    sends): 204 whether counted or not (a bot, a reader already counted today), 400 for a
    body that is not an id, 413 for a longer one, 429 past the rate limit. Never cached."""
    try:
        length = int(request.headers.get("content-length") or 0)
    except ValueError:
        return _answer(400)
    if length > MAX_BODY:
        return _answer(413)
    body = request.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        return _answer(413)
    text = body.decode("ascii", "replace").strip()
    if not text.isdigit() or not text.isascii() or len(text) > 18:
        return _answer(400)
    if is_bot(request.headers.get("user-agent", "")):
        return _answer(204)
    reader = reader_hash(request)
    if is_rate_limited(reader):
        return _answer(429)
    record(int(text), reader)
    return _answer(204)
