"""The live desk: a live story's page in the admin, with a compact form for a new entry
and the entries below it, newest first. Saving the desk never saves the article itself,
so reporters adding entries at once never meet the article's stale-save check. Every save
is recorded in the story's history (django-reversion), deleted entries included."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from reversion.admin import VersionAdmin

from articles import workflow
from channels.admin import OptionalFormSet
from live import outbox
from live.models import LiveEntry, LiveStory

EDITOR_PERMISSION = "articles.publish_article"


def may_report(request, story=None):
    """Writers add entries to the live stories they may edit; editors to any."""
    if story is None:
        return request.user.has_perm("articles.change_article")
    return workflow.can_edit(request.user, story.article)


class LiveEntryInline(admin.StackedInline):
    model = LiveEntry
    fields = (("published_at", "is_key_point"), "body", ("author", "image"), "telegram")
    readonly_fields = ("telegram",)
    autocomplete_fields = ("author", "image")
    extra = 1
    classes = ("live-entries",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author", "image")

    @admin.display(description="Telegram")
    def telegram(self, obj):
        if not obj or not obj.pk or not obj.is_key_point:
            return "Key points go to the Telegram channel when it is set up."
        text = obj.get_telegram_state_display()
        return f"{text}: {obj.telegram_error}" if obj.telegram_error else text

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("articles.view_article")

    def has_add_permission(self, request, obj=None):
        return may_report(request, obj)

    def has_change_permission(self, request, obj=None):
        return may_report(request, obj)

    def has_delete_permission(self, request, obj=None):
        return may_report(request, obj)


@admin.register(LiveStory)
class LiveStoryAdmin(VersionAdmin):
    list_display = ("article", "is_live", "coverage_start", "coverage_end", "updated_at")
    list_select_related = ("article",)
    list_filter = ("is_live",)
    search_fields = ("article__title",)
    autocomplete_fields = ("article",)
    fields = ("article", "article_link", "is_live", ("coverage_start", "coverage_end"))
    readonly_fields = ("article_link",)
    inlines = (LiveEntryInline,)

    class Media:
        css = {"all": ("admin-newsroom/admin.css", "admin-newsroom/live-desk.css")}

    @admin.display(description="page")
    def article_link(self, obj):
        if not obj or not obj.pk:
            return "—"
        return format_html(
            '<a href="{}">Edit the article</a> · <a href="{}">Read it on the site</a>',
            reverse("admin:articles_article_change", args=[obj.article_id]),
            obj.article.get_absolute_url(),
        )

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None:
            fields.append("article")
        if not request.user.has_perm(EDITOR_PERMISSION):
            # Only editors open and close a story's coverage.
            fields += ["is_live", "coverage_start", "coverage_end"]
        return fields

    def has_module_permission(self, request):
        return request.user.has_perm("articles.view_article")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("articles.view_article")

    def has_add_permission(self, request):
        return request.user.has_perm(EDITOR_PERMISSION)

    def has_change_permission(self, request, obj=None):
        return may_report(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm(EDITOR_PERMISSION)

    def save_formset(self, request, form, formset, change):
        if formset.model is not LiveEntry:
            return super().save_formset(request, form, formset, change)
        entries = formset.save(commit=False)
        for entry in formset.deleted_objects:
            entry.delete()
        for entry in entries:
            if entry.pk is None:
                entry.created_by = request.user
            entry.save()
            outbox.on_entry_saved(entry)
        return None


class LiveStoryInline(admin.StackedInline):
    """On the article's form: whether it is a live story and when its coverage runs, with
    the way to its live desk."""

    model = LiveStory
    # A form posted without this part leaves the live story as it was.
    formset = OptionalFormSet
    fields = ("is_live", ("coverage_start", "coverage_end"), "desk")
    readonly_fields = ("desk",)
    extra = 0
    max_num = 1
    can_delete = False
    verbose_name = verbose_name_plural = "live coverage"

    @admin.display(description="entries")
    def desk(self, obj):
        if not obj or not obj.pk:
            return "Save with “live story” ticked, then add entries on the live desk."
        return format_html(
            '<a href="{}">Open the live desk</a> ({} entries)',
            reverse("admin:live_livestory_change", args=[obj.pk]),
            obj.entries.count(),
        )

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("articles.view_article")

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm(EDITOR_PERMISSION)

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm(EDITOR_PERMISSION)
