"""What the article desk shows: its list (columns, filters, order, search, the readers
column) and the read-only fields of its form. A mixin of ``ArticleAdmin``; every rule it
applies is a queryset method (``articles.models``)."""

from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR
from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from articles import reader_admin, search, workflow
from articles.models import IN_HAND_ORDER, REST_ORDER, Byline, in_hand, newsroom_ordering
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


class BylineAuthorFilter(admin.RelatedOnlyFieldListFilter):
    """The authors of the articles the user can see (Django's related-only filter). For
    those who see every article (editors), each author is checked by the bylines' author
    index (an EXISTS a row), not by a DISTINCT over every byline of every article (a
    million articles: 0.4 s on each visit of the list)."""

    def field_choices(self, field, request, model_admin):
        if not workflow.sees_every_article(request.user):
            return super().field_choices(field, request, model_admin)
        authors = field.remote_field.model._default_manager.filter(
            Exists(Byline.objects.filter(author=OuterRef("pk")))
        )
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:  # else the model's own (Author: by name)
            authors = authors.order_by(*ordering)
        return [(author.pk, str(author)) for author in authors]


class NewsroomOrderList:
    """The article desk's rows in the newsroom's order (``newsroom_order``: the work in
    hand first, by last change, then the rest by publication time, newest first), for the
    list's paginator. The count is the queryset's; a page is read as the two runs the order
    is made of, each a plain ORDER BY that an index serves (``article_desk_idx`` for the
    rest), instead of one sort of every row by a CASE of both, which read every article's
    columns and its readers subquery on each visit (a million articles: 1.5 s). Same rows
    in the same order; one clock for both runs, so that an article going out meanwhile is
    in exactly one."""

    ordered = True  # for Paginator

    def __init__(self, queryset):
        hand = in_hand(timezone.now())
        self.queryset = queryset
        self.hand = queryset.filter(hand).order_by(*IN_HAND_ORDER)
        self.rest = queryset.exclude(hand).order_by(*REST_ORDER)

    def count(self):
        return self.queryset.count()

    def __getitem__(self, index):
        start, stop = index.start or 0, index.stop
        held = self.hand.count()
        rows = list(self.hand[start:stop]) if start < held else []
        if stop > held:
            rows += self.rest[max(0, start - held) : stop - held]
        return rows


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
        ("bylines__author", BylineAuthorFilter),
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

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # The article list with no column chosen: the newsroom's order. The admin pages
        # other lists through here too (an article's history: its log entries).
        if queryset.model is self.model and ORDER_VAR not in request.GET:
            queryset = NewsroomOrderList(queryset)
        return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)

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
