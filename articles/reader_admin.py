"""The newsroom's side of the reader pages' extras: source outlets, breaking-news alerts
and the readers column and field that ``articles.admin.ArticleAdmin`` shows."""

from datetime import timedelta

from django.contrib import admin
from django.db import models
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from articles import most_read
from articles.models import Alert, ArticleViews, Outlet

# An address typed without a scheme ("kayhan.ir") is read as https://, as Django 6 does.
HTTPS_BY_DEFAULT = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    """The outlets stories are based on; each has a page of its stories."""

    formfield_overrides = HTTPS_BY_DEFAULT
    list_display = ("name", "slug", "website")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    """Breaking-news alerts: the newest one that has not expired shows on every page at
    once (saving one starts a new page-cache generation) and disappears by itself at its
    expiry (the page cache never keeps a page past it)."""

    list_display = ("text", "level", "language", "expires_at", "is_live")
    list_filter = ("level", "language")
    search_fields = ("text",)
    date_hierarchy = "expires_at"

    @admin.display(boolean=True, description="On the site now")
    def is_live(self, obj):
        return obj.expires_at > timezone.now()


def views_week():
    """The article's readers in the last 7 days, as a subquery: the changelist's column
    costs no query per row."""
    since = timezone.now() - timedelta(days=7)
    counts = (
        ArticleViews.objects.filter(article=OuterRef("pk"), hour__gte=since)
        .values("article")
        .annotate(total=Sum("count"))
        .values("total")
    )
    return Coalesce(Subquery(counts), 0)


@admin.display(description="Readers (7 days)", ordering="views_week")
def views_week_column(model_admin, obj):
    return getattr(obj, "views_week", 0)


@admin.display(description="Readers")
def readers_field(model_admin, obj):
    """On the article's page: readers counted in the last 24 hours, 7 days and in all
    (one reader once a day; see articles/most_read.py)."""
    if obj is None or obj.pk is None:
        return "Counted once the article is published."
    now = timezone.now()
    return (
        f"{most_read.views_since(obj, now - timedelta(hours=24))} in the last 24 hours, "
        f"{most_read.views_since(obj, now - timedelta(days=7))} in the last 7 days, "
        f"{most_read.views_since(obj)} in all."
    )
