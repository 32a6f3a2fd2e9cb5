import sys
import zoneinfo

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.http import FileResponse, HttpResponse, JsonResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache

from articles import editions
from core.tasks import queue_is_stuck


@never_cache
def healthz(request):
    """For load balancers and monitoring, naming each part: 200 while the host can serve
    (the database answers and the newsroom's time zone resolves, since every page shows
    times in it; a shared cache that does not answer is reported as ``degraded``, since
    pages are then rendered from the database, and so is a stuck task queue, a task due
    for longer than ``TASKS_STUCK_SECONDS``: no worker runs, and posts wait), 503 when one
    of those fails."""
    checks = {}
    try:
        checks["time_zone"] = zoneinfo.ZoneInfo(settings.NEWSROOM_TIME_ZONE) is not None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        checks["time_zone"] = False
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            checks["database"] = cursor.fetchone() == (1,)
    except Exception:
        checks["database"] = False
    try:
        cache.set("healthz", "ok", timeout=10)
        checks["cache"] = cache.get("healthz") == "ok"
    except Exception:
        checks["cache"] = False
    try:
        checks["tasks"] = checks["database"] and not queue_is_stuck()
    except DATABASE_OUTAGES:
        checks["tasks"] = False
    if not (checks["database"] and checks["time_zone"]):
        status = "failing"
    elif not (checks["cache"] and checks["tasks"]):
        status = "degraded"
    else:
        status = "ok"
    return JsonResponse({"status": status, **checks}, status=503 if status == "failing" else 200)


# Error pages: they look like the site, leak nothing (no traceback, no
# setting, no path echoed back), run no query and give the request's id for reports.


def _error_page(request, template, status, **extra):
    context = {
        "site_name": settings.SITE_NAME,
        "site_short_name": settings.SITE_SHORT_NAME,
        "request_id": getattr(request, "id", ""),
        # The home page of the edition whose language the request activated: /fa/ on a
        # Persian page's error.
        "edition_home": editions.url(editions.current().code, "home"),
        **extra,
    }
    # Rendered without the request's context processors: they may need the database.
    return HttpResponse(loader.render_to_string(template, context), status=status)


def bad_request(request, exception=None):
    return _error_page(request, "400.html", 400)


def permission_denied(request, exception=None):
    return _error_page(request, "403.html", 403)


def page_not_found(request, exception=None):
    return _error_page(request, "404.html", 404)


# What a database that is down, restarting or out of connections raises.
DATABASE_OUTAGES = (OperationalError, InterfaceError)


def server_error(request):
    """Django's answer to any exception a view or middleware let through; it runs inside the
    exception's handling, so it can tell a database outage (a 503 that says to come back,
    for every entry point alike) from a fault of the code (a 500)."""
    if isinstance(sys.exc_info()[1], DATABASE_OUTAGES):
        response = _error_page(request, "503.html", 503)
        response["Retry-After"] = "30"
        add_never_cache_headers(response)
        return response
    return _error_page(request, "500.html", 500)


def csrf_failure(request, reason=""):
    return _error_page(request, "403_csrf.html", 403)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login: a clear page, status 429."""
    return _error_page(
        request,
        "registration/locked_out.html",
        429,
        failure_limit=settings.AXES_ACCOUNT_FAILURE_LIMIT,
        cooloff_minutes=int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    )


def favicon(request):
    """``/favicon.ico``, which browsers and feed readers ask for whatever a page names:
    the site's icon (``static/img/icon.png``, a PNG, which every browser takes under this
    name), cached for a day, never a redirect to a 404."""
    path = finders.find("img/icon.png")
    response = FileResponse(open(path, "rb"), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return response
