import os

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from articles import feeds, sitemaps, views
from articles.sitemaps import SITEMAPS
from ifp.views import healthz
from staff import twofactor
from staff.twofactor import NewsroomLoginForm

admin.site.site_header = f"{settings.SITE_SHORT_NAME} newsroom"
admin.site.site_title = f"{settings.SITE_SHORT_NAME} newsroom"
admin.site.index_title = "Newsroom"

site_rss, site_atom = feeds.feed_pair()
section_rss, section_atom = feeds.feed_pair("section")
tag_rss, tag_atom = feeds.feed_pair("tag")
author_rss, author_atom = feeds.feed_pair("author")

admin.site.login_form = NewsroomLoginForm
admin.site.login_template = "admin/newsroom_login.html"

urlpatterns = [
    path("admin/two-factor/", admin.site.admin_view(twofactor.setup), name="two-factor"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    # Feeds at WordPress's addresses: /feed/ (RSS) and /feed/atom/, also under each list.
    path("feed/", site_rss, name="feed"),
    path("feed/atom/", site_atom, name="feed-atom"),
    path("category/<str:slug>/feed/", section_rss, name="section-feed"),
    path("category/<str:slug>/feed/atom/", section_atom, name="section-feed-atom"),
    path("tag/<str:slug>/feed/", tag_rss, name="tag-feed"),
    path("tag/<str:slug>/feed/atom/", tag_atom, name="tag-feed-atom"),
    path("author/<str:slug>/feed/", author_rss, name="author-feed"),
    path("author/<str:slug>/feed/atom/", author_atom, name="author-feed-atom"),
    path(
        "sitemap.xml",
        sitemaps.index,
        {"sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS, "template_name": "articles/sitemap.xml"},
        name="sitemap-section",
    ),
    path("news-sitemap.xml", views.news_sitemap, name="news-sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("author/", include("staff.urls")),
    path("live/", include("live.urls")),
    # Last: the articles URLconf ends with the catch-all /<slug>/ article route.
    path("", include("articles.urls")),
]

if settings.DEBUG:
    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns

# The load benchmark (bench/run.py) mounts its floor, a prebuilt page served through the same
# middleware: every page's rate is reported as a share of it. Never mounted otherwise.
if os.environ.get("IFP_BENCH") == "1":
    from bench.floor import floor

    urlpatterns.insert(0, path("bench/floor/", floor, name="bench-floor"))

handler400 = "ifp.views.bad_request"
handler403 = "ifp.views.permission_denied"
handler404 = "ifp.views.page_not_found"
handler500 = "ifp.views.server_error"
