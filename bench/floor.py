"""The benchmark's floor: a view that does no work but answer a prebuilt page.

Mounted at /bench/floor/ only when the benchmark serves the site (``IFP_BENCH=1``, see the end
of ``ifp/urls.py``), it runs through the same gunicorn, settings and middleware as the real
pages, so every page's rate is measured as a share of what Django itself costs here.
"""

from django.http import HttpResponse

FLOOR_SIZE = 30 * 1024


def _page(size):
    paragraph = (
        "<p>A paragraph of a news story, as long as a real one, so that the response has the "
        "size of an article page: the floor costs what moving these bytes through Django "
        "costs, and nothing else. No template, no query, no cache.</p>\n"
    )
    head = "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>Floor</title>"
    head += "</head><body><main>\n"
    tail = "</main></body></html>\n"
    body = head
    while len(body) + len(paragraph) + len(tail) <= size:
        body += paragraph
    body += "<!--" + "x" * max(0, size - len(body) - len(tail) - 7) + "-->"
    return (body + tail).encode()


# Built once, at import: each request only wraps these bytes in a new response.
FLOOR_BYTES = _page(FLOOR_SIZE)


def floor(request):
    return HttpResponse(FLOOR_BYTES, content_type="text/html; charset=utf-8")
