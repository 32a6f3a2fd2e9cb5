"""The newsroom's side of the reader pages' extras: source outlets and breaking-news alerts.
Imported by ``articles.admin``."""

from django.contrib import admin
from django.utils import timezone

from articles.models import Alert, Outlet


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    """The outlets stories are based on; each has a page of its stories."""

    list_display = ("name", "slug", "website")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    """Breaking-news alerts: the newest one that has not expired shows on every page at
    once (saving one starts a new page-cache generation) and disappears by itself at its
    expiry (the page cache never keeps a page past it)."""

    list_display = ("text", "level", "expires_at", "is_live")
    list_filter = ("level",)
    search_fields = ("text",)
    date_hierarchy = "expires_at"

    @admin.display(boolean=True, description="On the site now")
    def is_live(self, obj):
        return obj.expires_at > timezone.now()
