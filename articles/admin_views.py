"""The article desk beside its change form: versions, comparing two of them, restoring one,
a writer's pending change (approve or send back), share links for a preview, and the
list's workflow actions. Mixins of ``ArticleAdmin``: every page reads the article through
its ``get_queryset``, so a writer never reaches a colleague's draft; every write is a call
to ``articles.services``."""

from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from reversion.models import Version

from articles import diff, preview, services, workflow
from articles.models import Article, PendingEdit
from articles.origin import absolute_url


class ArticleHistoryViews:
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
            result, left_out = services.version_restore(
                article=article, version=version, user=request.user, expected_version=expected
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
                services.edit_decide(edit=edit, user=request.user, approve=approve, note=note)
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
            can_decide=workflow.is_editor(request.user)
            and edit.state == PendingEdit.State.PENDING,
        )

    def share_view(self, request, object_id):
        article = self.article_or_404(request, object_id)
        if not workflow.is_editor(request.user):
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


class ArticleWorkflowActions:
    """The article list's actions: the same workflow steps as the change form's buttons,
    article by article, each through ``services.article_transition``."""

    def run_transition(self, request, queryset, name):
        done, refused = 0, []
        for article in queryset:
            try:
                services.article_transition(article=article, user=request.user, name=name)
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
