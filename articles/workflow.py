"""The editorial workflow's rules: who may do what to an article, the transitions between
its states, and the plain-data snapshots that versions and pending changes hold.

States: draft → in review → published (a future ``published_at`` means scheduled) →
unpublished, and back to draft with a note. The rules here only answer questions;
``articles.services`` is the one module that writes articles, and asks them first.

Roles are groups (``Writers``, ``Editors``) whose permissions ``sync_roles`` sets; the
data migrations call it, so a change to ``ROLE_PERMISSIONS`` ships with a migration that
calls it again.
"""

from dataclasses import dataclass

import reversion
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from articles.models import Article, Byline, Section
from channels import outbox
from core.roles import is_editor
from images.models import Image

Status = Article.Status

WRITER_PERMISSIONS = (
    "articles.add_article",
    "articles.change_article",
    "articles.view_article",
    "articles.view_section",
    "articles.view_correction",
    "staff.view_author",
    "taggit.add_tag",
    "taggit.view_tag",
    # The image library: writers add pictures and fix their own (images.admin).
    "images.add_image",
    "images.change_image",
    "images.view_image",
    "images.add_imagetag",
    "images.view_imagetag",
)
ROLE_PERMISSIONS = {
    "Writers": WRITER_PERMISSIONS,
    "Editors": (
        *WRITER_PERMISSIONS,
        "articles.publish_article",
        "articles.edit_any_article",
        "articles.add_section",
        "articles.change_section",
        "articles.add_correction",
        "articles.change_correction",
        "articles.view_pendingedit",
        "articles.change_pendingedit",
        "articles.view_workflowevent",
        "articles.add_redirect",
        "articles.change_redirect",
        "articles.view_redirect",
        "staff.add_author",
        "staff.change_author",
        "taggit.change_tag",
        "images.delete_image",
        "images.change_imagetag",
        "images.delete_imagetag",
    ),
}


def sync_roles(apps, roles):
    """Make the role groups hold exactly the permissions in ``roles`` ({group: codes}).

    Each data migration passes its own frozen copy, so an old migration keeps working
    when ``ROLE_PERMISSIONS`` grows a permission of a model it predates."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in roles.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = []
        for code in codes:
            app_label, codename = code.split(".")
            permissions.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(permissions)


# Who may edit. The editor role itself is ``is_editor``, imported from ``core.roles`` (the
# image library asks it too); this module and the queryset ask it as ``workflow.is_editor``.

EDIT_ANY_PERMISSION = "articles.edit_any_article"


def edits_any_article(user):
    """Whether ``user`` may edit every writer's article, live ones directly."""
    return user.has_perm(EDIT_ANY_PERMISSION)


def sees_every_article(user):
    """Whether ``user`` may read every article in the newsroom (``visible_to``): editors
    and whoever may edit any writer's article."""
    return edits_any_article(user) or is_editor(user)


def is_owner(user, article):
    """A writer's own article: one they created, or one with their byline. An article not
    yet saved is its creator's; a saved one asks ``ArticleQuerySet.owned_by``, the one
    definition of "mine"."""
    if article.pk is None:
        return article.created_by_id is not None and article.created_by_id == user.pk
    return Article.objects.owned_by(user).filter(pk=article.pk).exists()


def can_edit(user, article):
    """Whether ``user`` may save changes to ``article`` (for a writer's live article the
    changes are kept for review, see ``edits_need_review``)."""
    if edits_any_article(user):
        return True
    if not user.has_perm("articles.change_article"):
        return False
    return article.status in (Status.DRAFT, Status.PUBLISHED) and is_owner(user, article)


def edits_need_review(user, article):
    """A writer's changes to a published (live or scheduled) article wait for an editor."""
    return (
        article.pk is not None
        and article.status == Status.PUBLISHED
        and not edits_any_article(user)
    )


def check_edit(user, article):
    """Raise ``PermissionDenied`` unless ``user`` may save changes to ``article``."""
    if not can_edit(user, article):
        raise PermissionDenied("You may not change this article.")


# Transitions


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple
    target: str
    editors_only: bool
    needs_note: bool = False

    def label_for(self, article):
        """The button's words (``article`` kept for steps whose words may depend on it)."""
        return self.label


# In the order of their buttons: the primary step of each state comes first.
TRANSITIONS = {
    t.name: t
    for t in (
        Transition(
            "publish",
            "Publish now",
            (Status.DRAFT, Status.REVIEW, Status.UNPUBLISHED),
            Status.PUBLISHED,
            True,
        ),
        Transition("submit", "Submit for review", (Status.DRAFT,), Status.REVIEW, False),
        # Publish at the publication time of the form, which must be in the future.
        Transition(
            "schedule",
            "Schedule",
            (Status.DRAFT, Status.REVIEW, Status.UNPUBLISHED),
            Status.PUBLISHED,
            True,
        ),
        Transition("unpublish", "Unpublish", (Status.PUBLISHED,), Status.UNPUBLISHED, True),
        Transition(
            "send_back",
            "Send back",
            (Status.REVIEW, Status.UNPUBLISHED),
            Status.DRAFT,
            True,
            needs_note=True,
        ),
    )
}


def is_allowed(user, article, name):
    transition = TRANSITIONS.get(name)
    if transition is None:
        return False
    # A scheduled article may also be published now, ahead of its time.
    if article.status not in transition.sources and not (
        name == "publish" and article.is_scheduled()
    ):
        return False
    if transition.editors_only:
        return is_editor(user)
    return can_edit(user, article)


def available_transitions(user, article):
    return [t for name, t in TRANSITIONS.items() if is_allowed(user, article, name)]


def check_transition(user, article, name, note=""):
    """Raise PermissionDenied or ValidationError if ``user`` may not do ``name`` now."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise ValidationError(f"Unknown workflow action “{name}”.")
    if not is_allowed(user, article, name):
        state = article.get_status_display().lower()
        raise PermissionDenied(
            f"You may not {transition.label.lower()} an article that is {state}."
        )
    if transition.needs_note and not note.strip():
        raise ValidationError("Write a note telling the writer what to change.")
    return transition


def describe(event):
    label = TRANSITIONS[event.action].label if event.action in TRANSITIONS else event.action
    if event.action == "publish":
        label = "Publish"  # the versions' comments say so since before "Publish now"
    if event.action in ("publish", "schedule") and event.published_at > event.at:
        label = f"Scheduled for {timezone.localtime(event.published_at):%Y-%m-%d %H:%M}"
    return f"{label}: {event.note}" if event.note else label


def writer_of(article):
    """The person a step's message names as the article's writer: who created it, by name
    when the account has one."""
    user = article.created_by
    if user is None:
        return "the writer"
    return user.get_full_name() or user.get_username()


def step_message(event, article):
    """What the newsroom is told after the step ``event`` of ``article``: the step, the
    time in newsroom time and the person ("“Rial slides” was scheduled for 29 Nov 18:05
    Tehran time.", "… was sent back to Sara.")."""
    from core.newsroom_time import newsroom_time

    title = f"“{article}”"
    if event.action in ("publish", "schedule") and event.published_at > event.at:
        return f"{title} was scheduled for {newsroom_time(event.published_at)}."
    return {
        "submit": f"{title} was submitted for review.",
        "publish": f"{title} was published at {newsroom_time(event.published_at)}.",
        "unpublish": f"{title} was unpublished: readers no longer see it.",
        "send_back": f"{title} was sent back to {writer_of(article)} with your note.",
    }.get(event.action, f"{title} was saved: {describe(event)}.")


# Versions (django-reversion) and pending changes

CONTENT_FIELDS = (
    "title",
    "slug",
    "kicker",
    "standfirst",
    "body",
    "section_id",
    "is_featured",
    "image_id",
    "image_caption",
    "seo_title",
    "seo_description",
)


def record_version(article, user, comment):
    """Save the article, its bylines and its tags as one version in the history."""
    with reversion.create_revision(manage_manually=True):
        reversion.set_user(user)
        reversion.set_comment(comment[:500])
        reversion.add_to_revision(article)
    # A post already on an outbound channel is brought up to date with this version.
    outbox.on_article_edited(article)


def snapshot(article, *, authors=None, tags=None):
    """The article's editorial content as plain data (for pending changes and restores).

    ``authors`` (ids in byline order) and ``tags`` (names) stand in for the stored ones
    when the caller has unsaved values, as the admin has for a proposed change."""
    data = {field: getattr(article, field) for field in CONTENT_FIELDS}
    if authors is None:
        authors = [byline.author_id for byline in article.bylines.all()]
    data["authors"] = list(authors)
    data["tags"] = sorted(article.tags.names() if tags is None else tags)
    return data


def check_references(data):
    """Refuse data that names a section or author deleted since it was written."""
    from staff.models import Author

    if "section_id" in data and not Section.objects.filter(pk=data["section_id"]).exists():
        raise ValidationError("The section of these changes no longer exists; choose another.")
    if data.get("image_id") and not Image.objects.filter(pk=data["image_id"]).exists():
        raise ValidationError("The picture of these changes was deleted from the library.")
    authors = set(data.get("authors") or ())
    if len(authors) != Author.objects.filter(pk__in=authors).count():
        raise ValidationError("An author in this byline no longer exists; edit the byline.")


def version_snapshot(version):
    """The ``snapshot`` of an article as a stored version holds it."""
    fields = version.field_dict
    data = {field: fields.get(field) for field in CONTENT_FIELDS}
    related = version.revision.version_set.select_related("content_type")
    bylines = []
    tags = []
    for other in related:
        model = other.content_type.model_class()
        if model is Byline and str(other.field_dict["article_id"]) == version.object_id:
            bylines.append((other.field_dict["position"], other.field_dict["author_id"]))
        elif model is not None and model._meta.label == "taggit.Tag":
            tags.append(other.field_dict["name"])
    data["authors"] = [author_id for _, author_id in sorted(bylines)]
    data["tags"] = sorted(tags)
    return data


def restorable(data, article):
    """``data`` (an old version's ``snapshot``) without what no longer exists, and a
    sentence for each part left out: a section, picture or author deleted since the
    version was saved keeps the article's current one instead of failing the restore."""
    from staff.models import Author

    data, left_out = dict(data), []
    if data.get("section_id") and not Section.objects.filter(pk=data["section_id"]).exists():
        data["section_id"] = article.section_id
        left_out.append("Its section was deleted since; the article stays in its section.")
    if data.get("image_id") and not Image.objects.filter(pk=data["image_id"]).exists():
        data["image_id"] = article.image_id
        data["image_caption"] = article.image_caption
        left_out.append(
            "Its featured picture was deleted from the library since; the current picture "
            "was kept."
        )
    authors = data.get("authors") or []
    existing = set(Author.objects.filter(pk__in=authors).values_list("pk", flat=True))
    if len(existing) < len(set(authors)):
        kept = [author_id for author_id in authors if author_id in existing]
        if kept:
            data["authors"] = kept
            left_out.append(
                "An author of its byline was deleted since; the byline has the others."
            )
        else:
            data.pop("authors")
            left_out.append(
                "The authors of its byline were deleted since; the current byline was kept."
            )
    return data, left_out
