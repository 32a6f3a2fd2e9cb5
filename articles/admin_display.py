"""What the article desk shows: its list (columns, filters, order, search, the readers
column) and the read-only fields of its form. A mixin of ``ArticleAdmin``; every rule it
applies is a queryset method (``articles.models``)."""

from django.contrib import admin
from django.db.models import Prefetch
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from articles import reader_admin, search
from articles.models import Byline, newsroom_ordering
from core.newsroom_time import newsroom_time


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return (
            ("draft", "Draft"),
            ("review", "In review"),
            ("scheduled", "Scheduled"),
            ("live", "Live"),
            ("unpublished", "Unpublished"),
            ("pending", "Live, with changes awaiting review"),
        )

    def queryset(self, request, queryset):
        return {
            "draft": queryset.drafts,
            "review": queryset.in_review,
            "scheduled": queryset.scheduled,
            "live": queryset.published,
            "unpublished": queryset.unpublished,
            "pending": queryset.with_pending_edits,
        }.get(self.value(), queryset.all)()


class MineFilter(admin.SimpleListFilter):
    """The user's own articles (``ArticleQuerySet.owned_by``)."""

    title = "whose"
    parameter_name = "whose"

    def lookups(self, request, model_admin):
        return (("mine", "Mine"),)

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.owned_by(request.user)
        return queryset


class ArticleDisplay:
    """The list of articles and the read-only parts of the article form."""

    list_display = (
        "title",
        "section",
        "byline",
        "state",
        "is_published",
        "published_at",
        "updated_at",
        "views_week",
    )
    list_filter = (
        StateFilter,
        MineFilter,
        ("bylines__author", admin.RelatedOnlyFieldListFilter),
        "section",
        "language",
        "is_featured",
        "published_at",
    )
    list_select_related = ("section",)
    # Parts of these, and (get_search_results) the story text and bylines' names.
    search_fields = ("title", "slug", "standfirst", "kicker")
    search_help_text = "Searches headlines, standfirsts, story text and bylines."
    date_hierarchy = "published_at"

    readers = reader_admin.readers_field

    @admin.display(description="Body")
    def text(self, obj):
        # Sanitized against the editor's allowlist on every save (articles.richtext).
        return mark_safe(obj.body)  # noqa: S308

    @admin.display(description="Current picture")
    def image_preview(self, obj):
        if obj is None or obj.image_id is None:
            return "None yet."
        url, width, height = obj.image.rendition("card", at_most=320)
        return format_html(
            '<img src="{}" alt="{}" width="{}" height="{}" class="featured-preview"><br>{}',
            url,
            obj.image.alt,
            width,
            height,
            obj.image.credit,
        )

    def get_queryset(self, request):
        # Every page of this admin (the list, the change form, versions, compare, share,
        # pending changes, autocomplete) reads through here: a writer never reaches a
        # colleague's draft. One query for all bylines on the page, not one per row.
        return (
            super()
            .get_queryset(request)
            .visible_to(request.user)
            .prefetch_related(
                Prefetch("bylines", queryset=Byline.objects.select_related("author"))
            )
            .annotate(views_week=reader_admin.views_week())
        )

    views_week = reader_admin.views_week_column

    def get_ordering(self, request):
        return newsroom_ordering()

    def get_search_results(self, request, queryset, search_term):
        fields, duplicates = super().get_search_results(request, queryset, search_term)
        if not search_term.strip():
            return fields, duplicates
        return fields | search.newsroom_matches(queryset, search_term), duplicates

    @admin.display(description="byline")
    def byline(self, obj):
        return ", ".join(author.name for author in obj.byline_authors)

    @admin.display(description="state", ordering="status")
    def state(self, obj):
        if obj.is_scheduled():
            return f"Scheduled for {newsroom_time(obj.published_at)}"
        return obj.get_status_display()

    @admin.display(boolean=True, description="public")
    def is_published(self, obj):
        return obj.is_published()
