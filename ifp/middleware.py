import logging
import re
import time
import uuid

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.signals import request_finished
from django.http import HttpResponseNotFound

from ifp.logs import forget_request_id, request_id

access_log = logging.getLogger("ifp.access")

# An id the proxy gave the request (nginx's $request_id) is kept if it looks like one.
_GOOD_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


class RequestIdMiddleware:
    """Give each request an id: in every log line written while it runs, and in the
    ``X-Request-ID`` response header, so a reader's error report can be found in the logs."""

    def __init__(self, get_response):
        self.get_response = get_response
        request_finished.connect(forget_request_id, dispatch_uid="ifp-forget-request-id")

    def __call__(self, request):
        given = request.headers.get("x-request-id", "")
        request.id = given if _GOOD_ID.fullmatch(given) else uuid.uuid4().hex
        # Kept until the response is closed (ifp.logs.forget_request_id): Django logs
        # error responses after the middleware has returned.
        request_id.set(request.id)
        started = time.perf_counter()
        response = self.get_response(request)
        response["X-Request-ID"] = request.id
        if settings.ACCESS_LOG:
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware (policy in settings.CONTENT_SECURITY_POLICY), with one change
    through its documented hook, ``get_policy_parts``: the admin's own widgets (select2, the
    date pickers, the body editor) set inline styles, so admin pages also allow
    ``style-src 'unsafe-inline'``; reader pages never."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith("/admin/"):
            parts.update = {**(parts.update or {}), "style-src": ["'unsafe-inline'"]}
        return parts


class RejectNulMiddleware:
    """A NUL character can be in no address of this site, and PostgreSQL refuses it in
    a query: answer 404 before any view runs (a 500 for bad input is a bug)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            return HttpResponseNotFound("Not found.", content_type="text/plain")
        return self.get_response(request)
