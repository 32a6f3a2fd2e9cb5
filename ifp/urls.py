import os

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from articles import editions, feeds, most_read, sitemaps, views
from articles.sitemaps import SITEMAPS
from ifp.views import favicon, healthz
from staff import twofactor
from staff.twofactor import NewsroomLoginForm
from staff.views import AuthorDetailView

admin.site.site_header = f"{settings.SITE_SHORT_NAME} newsroom"
admin.site.site_title = f"{settings.SITE_SHORT_NAME} newsroom"
admin.site.index_title = "Newsroom"

# The lists that have feeds, each with the address its feeds hang under.
FEED_LISTS = [
    (None, ""),
    ("section", "category/<str:slug>/"),
    ("tag", "tag/<str:slug>/"),
    ("author", "author/<str:slug>/"),
]


def feed_routes(language="en", prefix=""):
    """The routes of one edition's feeds at WordPress's addresses: RSS at ``…/feed/`` and
    Atom at ``…/feed/atom/``, for the whole site and for each section, tag and author.

    ``prefix`` is where the edition's pages live ("" or "fa/"); the routes are named as
    ``articles.editions.reverse_in`` looks them up: "feed", "section-feed-atom"… in the
    default edition, the same with "fa-" before them in the Persian one.
    """
    name_prefix = "" if language == editions.DEFAULT else f"{language}-"
    routes = []
    for kind, address in FEED_LISTS:
        rss, atom = feeds.feed_pair(kind, language=language)
        name = f"{name_prefix}{kind}-feed" if kind else f"{name_prefix}feed"
        routes += [
            path(f"{prefix}{address}feed/", rss, name=name),
            path(f"{prefix}{address}feed/atom/", atom, name=f"{name}-atom"),
        ]
    return routes


PERSIAN_EDITION = [
    path("fa/author/<str:slug>/", AuthorDetailView.as_view(language="fa"), name="fa-staff-detail"),
    *feed_routes("fa", prefix="fa/"),
    path("fa/", include("articles.urls", namespace="fa")),
]

admin.site.login_form = NewsroomLoginForm
admin.site.login_template = "admin/newsroom_login.html"

urlpatterns = [
    path("admin/two-factor/", admin.site.admin_view(twofactor.setup), name="two-factor"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    # Feeds at WordPress's addresses: /feed/ (RSS) and /feed/atom/, also under each list.
    *feed_routes(),
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
