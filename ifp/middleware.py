from django.http import HttpResponseNotFound


class RejectNulMiddleware:
    """A NUL character can be in no address of this site, and PostgreSQL refuses it in
    a query: answer 404 before any view runs (a 500 for bad input is a bug)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            return HttpResponseNotFound("Not found.", content_type="text/plain")
        return self.get_response(request)
