from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = f"{settings.SITE_SHORT_NAME} newsroom"
admin.site.site_title = f"{settings.SITE_SHORT_NAME} newsroom"
admin.site.index_title = "Newsroom"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("author/", include("staff.urls")),
    # Last: the articles URLconf ends with the catch-all /<slug>/ article route.
    path("", include("articles.urls")),
]

if settings.DEBUG:
    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns
