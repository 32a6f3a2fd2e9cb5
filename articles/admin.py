from django.conf import settings
from django.contrib import admin, messages
from django.db import models
from django.db.models import Prefetch
from django.utils import timezone

from articles.models import Article, Byline, Section


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class BylineInline(admin.TabularInline):
    model = Byline
    autocomplete_fields = ("author",)
    fields = ("author", "position")
    extra = 0
    min_num = 1
    verbose_name = "author"
    verbose_name_plural = "byline"

    def get_formset(self, request, obj=None, **kwargs):
        # min_num alone only shows the empty rows; validate_min refuses a byline-less save.
        return super().get_formset(request, obj, validate_min=True, **kwargs)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "section",
        "byline",
        "status",
        "is_published",
        "published_at",
        "updated_at",
    )
    list_filter = ("status", "section", "is_featured", "published_at")
    list_select_related = ("section",)
    search_fields = ("title", "slug", "standfirst", "kicker")
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("section",)
    readonly_fields = ("created_at", "updated_at", "created_by", "updated_by")
    inlines = (BylineInline,)
    actions = ("publish_now", "unpublish")
    fieldsets = (
        (None, {"fields": ("kicker", "title", "slug", "standfirst", "body")}),
        ("Filing", {"fields": ("section", "tags", "is_featured")}),
        (
            "Featured image",
            {"fields": ("image", "image_alt", "image_caption", "image_credit")},
        ),
        ("Publishing", {"fields": ("status", "published_at")}),
        (
            "History",
            {
                "classes": ("collapse",),
                "fields": ("created_at", "created_by", "updated_at", "updated_by"),
            },
        ),
    )

    def get_queryset(self, request):
        # One query for all bylines on the page, not one per row.
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("bylines", queryset=Byline.objects.select_related("author"))
            )
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(db_field, models.DateTimeField) and formfield is not None:
            zone = f"Newsroom time ({settings.NEWSROOM_TIME_ZONE})."
            formfield.help_text = f"{formfield.help_text} {zone}".strip()
        return formfield

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="byline")
    def byline(self, obj):
        return ", ".join(author.name for author in obj.byline_authors)

    @admin.display(boolean=True, description="public")
    def is_published(self, obj):
        return obj.is_published()

    @admin.action(description="Publish the selected articles now", permissions=("change",))
    def publish_now(self, request, queryset):
        now = timezone.now()
        count = 0
        for article in queryset:
            article.publish(at=min(article.published_at or now, now))
            article.updated_by = request.user
            article.save()
            count += 1
        self.message_user(request, f"Published {count} article(s).", messages.SUCCESS)

    @admin.action(description="Unpublish the selected articles", permissions=("change",))
    def unpublish(self, request, queryset):
        count = 0
        for article in queryset.filter(status=Article.Status.PUBLISHED):
            article.unpublish()
            article.updated_by = request.user
            article.save()
            count += 1
        self.message_user(request, f"Unpublished {count} article(s).", messages.SUCCESS)
