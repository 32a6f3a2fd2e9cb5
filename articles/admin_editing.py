"""The open article form, kept safe: what the user types is sent to the server as they
type and when they leave (an autosave per user and article, a new article's too), offered
back with "Restore the text you were writing at 14:05?", and the form holds a soft lock
(as WordPress's post lock): a second user opening the article is told, in a dialog over
the form, who is editing it and since when, and takes over or reads it. A mixin of
``ArticleAdmin``; the browser's side is ``static/admin-newsroom/editing.js``; every write
is a call to ``articles.services``."""

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST
from taggit.utils import edit_string_for_tags

from articles import services, workflow
from articles.models import Autosave, EditLock, PendingEdit
from core.newsroom_time import newsroom_time

# The fields of the article form an autosave keeps: its own text and choices (the byline,
# corrections and the publication time are kept by saving).
AUTOSAVED_FIELDS = (
    "language",
    "kicker",
    "title",
    "slug",
    "standfirst",
    "body",
    "section",
    "tags",
    "translation_of",
    "image",
    "image_caption",
    "seo_title",
    "seo_description",
    "workflow_note",
)
# The longest text one field may keep (the body of a long feature is far below it).
MAX_FIELD_CHARS = 1_000_000


def form_values(data):
    """A pending change's data (``workflow.snapshot`` fields) as the article form's
    initial values; the byline is left to its rows."""
    values = {}
    for key, value in data.items():
        if key == "tags":
            values["tags"] = edit_string_for_tags([SimpleNamespace(name=tag) for tag in value])
        elif key.endswith("_id"):
            values[key.removesuffix("_id")] = value
        elif key != "authors":
            values[key] = value
    return values


class ArticleEditingViews:
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("autosave/", view(require_POST(self.autosave_view)), name="article_autosave_new"),
            path(
                "autosave/discard/",
                view(require_POST(self.autosave_discard_view)),
                name="article_autosave_new_discard",
            ),
            path(
                "<path:object_id>/autosave/",
                view(require_POST(self.autosave_view)),
                name="article_autosave",
            ),
            path(
                "<path:object_id>/autosave/discard/",
                view(require_POST(self.autosave_discard_view)),
                name="article_autosave_discard",
            ),
            path(
                "<path:object_id>/lock/",
                view(require_POST(self.lock_heartbeat_view)),
                name="article_lock",
            ),
            path(
                "<path:object_id>/lock/take/",
                view(require_POST(self.lock_take_view)),
                name="article_lock_take",
            ),
            path(
                "<path:object_id>/lock/release/",
                view(require_POST(self.lock_release_view)),
                name="article_lock_release",
            ),
            *super().get_urls(),
        ]

    # What the views share

    def editable_or_404(self, request, object_id):
        """The article at ``object_id`` if ``request.user`` may edit it: 404 when they may
        not see it, 403 when they may only read it."""
        if object_id is None:
            if not self.has_add_permission(request):
                raise PermissionDenied
            return None
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404("No such article.")
        if not workflow.can_edit(request.user, article):
            raise PermissionDenied
        return article

    def form_url(self, article):
        if article is None:
            return reverse("admin:articles_article_add")
        return reverse("admin:articles_article_change", args=[article.pk])

    @staticmethod
    def lock_json(lock, user):
        if lock is None or lock.user_id == user.pk:
            return {"mine": True}
        return {
            "mine": False,
            "by": lock.user.get_username(),
            "since": newsroom_time(lock.since),
            "message": (
                f"{lock.user.get_username()} took over this article at "
                f"{newsroom_time(lock.since)}. Your text is kept as you typed it; a save "
                "of yours is refused once they save."
            ),
        }

    def autosaved(self, request, article):
        return Autosave.objects.filter(user=request.user, article=article).first()

    # The endpoints the form's script calls

    def autosave_view(self, request, object_id=None):
        """Keep what the user typed (the form's fields, posted as the form posts them);
        answers ``{"saved_at": "14:05 Tehran time"}``, or 400 naming a field too long."""
        article = self.editable_or_404(request, object_id)
        data = {}
        for name in AUTOSAVED_FIELDS:
            if name in request.POST:
                value = request.POST[name]
                if len(value) > MAX_FIELD_CHARS:
                    return JsonResponse({"error": f"The field “{name}” is too long."}, status=400)
                data[name] = value
        if not data:
            return JsonResponse({"error": "Nothing of the article form was sent."}, status=400)
        autosave = services.autosave_store(user=request.user, article=article, data=data)
        return JsonResponse({"saved_at": newsroom_time(autosave.saved_at, with_date=False)})

    def autosave_discard_view(self, request, object_id=None):
        article = self.editable_or_404(request, object_id)
        services.autosave_discard(user=request.user, article=article)
        self.message_user(request, "The text you were writing was discarded.", messages.INFO)
        return HttpResponseRedirect(self.form_url(article))

    def lock_heartbeat_view(self, request, object_id):
        """The open form is still open: ``{"mine": true}``, or who took over."""
        article = self.editable_or_404(request, object_id)
        lock = services.lock_heartbeat(article=article, user=request.user)
        return JsonResponse(self.lock_json(lock, request.user))

    def lock_take_view(self, request, object_id):
        article = self.editable_or_404(request, object_id)
        services.lock_take(article=article, user=request.user, take_over=True)
        self.message_user(request, "You took over this article.", messages.INFO)
        return HttpResponseRedirect(self.form_url(article))

    def lock_release_view(self, request, object_id):
        article = self.editable_or_404(request, object_id)
        services.lock_release(article=article, user=request.user)
        return JsonResponse({"released": True})

    # The change form

    def reading(self, request, obj):
        """Whether this GET of the change form shows ``obj`` read-only although the user
        may edit it: they chose to read it (the soft lock's dialog offers it)."""
        match = request.resolver_match
        if request.method != "GET" or match is None:
            return False
        return match.url_name == "articles_article_change" and "read_only" in request.GET

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET" and "read_only" not in request.GET:
            article = self.get_object(request, unquote(object_id))
            if article is not None and workflow.can_edit(request.user, article):
                services.lock_take(article=article, user=request.user)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        """The form, starting (on a GET) from the text the user asked to restore, or, for
        a writer's live article, from her change awaiting review, so that her next save
        carries all her changes and she sees what she proposed."""
        form = super().get_form(request, obj, change, **kwargs)
        if request.method != "GET":
            return form
        typed = {}
        if obj is not None and workflow.edits_need_review(request.user, obj):
            if edit := PendingEdit.objects.of(article=obj, user=request.user).first():
                typed = form_values(edit.data)
        if "restore" in request.GET and (autosave := self.autosaved(request, obj)):
            typed = {**typed, **autosave.data}
        if not typed:
            return form

        class RestoredForm(form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if not self.is_bound:
                    self.initial.update({k: v for k, v in typed.items() if k in self.fields})

        return RestoredForm

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The user may edit and chose to: not reading.
        editing = obj is None or self.has_change_permission(request, obj)
        lock = None
        if obj is not None and editing:
            lock = (
                EditLock.objects.held()
                .select_related("user")
                .filter(article=obj)
                .exclude(user=request.user)
                .first()
            )
        autosave = None
        if editing:
            autosave = self.autosaved(request, obj)
        pk = None if obj is None else obj.pk
        context.update(
            # Someone else's lock: the form waits behind a dialog (take over or read),
            # without autosave or heartbeat until the user takes over.
            editing=editing and lock is None,
            restoring="restore" in request.GET and autosave is not None,
            autosave=autosave,
            autosave_time=newsroom_time(autosave.saved_at, with_date=False) if autosave else "",
            autosave_url=reverse("admin:article_autosave", args=[pk])
            if pk
            else reverse("admin:article_autosave_new"),
            autosave_discard_url=reverse("admin:article_autosave_discard", args=[pk])
            if pk
            else reverse("admin:article_autosave_new_discard"),
            lock_url=reverse("admin:article_lock", args=[pk]) if pk else "",
            lock_take_url=reverse("admin:article_lock_take", args=[pk]) if pk else "",
            lock_release_url=reverse("admin:article_lock_release", args=[pk]) if pk else "",
            other_lock=lock,
            other_lock_since=newsroom_time(lock.since) if lock else "",
            read_only_url=f"{self.form_url(obj)}?read_only=1" if obj else "",
        )
        return super().render_change_form(request, context, add, change, form_url, obj)
