"""The site's URLs plus its uploads, for the live server of the browser tests: with DEBUG
off, ifp/urls.py leaves /media/ to the web server in front (nginx)."""

from django.conf import settings
from django.conf.urls import handler400, handler403, handler404, handler500
from django.urls import re_path
from django.views.static import serve

from ifp import urls as site_urls


def media(request, path):
    # MEDIA_ROOT is read per request: each test has its own (tests/conftest.py).
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [re_path(r"^media/(?P<path>.*)$", media), *site_urls.urlpatterns]

# The site's own error pages, when it names them.
handler400 = getattr(site_urls, "handler400", handler400)
handler403 = getattr(site_urls, "handler403", handler403)
handler404 = getattr(site_urls, "handler404", handler404)
handler500 = getattr(site_urls, "handler500", handler500)
