from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse

from channels import outbox, telegram
from channels.models import Notification, NotificationPreference, TelegramPost
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


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    """**My notifications**: each member of staff chooses what they are told by e-mail.
    Everyone sees and changes only their own choices; the page opens straight on them."""

    fields = ("by_email", "submitted", "sent_back", "schedule_failed", "telegram_failed")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user=request.user)

    def changelist_view(self, request, extra_context=None):
        preference, _ = NotificationPreference.objects.get_or_create(user=request.user)
        return HttpResponseRedirect(
            reverse("admin:channels_notificationpreference_change", args=[preference.pk])
        )

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request) and (obj is None or obj.user == request.user)

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def has_add_permission(self, request):
        return False  # made on the first visit (changelist_view)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """What the newsroom was told, and what could not be sent (with the reason)."""

    list_display = ("subject", "channel", "address", "state", "attempts", "created_at")
    list_filter = ("state", "channel", "event")
    search_fields = ("subject", "address", "last_error")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return is_editor(request.user)

    def has_module_permission(self, request):
        return is_editor(request.user)
