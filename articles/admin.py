from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from js_asset.media import Media as NoncedMedia

from articles import editions, reader_admin, services, workflow
from articles.admin_display import ArticleDisplay
from articles.admin_editing import ArticleEditingViews
from articles.admin_views import ArticleHistoryViews, ArticleWorkflowActions
from articles.models import (
    Article,
    Byline,
    Comment,
    Correction,
    Page,
    PendingEdit,
    Redirect,
    Section,
    WorkflowEvent,
)
from channels.admin import TelegramPostInline
from core.newsroom_time import newsroom_time, zone_name
from images.admin import picker_script
from live.admin import LiveStoryInline


class BodyEditorMixin:
    """For admins with a rich-text body: the body editor's import map is the one inline
    script the admin needs, and it gets this request's Content-Security-Policy nonce
    (ifp.middleware)."""

    def render_change_form(self, request, context, *args, **kwargs):
        nonce = getattr(request, "csp_nonce", None)
        if nonce is not None:
            context["media"] = NoncedMedia.from_media(context["media"], nonce=str(nonce))
        return super().render_change_form(request, context, *args, **kwargs)


class LanguageMixin:
    """The language select of an article, section or page: left out of a form (a form
    posted by a script written before editions), it is the default language, English."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "language":
            field.required = False
            field.empty_value = editions.DEFAULT
        return field


@admin.register(Section)
class SectionAdmin(LanguageMixin, admin.ModelAdmin):
    list_display = ("name", "slug", "language", "position")
    list_editable = ("position",)
    list_filter = ("language",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class BylineInline(admin.TabularInline):
    model = Byline
    autocomplete_fields = ("author",)
    fields = ("author", "role", "position")
    extra = 0
    min_num = 1
    verbose_name = "author"
    verbose_name_plural = "byline"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # A table row's fields have a column header but no label of their own: name them.
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and db_field.name in ("author", "position"):
            widget = getattr(field.widget, "widget", field.widget)
            widget.attrs["aria-label"] = f"Byline {db_field.name}"
        return field

    def get_formset(self, request, obj=None, **kwargs):
        # min_num alone only shows the empty rows; validate_min refuses a byline-less save.
        return super().get_formset(request, obj, validate_min=True, **kwargs)

    # The byline is part of the article: whoever may edit the article may edit its byline.
    def may_edit(self, request, obj):
        if obj is None:
            return request.user.has_perm("articles.add_article")
        return workflow.can_edit(request.user, obj)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("articles.view_article")

    def has_add_permission(self, request, obj):
        return self.may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.may_edit(request, obj)


class CorrectionInline(admin.StackedInline):
    """Corrections, clarifications and updates: appended to a published article, never
    deleted."""

    model = Correction
    fields = ("kind", "text", "published_at")
    readonly_fields = ("published_at",)
    extra = 0
    can_delete = False
    verbose_name_plural = "corrections, clarifications and updates"


class ArticleAdminForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    workflow_note = forms.CharField(
        label="Note for the writer",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when sending the article back: what should the writer change?",
    )

    class Meta:
        model = Article
        # The admin narrows this to the fields of its fieldsets.
        fields = (
            "language",
            "kicker",
            "title",
            "slug",
            "standfirst",
            "body",
            "section",
            "tags",
            "is_featured",
            "image",
            "image_caption",
            "published_at",
            "seo_title",
            "seo_description",
            "translation_of",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        """Gathers what the save needs: the workflow step clicked (``transition``, a name
        of ``workflow.TRANSITIONS`` or "") and the version the form was based on, checked
        here so that a stale save is refused with the user's text kept in the form."""
        cleaned_data = super().clean()
        transition = self.data.get("_transition", "")
        if transition and transition not in workflow.TRANSITIONS:
            raise ValidationError(f"“{transition}” is not a step of the workflow.")
        if transition == "send_back" and not cleaned_data.get("workflow_note", "").strip():
            self.add_error("workflow_note", "Tell the writer what to change.")
        when = cleaned_data.get("published_at")
        future = when is not None and when > timezone.now()
        if transition == "schedule" and not future and "published_at" in self.fields:
            self.add_error(
                "published_at",
                "Set a publication time in the future (newsroom time) to schedule the article.",
            )
        if transition == "publish" and future and self.instance.status != Article.Status.PUBLISHED:
            self.add_error(
                "published_at",
                "This time is in the future: press “Schedule” to publish then, or clear it "
                "to publish now.",
            )
        cleaned_data["transition"] = transition
        if self.instance.pk is not None:
            stored = Article.objects.select_related("updated_by").filter(pk=self.instance.pk)
            if stored := stored.first():
                # No row lock here: the service takes it and checks again in its save.
                services.version_check(
                    stored,
                    cleaned_data.get("expected_version"),
                    refused_what="save",
                    advice=services.SAVE_ADVICE,
                )
        return cleaned_data


@admin.register(Article)
class ArticleAdmin(
    LanguageMixin,
    ArticleDisplay,
    ArticleEditingViews,
    ArticleHistoryViews,
    ArticleWorkflowActions,
    BodyEditorMixin,
    admin.ModelAdmin,
):
    """The newsroom's article desk, an adapter: every save and workflow step is one call
    to ``articles.services``, which keeps writers' changes to live articles for an editor.
    What it shows (the list, its filters and columns, read-only fields) is in
    ``articles.admin_display``; autosave and the soft lock in ``articles.admin_editing``;
    versions, pending changes, share links and the list's workflow actions in
    ``articles.admin_views``."""

    form = ArticleAdminForm
    formfield_overrides = reader_admin.HTTPS_BY_DEFAULT
    change_form_template = "admin/articles/article/change_form.html"

    class Media:
        css = {"all": ("admin-newsroom/admin.css", "admin-newsroom/image-picker.css")}
        # Turns the form's text fields right to left while the language is Persian; the
        # body editor's pictures come from the library (images.admin).
        js = (
            "admin-newsroom/text-direction.js",
            "admin-newsroom/editing.js",
            "admin-newsroom/form-names.js",
            "admin-newsroom/writing.js",
            picker_script(),
        )

    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("section", "image", "translation_of", "source_outlet")
    readonly_fields = (
        "readers",
        "image_preview",
        "status",
        "content_updated_at",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    )
    inlines = (BylineInline, CorrectionInline, TelegramPostInline, LiveStoryInline)
    actions = ("submit_for_review", "publish_now", "unpublish")

    def get_fieldsets(self, request, obj=None):
        publishing = ["status", "published_at", "content_updated_at"]
        if workflow.is_editor(request.user):
            publishing.append("workflow_note")
        history = ("created_at", "created_by", "updated_at", "updated_by", "expected_version")
        # Read-only, the body is shown as the formatted text it is, not as its HTML.
        body = "body" if obj is None or self.has_change_permission(request, obj) else "text"
        return (
            (None, {"fields": ("language", "kicker", "title", "slug", "standfirst", body)}),
            ("Filing", {"fields": ("section", "tags", "is_featured", "translation_of")}),
            ("Source", {"fields": ("source_outlet", "source_url", "source_language")}),
            (
                "Search engines",
                {"classes": ("collapse",), "fields": ("seo_title", "seo_description")},
            ),
            ("Featured image", {"fields": ("image", "image_preview", "image_caption")}),
            ("Publishing", {"fields": publishing}),
            ("Readers", {"fields": ("readers",)}),
            ("History", {"classes": ("collapse",), "fields": history}),
        )

    def get_readonly_fields(self, request, obj=None):
        if workflow.is_editor(request.user):
            return self.readonly_fields
        # Only editors choose when an article goes out and what leads the home page.
        return (*self.readonly_fields, "published_at", "is_featured")

    def get_inlines(self, request, obj):
        if obj is not None and obj.status == Article.Status.PUBLISHED:
            return self.inlines
        return (BylineInline, TelegramPostInline, LiveStoryInline)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        # An article someone else has open, or that the user asked to read, is shown
        # read-only (ArticleEditingViews.reading); saving it is not refused for that.
        return workflow.can_edit(request.user, obj) and not self.reading(request, obj)

    def has_publish_permission(self, request):
        return workflow.is_editor(request.user)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(db_field, models.DateTimeField) and formfield is not None:
            zone = f"Newsroom time ({settings.NEWSROOM_TIME_ZONE})."
            formfield.help_text = f"{formfield.help_text} {zone}".strip()
        return formfield

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        author = getattr(request.user, "author", None)
        if obj.pk is None and isinstance(inline, BylineInline) and request.method == "GET":
            # A new article's byline starts with the writer's own author, if she has one.
            if author is not None:
                kwargs["initial"] = [{"author": author.pk, "position": 0}]
        return kwargs

    # Saving: the form, its byline, tags, corrections and the step clicked, in one call.

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError:
            if request.method != "POST":
                raise
        # Someone saved between the form's version check and the service's check under the
        # row lock (the first attempt was rolled back): validating the form again shows the
        # refusal with the user's text kept.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def save_model(self, request, obj, form, change):
        """Nothing yet: ``save_related`` saves the article with its relations at once."""

    def save_related(self, request, form, formsets, change):
        saved = {formset.model: formset.save(commit=False) for formset in formsets}
        bylines = next((fs for fs in formsets if fs.model is Byline), None)
        services.article_save(
            article=form.instance,
            user=request.user,
            bylines=None if bylines is None else self.byline_of(bylines),
            tags=form.cleaned_data.get("tags"),
            corrections=saved.get(Correction, ()),
            transition=form.cleaned_data["transition"],
            note=form.cleaned_data.get("workflow_note", ""),
            expected_version=form.cleaned_data.get("expected_version"),
            related_rows=[
                row
                for model, rows in saved.items()
                if model not in (Byline, Correction)
                for row in rows
            ],
        )

    @staticmethod
    def byline_of(formset):
        """The (author id, role) of the byline formset's rows, in byline order."""
        rows = [f.cleaned_data for f in formset.forms if f.cleaned_data]
        rows = [row for row in rows if not row.get("DELETE")]
        rows.sort(key=lambda row: row["position"] or 0)
        return [(row["author"].pk, row.get("role") or "author") for row in rows]

    def proposed(self, request, obj, change=True):
        """Whether saving ``obj`` kept a pending change (``workflow.edits_need_review``)."""
        return change and workflow.edits_need_review(request.user, obj)

    def construct_change_message(self, request, form, formsets, add=False):
        if self.proposed(request, form.instance, not add):
            return ""  # nothing was saved to the article
        return super().construct_change_message(request, form, formsets, add)

    def log_change(self, request, obj, message):
        if not self.proposed(request, obj):
            return super().log_change(request, obj, message)

    def step_done(self, request, obj):
        """The workflow step this save made (the form's "_transition" button), as its
        event, or None; told to the user by name, time and person."""
        name = request.POST.get("_transition", "")
        if name not in workflow.TRANSITIONS or self.proposed(request, obj):
            return None
        return obj.events.filter(actor=request.user).first()

    def response_add(self, request, obj, post_url_continue=None):
        if event := self.step_done(request, obj):
            self.message_user(request, workflow.step_message(event, obj), messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[obj.pk]))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if event := self.step_done(request, obj):
            self.message_user(request, workflow.step_message(event, obj), messages.SUCCESS)
            return HttpResponseRedirect(request.path)
        if self.proposed(request, obj):
            self.message_user(
                request,
                "Your changes were kept for an editor's review. The live article stays as "
                "it is until an editor approves them.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        user = request.user
        article = obj or Article(created_by=user)
        may_change = obj is None or self.has_change_permission(request, obj)
        transitions = workflow.available_transitions(user, article) if may_change else []
        context.update(
            transitions=[(t.name, t.label_for(article)) for t in transitions],
            edits_need_review=obj is not None
            and may_change
            and workflow.edits_need_review(user, obj),
            events=obj.events.select_related("actor") if obj else (),
            pending_edits=obj.pending_edits.filter(state=PendingEdit.State.PENDING).select_related(
                "proposed_by"
            )
            if obj
            else (),
            can_share=obj is not None and workflow.is_editor(user),
            schedulable=any(t.name == "schedule" for t in transitions),
            newsroom_zone=zone_name(),
            newsroom_now=newsroom_time(timezone.now()),
        )
        if obj is not None and obj.status == Article.Status.DRAFT:
            sent_back = Article.objects.sent_back().filter(pk=obj.pk).first()
            context.update(
                sent_back=sent_back,
                sent_back_when=newsroom_time(sent_back.sent_back_at) if sent_back else "",
            )
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(PendingEdit)
class PendingEditAdmin(admin.ModelAdmin):
    list_display = ("article", "proposed_by", "proposed_at", "state", "decided_by")
    list_filter = ("state",)
    list_select_related = ("article", "proposed_by", "decided_by")
    search_fields = ("article__title",)
    date_hierarchy = "proposed_at"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        edit = self.get_object(request, unquote(object_id))
        if edit is None or not self.has_view_permission(request, edit):
            raise Http404("No such pending change.")
        return HttpResponseRedirect(
            reverse("admin:article_pending", args=[edit.article_id, edit.pk])
        )


@admin.register(WorkflowEvent)
class WorkflowEventAdmin(admin.ModelAdmin):
    """The audit trail: read-only."""

    list_display = ("at", "article", "actor", "action", "from_status", "to_status", "note")
    list_filter = ("action", "to_status")
    list_select_related = ("article", "actor")
    search_fields = ("article__title", "note")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    list_display = ("old_path", "article", "page", "created_at")
    list_select_related = ("article", "page")
    search_fields = ("old_path", "article__title", "page__title")
    autocomplete_fields = ("article", "page")


@admin.register(Page)
class PageAdmin(LanguageMixin, BodyEditorMixin, admin.ModelAdmin):
    """Standing pages: About, Contact, Editorial standards, Corrections policy…"""

    class Media:
        css = {"all": ("admin-newsroom/image-picker.css",)}
        js = ("admin-newsroom/text-direction.js", picker_script())

    list_display = ("title", "slug", "language", "role", "status", "updated_at")
    list_filter = ("status", "language", "role")
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("wp_id",)


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """Readers' comments kept from the WordPress archive: read-only records."""

    list_display = ("author_name", "article", "published_at")
    list_select_related = ("article",)
    search_fields = ("author_name", "text", "article__title")
    date_hierarchy = "published_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
