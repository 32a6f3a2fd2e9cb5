from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from js_asset.media import Media as NoncedMedia
from reversion.models import Version

from articles import diff, preview, workflow
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
    public_q,
)
from articles.origin import absolute_url
from channels.admin import TelegramPostInline
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


def is_editor(request):
    return request.user.has_perm("articles.publish_article")


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
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned_data = super().clean()
        transition = self.data.get("_transition", "")
        if transition and transition not in workflow.TRANSITIONS:
            raise ValidationError(f"“{transition}” is not a step of the workflow.")
        if transition == "send_back" and not cleaned_data.get("workflow_note", "").strip():
            self.add_error("workflow_note", "Tell the writer what to change.")
        if self.instance.pk is not None:
            self.refuse_stale_save(cleaned_data.get("expected_version"))
        return cleaned_data

    def refuse_stale_save(self, expected):
        """Optimistic locking through ``workflow.lock_for_save``, the one check of every
        save. The row read and locked there is kept as ``stored``: the workflow judges
        the article as it is stored, not as this form has edited it."""
        self.stored = workflow.lock_for_save(
            self.instance,
            expected,
            refused_what="save",
            advice="Your text is still in the form below: copy what you need, then reload "
            "the page to see their version and apply it again.",
        )


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
        now = timezone.now()
        published = Q(status=Article.Status.PUBLISHED)
        return {
            "draft": lambda: queryset.filter(status=Article.Status.DRAFT),
            "review": lambda: queryset.filter(status=Article.Status.REVIEW),
            "scheduled": lambda: queryset.filter(published, published_at__gt=now),
            "live": lambda: queryset.filter(public_q()),
            "unpublished": lambda: queryset.filter(status=Article.Status.UNPUBLISHED),
            "pending": lambda: queryset.filter(
                pending_edits__state=PendingEdit.State.PENDING
            ).distinct(),
        }.get(self.value(), lambda: queryset)()


@admin.register(Article)
class ArticleAdmin(BodyEditorMixin, admin.ModelAdmin):
    """The newsroom's article desk. Every status change goes through ``articles.workflow``;
    writers' changes to live articles are kept as pending changes for an editor."""

    form = ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"

    class Media:
        css = {"all": ("admin-newsroom/admin.css",)}

    list_display = (
        "title",
        "section",
        "byline",
        "state",
        "is_published",
        "published_at",
        "updated_at",
    )
    list_filter = (StateFilter, "status", "section", "is_featured", "published_at")
    list_select_related = ("section",)
    search_fields = ("title", "slug", "standfirst", "kicker")
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("section", "image")
    readonly_fields = (
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
        if is_editor(request):
            publishing.append("workflow_note")
        return (
            (None, {"fields": ("kicker", "title", "slug", "standfirst", "body")}),
            ("Filing", {"fields": ("section", "tags", "is_featured")}),
            (
                "Search engines",
                {"classes": ("collapse",), "fields": ("seo_title", "seo_description")},
            ),
            (
                "Featured image",
                {"fields": ("image", "image_preview", "image_caption")},
            ),
            ("Publishing", {"fields": publishing}),
            (
                "History",
                {
                    "classes": ("collapse",),
                    "fields": (
                        "created_at",
                        "created_by",
                        "updated_at",
                        "updated_by",
                        "expected_version",
                    ),
                },
            ),
        )

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

    def get_readonly_fields(self, request, obj=None):
        if is_editor(request):
            return self.readonly_fields
        # Only editors choose when an article goes out and what leads the home page.
        return (*self.readonly_fields, "published_at", "is_featured")

    def get_inlines(self, request, obj):
        if obj is not None and obj.status == Article.Status.PUBLISHED:
            return self.inlines
        return (BylineInline, TelegramPostInline, LiveStoryInline)

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
        )

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return workflow.can_edit(request.user, obj)

    def has_publish_permission(self, request):
        return is_editor(request)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(db_field, models.DateTimeField) and formfield is not None:
            zone = f"Newsroom time ({settings.NEWSROOM_TIME_ZONE})."
            formfield.help_text = f"{formfield.help_text} {zone}".strip()
        return formfield

    # Saving: content, then the workflow step the editor clicked, as one version.

    def requested_transition(self, request):
        return request.POST.get("_transition", "")

    def save_model(self, request, obj, form, change):
        # The workflow judges the article as stored (read and locked by the form's
        # stale-save check), not as the form has just edited it.
        stored = form.stored if change else obj
        request._stored_article = stored
        if not change:
            obj.created_by = request.user
        if transition := self.requested_transition(request):
            workflow.check_transition(
                request.user, stored, transition, form.cleaned_data.get("workflow_note", "")
            )
        if change and workflow.edits_need_review(request.user, stored):
            return  # kept as a pending change in save_related; the live row is untouched
        obj.updated_by = request.user
        obj.save()

    def save_related(self, request, form, formsets, change):
        article = form.instance
        if change and workflow.edits_need_review(request.user, article):
            request._pending_edit = self.propose(request, form, formsets)
            return
        super().save_related(request, form, formsets, change)
        comment = "Created" if not change else "Edited"
        stored = request._stored_article
        if transition := self.requested_transition(request):
            event = workflow.apply(
                article,
                request.user,
                transition,
                note=form.cleaned_data.get("workflow_note", ""),
                record=False,
                stored=stored if change else None,
            )
            comment = f"{comment}; {workflow.describe(event)}"
        elif (
            change
            and stored.status == Article.Status.PUBLISHED
            and stored.published_at != article.published_at
        ):
            event = workflow.record_reschedule(article, request.user, stored.published_at)
            comment = f"{comment}; {event.note}"
        workflow.record_version(article, request.user, comment)

    def propose(self, request, form, formsets):
        article = form.instance
        bylines = next(fs for fs in formsets if fs.model is Byline)
        rows = [
            f.cleaned_data
            for f in bylines.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        proposed = workflow.snapshot(
            article,
            authors=[row["author"].pk for row in sorted(rows, key=lambda row: row["position"])],
            tags=form.cleaned_data.get("tags", []),
        )
        # Only what the writer changed: approving later must not undo an editor's edits
        # of the other fields made in the meantime.
        stored = workflow.snapshot(request._stored_article)
        data = {key: value for key, value in proposed.items() if stored.get(key) != value}
        return workflow.propose_edit(
            article, request.user, data, base_version=form.cleaned_data.get("expected_version")
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is Byline:
            # Removed rows go first: a row changed to the author of a row removed in the
            # same save would otherwise meet the one-author-once rule before it is gone.
            bylines = formset.save(commit=False)
            for byline in formset.deleted_objects:
                byline.delete()
            for byline in bylines:
                byline.save()
            return None
        if formset.model is not Correction:
            return super().save_formset(request, form, formset, change)
        corrections = formset.save(commit=False)
        for correction in corrections:
            if correction.pk is None:
                correction.created_by = request.user
            correction.save()
        if formset.new_objects:
            # Only a correction, clarification or update moves the public "Updated" time;
            # set on the form's instance too, which a workflow step saves again after this.
            updated = max(correction.published_at for correction in formset.new_objects)
            form.instance.content_updated_at = updated
            Article.objects.filter(pk=form.instance.pk).update(content_updated_at=updated)

    def construct_change_message(self, request, form, formsets, add=False):
        if getattr(request, "_pending_edit", None) is not None:
            return ""  # nothing was saved to the article; the formsets were not saved
        return super().construct_change_message(request, form, formsets, add)

    def log_change(self, request, obj, message):
        if getattr(request, "_pending_edit", None) is None:
            return super().log_change(request, obj, message)

    def response_change(self, request, obj):
        if getattr(request, "_pending_edit", None) is not None:
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
        context.update(
            transitions=[
                (t.name, t.label_for(article))
                for t in workflow.available_transitions(user, article)
            ]
            if (obj is None or self.has_change_permission(request, obj))
            else [],
            edits_need_review=obj is not None and workflow.edits_need_review(user, obj),
            events=obj.events.select_related("actor") if obj else (),
            pending_edits=(
                obj.pending_edits.filter(state=PendingEdit.State.PENDING).select_related(
                    "proposed_by"
                )
                if obj
                else ()
            ),
            can_share=obj is not None and is_editor(request),
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    # Bulk actions: the same workflow rules, article by article.

    def run_transition(self, request, queryset, name):
        done, refused = 0, []
        for article in queryset:
            try:
                workflow.transition(article, request.user, name)
                done += 1
            except (PermissionDenied, ValidationError) as error:
                refused.append(
                    f"“{article}”: {' '.join(getattr(error, 'messages', [str(error)]))}"
                )
        if done:
            label = workflow.TRANSITIONS[name].label.lower()
            self.message_user(
                request, f"{label.capitalize()}: {done} article(s).", messages.SUCCESS
            )
        for line in refused:
            self.message_user(request, f"Not done for {line}", messages.WARNING)

    @admin.action(description="Submit the selected articles for review", permissions=("change",))
    def submit_for_review(self, request, queryset):
        self.run_transition(request, queryset, "submit")

    @admin.action(description="Publish the selected articles", permissions=("publish",))
    def publish_now(self, request, queryset):
        self.run_transition(request, queryset, "publish")

    @admin.action(description="Unpublish the selected articles", permissions=("publish",))
    def unpublish(self, request, queryset):
        self.run_transition(request, queryset, "unpublish")

    # Columns

    @admin.display(description="byline")
    def byline(self, obj):
        return ", ".join(author.name for author in obj.byline_authors)

    @admin.display(description="state", ordering="status")
    def state(self, obj):
        if obj.is_scheduled():
            return f"Scheduled for {date_format(timezone.localtime(obj.published_at), 'j M H:i')}"
        return obj.get_status_display()

    @admin.display(boolean=True, description="public")
    def is_published(self, obj):
        return obj.is_published()

    # History, comparison, restore, pending changes and share links

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/versions/", view(self.versions_view), name="article_versions"),
            path(
                "<path:object_id>/versions/compare/",
                view(self.compare_view),
                name="article_compare",
            ),
            path(
                "<path:object_id>/versions/<int:version_id>/restore/",
                view(self.restore_view),
                name="article_restore",
            ),
            path(
                "<path:object_id>/pending/<int:edit_id>/",
                view(self.pending_view),
                name="article_pending",
            ),
            path("<path:object_id>/share/", view(self.share_view), name="article_share"),
            *super().get_urls(),
        ]

    def article_or_404(self, request, object_id):
        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_view_permission(request, article):
            raise Http404("No such article.")
        return article

    def page(self, request, article, template, title, **context):
        return TemplateResponse(
            request,
            f"admin/articles/article/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": article,
                "title": title,
                "change_url": reverse("admin:articles_article_change", args=[article.pk]),
                **context,
            },
        )

    def versions_view(self, request, object_id):
        article = self.article_or_404(request, object_id)
        versions = Version.objects.get_for_object(article).select_related("revision__user")
        return self.page(
            request,
            article,
            "versions.html",
            f"Versions of “{article}”",
            versions=versions,
            can_restore=workflow.can_edit(request.user, article),
        )

    def compare_view(self, request, object_id):
        article = self.article_or_404(request, object_id)
        versions = Version.objects.get_for_object(article)

        def side(key):
            value = request.GET.get(key, "current")
            if value == "current":
                return "Now", workflow.snapshot(article)
            try:
                version = versions.select_related("revision__user").get(pk=int(value))
            except (ValueError, Version.DoesNotExist) as error:
                raise Http404("No such version of this article.") from error
            saved = timezone.localtime(version.revision.date_created)
            who = version.revision.user.get_username() if version.revision.user else "—"
            label = f"{date_format(saved, 'j M Y, H:i:s')} ({who})"
            return label, workflow.version_snapshot(version)

        (old_label, old), (new_label, new) = side("from"), side("to")
        return self.page(
            request,
            article,
            "compare.html",
            f"Changes to “{article}”",
            old_label=old_label,
            new_label=new_label,
            changes=diff.compare(old, new),
        )

    def restore_view(self, request, object_id, version_id):
        article = self.article_or_404(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:article_versions", args=[article.pk]))
        version = get_object_or_404(Version.objects.get_for_object(article), pk=version_id)
        try:
            expected = int(request.POST["expected_version"])
        except (KeyError, ValueError):
            expected = None
        try:
            result, left_out = workflow.restore_version(
                article, version, request.user, expected_version=expected
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:article_versions", args=[article.pk]))
        for sentence in left_out:
            self.message_user(request, f"Not restored: {sentence}", messages.WARNING)
        if isinstance(result, PendingEdit):
            self.message_user(
                request,
                "The old version was kept as a pending change: the live article stays as it "
                "is until an editor approves it.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse("admin:article_pending", args=[article.pk, result.pk])
            )
        self.message_user(request, "The old version was restored.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))

    def pending_view(self, request, object_id, edit_id):
        article = self.article_or_404(request, object_id)
        edit = get_object_or_404(article.pending_edits.select_related("proposed_by"), pk=edit_id)
        if request.method == "POST":
            decision = request.POST.get("decision")
            note = request.POST.get("note", "")
            try:
                if decision not in ("approve", "reject"):
                    raise ValidationError("Choose approve or reject.")
                approve = decision == "approve"
                workflow.decide_edit(edit, request.user, approve=approve, note=note)
                done = "The changes are live." if approve else "The changes were rejected."
                self.message_user(request, done, messages.SUCCESS)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:articles_article_change", args=[article.pk])
            )
        return self.page(
            request,
            article,
            "pending.html",
            f"Changes proposed to “{article}”",
            edit=edit,
            changes=diff.compare(live := workflow.snapshot(article), {**live, **edit.data}),
            stale=edit.base_version != article.version,
            can_decide=is_editor(request) and edit.state == PendingEdit.State.PENDING,
        )

    def share_view(self, request, object_id):
        article = self.article_or_404(request, object_id)
        if not is_editor(request):
            raise PermissionDenied
        link = expires = None
        if request.method == "POST" and "revoke" in request.POST:
            which = request.POST["revoke"]
            link_id = int(which) if which.isdigit() else None
            revoked = preview.revoke(article, link_id=link_id)
            self.message_user(
                request,
                f"Revoked {revoked} link(s): they no longer open the preview.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(request.path)
        if request.method == "POST":
            try:
                hours = int(request.POST.get("hours", "48"))
            except ValueError:
                hours = 0
            if not 1 <= hours <= preview.MAX_LIFETIME.total_seconds() // 3600:
                self.message_user(request, "Choose between 1 hour and 14 days.", messages.ERROR)
            elif article.status == Article.Status.PUBLISHED:
                self.message_user(
                    request,
                    "A published article is read at its own address; share that instead.",
                    messages.ERROR,
                )
            else:
                url, expires = preview.share_url(
                    article, lifetime=timedelta(hours=hours), user=request.user
                )
                link = absolute_url(url)
        return self.page(
            request,
            article,
            "share.html",
            f"Share a preview of “{article}”",
            link=link,
            expires=expires,
            active_links=article.share_links.active().select_related("created_by"),
        )


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
class PageAdmin(BodyEditorMixin, admin.ModelAdmin):
    """Standing pages: About, Contact, Editorial standards, Corrections policy…"""

    list_display = ("title", "slug", "status", "updated_at")
    list_filter = ("status",)
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
