import os

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from articles import feeds, most_read, sitemaps, views
from articles.sitemaps import SITEMAPS
from ifp.views import favicon, healthz
from staff import twofactor
from staff.twofactor import NewsroomLoginForm
from staff.views import AuthorDetailView

admin.site.site_header = f"{settings.SITE_SHORT_NAME} newsroom"
admin.site.site_title = f"{settings.SITE_SHORT_NAME} newsroom"
admin.site.index_title = "Newsroom"

site_rss, site_atom = feeds.feed_pair()
section_rss, section_atom = feeds.feed_pair("section")
tag_rss, tag_atom = feeds.feed_pair("tag")
author_rss, author_atom = feeds.feed_pair("author")

fa_site_rss, fa_site_atom = feeds.feed_pair(language="fa")
fa_section_rss, fa_section_atom = feeds.feed_pair("section", language="fa")
fa_tag_rss, fa_tag_atom = feeds.feed_pair("tag", language="fa")
fa_author_rss, fa_author_atom = feeds.feed_pair("author", language="fa")
PERSIAN_EDITION = [
    path("fa/author/<str:slug>/", AuthorDetailView.as_view(language="fa"), name="fa-staff-detail"),
    path("fa/author/<str:slug>/feed/", fa_author_rss, name="fa-author-feed"),
    path("fa/author/<str:slug>/feed/atom/", fa_author_atom, name="fa-author-feed-atom"),
    path("fa/feed/", fa_site_rss, name="fa-feed"),
    path("fa/feed/atom/", fa_site_atom, name="fa-feed-atom"),
    path("fa/category/<str:slug>/feed/", fa_section_rss, name="fa-section-feed"),
    path("fa/category/<str:slug>/feed/atom/", fa_section_atom, name="fa-section-feed-atom"),
    path("fa/tag/<str:slug>/feed/", fa_tag_rss, name="fa-tag-feed"),
    path("fa/tag/<str:slug>/feed/atom/", fa_tag_atom, name="fa-tag-feed-atom"),
    path("fa/", include("articles.urls", namespace="fa")),
]

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
    path("beacon/", most_read.beacon, name="beacon"),
    path("favicon.ico", favicon, name="favicon"),
    path("author/", include("staff.urls")),
    path("live/", include("live.urls")),
    # The Persian edition: the same pages under /fa/ (its own URL namespace), each limited
    # to Persian content (articles.editions). Before the English catch-all /<slug>/.
    *(PERSIAN_EDITION if "fa" in settings.SITE_LANGUAGES else []),
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
