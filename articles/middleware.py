from django.http import HttpResponsePermanentRedirect

from articles.models import ImportedPost, Redirect


class RedirectFallbackMiddleware:
    """Old addresses keep working. A page that is not found here but was an article's
    address before (a previous slug, a WordPress permalink) answers 301 to the article;
    so does WordPress's /?p=<post id>. Only published articles are redirected to."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/" and "p" in request.GET:
            target = self.imported_post(request.GET["p"])
            if target:
                return HttpResponsePermanentRedirect(target)
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        redirect = Redirect.objects.select_related("article").filter(old_path=request.path)
        redirect = redirect.first()
        if redirect is not None and redirect.article.is_published():
            return HttpResponsePermanentRedirect(redirect.article.get_absolute_url())
        return response

    @staticmethod
    def imported_post(value):
        if not (value.isascii() and value.isdigit()) or len(value) > 18:
            return None
        imported = ImportedPost.objects.select_related("article").filter(wp_id=int(value))
        imported = imported.first()
        if imported is None or not imported.article.is_published():
            return None
        return imported.article.get_absolute_url()
