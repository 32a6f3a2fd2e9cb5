"""The whole-page cache for readers (DESIGN.md, "Pages and caching").

Anonymous GET responses are cached whole, keyed by host, path and the site-wide content
generation: a number that every publish, unpublish or edit of published content (and of
sections, authors, tags, corrections and redirects) increments, so no page outlives the
content it shows. The number lives where every process sees it: in the shared cache when
``REDIS_URL`` is set, otherwise in the database, never in one worker's memory.

Scheduled articles need no cron: the generation remembers when the next scheduled
article goes out, and the first request after that moment moves to a new generation.
After a change, a hot page is rendered by one worker; the others serve the previous copy
meanwhile (single flight, a short lock in the shared cache).
"""

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Min
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control

from articles.models import Article, ContentGeneration

logger = logging.getLogger(__name__)

GENERATION_KEY = "content-generation"
LOCK_SECONDS = 10
# Browsers keep a page a minute; a CDN five, and may serve it stale while it refreshes.
BROWSER_SECONDS = 60
STALE_SECONDS = 600
SKIPPED_PREFIXES = ("/admin/", "/preview/", "/healthz", "/static/", "/media/", "/bench/")
STORED_STATUSES = {200, 301, 404}
ENTRY_SIZE = 5  # generation, fresh until, status, headers, content: see entry()
KEPT_HEADERS = {"content-type", "location", "x-robots-tag", "content-language"}


def shared_generation():
    return bool(settings.REDIS_URL)


def current_generation():
    if shared_generation():
        value = cache.get(GENERATION_KEY)
        if value is None:
            cache.add(GENERATION_KEY, 1, timeout=None)
            value = cache.get(GENERATION_KEY) or 1
        return value
    return ContentGeneration.objects.values_list("number", flat=True).filter(pk=1).first() or 0


def bump():
    """Start a new content generation: every cached page is stale from now on."""
    if shared_generation():
        try:
            return cache.incr(GENERATION_KEY)
        except ValueError:
            cache.add(GENERATION_KEY, 1, timeout=None)
            return cache.incr(GENERATION_KEY)
    updated = ContentGeneration.objects.filter(pk=1).update(number=F("number") + 1)
    if not updated:
        ContentGeneration.objects.get_or_create(pk=1, defaults={"number": 1})
    return current_generation()


def bump_on_commit():
    transaction.on_commit(bump)


NEXT_KEY = "next-scheduled"


def next_scheduled(generation, remembered=None):
    """When the next scheduled article goes out (a timestamp), or 0; remembered with the
    generation it was computed in, since only a content change can move it."""
    if remembered is None:
        remembered = cache.get(NEXT_KEY)
    if remembered is not None and remembered[0] == generation:
        return remembered[1]
    moment = Article.objects.filter(
        status=Article.Status.PUBLISHED, published_at__gt=timezone.now()
    ).aggregate(next=Min("published_at"))["next"]
    value = moment.timestamp() if moment else 0
    cache.set(NEXT_KEY, (generation, value), timeout=settings.PAGE_CACHE_SECONDS * 12)
    return value


def read_state(*keys):
    """The generation, the next scheduled time and the values of ``keys``: one round trip
    to the shared cache when it holds the generation (Redis MGET)."""
    if shared_generation():
        values = cache.get_many([GENERATION_KEY, NEXT_KEY, *keys])
        generation = values.get(GENERATION_KEY)
        if generation is None:
            generation = current_generation()
    else:
        generation = current_generation()
        values = cache.get_many([NEXT_KEY, *keys])
    return generation, next_scheduled(generation, values.get(NEXT_KEY)), values


def live_generation(*keys):
    """The current generation, moved on first if a scheduled article is now due; the
    seconds its pages may be kept; how long after that a CDN may still serve them while
    it refreshes (never past the next scheduled article); and the values of ``keys``."""
    generation, due, values = read_state(*keys)
    now = timezone.now().timestamp()
    if due and due <= now:
        generation = bump()
        due = next_scheduled(generation)
    if not due:
        return generation, settings.PAGE_CACHE_SECONDS, STALE_SECONDS, values
    due_in = max(1, int(due - now))
    lifetime = min(settings.PAGE_CACHE_SECONDS, due_in)
    return generation, lifetime, max(0, min(STALE_SECONDS, due_in - lifetime)), values


def entry_of(value, size):
    """``value`` if it is an entry of this code's shape: a tuple of ``size`` items that
    starts with its generation and the time it is fresh until. Anything else (what an
    earlier deploy of the code left in the shared cache) is None: a miss, not an error."""
    if isinstance(value, tuple) and len(value) == size and isinstance(value[1], float):
        return value
    return None


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self.is_cacheable_request(request):
            return self.get_response(request)
        digest = hashlib.sha256(
            f"{request.get_host()}{request.get_full_path()}".encode()
        ).hexdigest()
        key, lock_key = f"page:{digest}", f"page-lock:{digest}"
        # One key per page: the entry says which generation it belongs to and until when
        # it is fresh; an older one is the stale copy served while another worker renders.
        generation, lifetime, stale_for, values = live_generation(key)
        entry = entry_of(values.get(key), ENTRY_SIZE)
        now = time.time()
        if entry is not None and entry[0] == generation and entry[1] > now:
            return self.rebuild(entry, lifetime, stale_for)
        if entry is not None and not cache.add(lock_key, 1, timeout=LOCK_SECONDS):
            return self.rebuild(entry, lifetime, stale_for, stale=True)
        try:
            response = self.get_response(request)
            if self.is_storable(response):
                entry = self.entry(response, generation, now + lifetime)
                cache.set(key, entry, timeout=settings.PAGE_CACHE_SECONDS * 12)
                self.add_headers(response, lifetime, stale_for)
        finally:
            cache.delete(lock_key)
        return response

    @staticmethod
    def is_cacheable_request(request):
        return (
            settings.PAGE_CACHE
            and request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(SKIPPED_PREFIXES)
        )

    @staticmethod
    def is_storable(response):
        if response.status_code not in STORED_STATUSES or response.streaming:
            return False
        if response.cookies or response.has_header("Set-Cookie"):
            return False
        control = response.get("Cache-Control", "")
        return not any(word in control for word in ("private", "no-cache", "no-store"))

    @staticmethod
    def entry(response, generation, fresh_until):
        headers = {k: v for k, v in response.items() if k.lower() in KEPT_HEADERS}
        return (generation, fresh_until, response.status_code, headers, response.content)

    @classmethod
    def rebuild(cls, entry, lifetime, stale_for, stale=False):
        _generation, _fresh_until, status, headers, content = entry
        response = HttpResponse(content, status=status)
        for name, value in headers.items():
            response[name] = value
        response["X-Page-Cache"] = "stale" if stale else "hit"
        cls.add_headers(response, lifetime, stale_for)
        return response

    @staticmethod
    def add_headers(response, lifetime, stale_for):
        patch_cache_control(
            response,
            public=True,
            max_age=min(BROWSER_SECONDS, lifetime),
            s_maxage=lifetime,
            stale_while_revalidate=stale_for,
        )
