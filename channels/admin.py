from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet

from channels import outbox, telegram
from channels.models import TelegramPost
from core.roles import is_editor


class OptionalFormSet(BaseInlineFormSet):
    """An article form posted without this part (a script, a page from before it existed)
    leaves the Telegram switch as it was, instead of failing for want of the formset's
    management fields."""

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        if self.is_bound and f"{self.prefix}-TOTAL_FORMS" not in self.data:
            self.data = self.data.copy()
            self.data[f"{self.prefix}-TOTAL_FORMS"] = "0"
            self.data[f"{self.prefix}-INITIAL_FORMS"] = "0"


class TelegramPostInline(admin.StackedInline):
    """On the article's form: the "do not post" switch (editors) and what became of the
    post: sent, waiting or failed with the reason."""

    model = TelegramPost
    formset = OptionalFormSet
    fields = ("skip", "summary")
    readonly_fields = ("summary",)
    extra = 1
    max_num = 1
    can_delete = False
    verbose_name = verbose_name_plural = "Telegram channel"

    @admin.display(description="post")
    def summary(self, obj):
        if not telegram.is_configured():
            return "Telegram posting is not set up on this site (TELEGRAM_BOT_TOKEN)."
        return obj.summary if obj and obj.pk else TelegramPost().summary

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("articles.view_article")

    def has_add_permission(self, request, obj=None):
        return is_editor(request.user)

    def has_change_permission(self, request, obj=None):
        return is_editor(request.user)


@admin.register(TelegramPost)
class TelegramPostAdmin(admin.ModelAdmin):
    list_display = ("article", "state", "summary", "updated_at")
    list_filter = ("state", "skip")
    list_select_related = ("article",)
    search_fields = ("article__title", "last_error")
    date_hierarchy = "updated_at"
    fields = ("article", "skip", "state", "summary", "attempts", "last_error", "message_id")
    readonly_fields = ("article", "state", "summary", "attempts", "last_error", "message_id")
    actions = ("send_again",)

    @admin.display(description="post")
    def summary(self, obj):
        return obj.summary

    def has_add_permission(self, request):
        return False  # rows are written by publishing (channels.outbox)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return is_editor(request.user)

    def has_change_permission(self, request, obj=None):
        return is_editor(request.user)

    @admin.action(description="Send again to Telegram")
    def send_again(self, request, queryset):
        queued = refused = 0
        for post in queryset.select_related("article"):
            if outbox.send_again(post):
                queued += 1
            else:
                refused += 1
        if queued:
            self.message_user(request, f"{queued} post(s) queued to be sent again.")
        if refused:
            self.message_user(
                request,
                f"{refused} post(s) not queued: already sent, or the article is not on the site.",
                messages.WARNING,
            )
