"""The editorial workflow: who may do what to an article, and the only code that changes
its status.

States: draft → in review → published (a future ``published_at`` means scheduled) →
unpublished, and back to draft with a note. Every transition checks the user's
permissions here, on the server, records a ``WorkflowEvent`` and saves a version.

Roles are groups (``Writers``, ``Editors``) whose permissions ``sync_roles`` sets; the
data migrations call it, so a change to ``ROLE_PERMISSIONS`` ships with a migration that
calls it again.
"""

from dataclasses import dataclass

import reversion
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from articles import preview
from articles.models import Article, Byline, PendingEdit, Section, WorkflowEvent
from channels import notify, outbox
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


# Who may edit


def is_owner(user, article):
    """A writer's own article: one they created, or one with their byline
    (``ArticleQuerySet.owned_by``; an article not yet saved is its creator's)."""
    if article.pk is None:
        return article.created_by_id is not None and article.created_by_id == user.pk
    return Article.objects.owned_by(user).filter(pk=article.pk).exists()


def can_edit(user, article):
    """Whether ``user`` may save changes to ``article`` (for a writer's live article the
    changes are kept for review, see ``edits_need_review``)."""
    if user.has_perm("articles.edit_any_article"):
        return True
    if not user.has_perm("articles.change_article"):
        return False
    return article.status in (Status.DRAFT, Status.PUBLISHED) and is_owner(user, article)


def edits_need_review(user, article):
    """A writer's changes to a published (live or scheduled) article wait for an editor."""
    return (
        article.pk is not None
        and article.status == Status.PUBLISHED
        and not user.has_perm("articles.edit_any_article")
    )


def check_edit(user, article):
    if not can_edit(user, article):
        raise PermissionDenied("You may not change this article.")


# Saving: one row lock and one version check for every save


def lock_for_save(article, expected_version, *, refused_what, advice):
    """The article as stored, its row locked until the transaction commits, once it is
    known that nobody saved it after the version ``expected_version`` the user saw.

    Every save of an article's content goes through here (the admin's form, restoring
    a version): two of them cannot both pass, and the later one is refused instead of
    silently writing back a stale copy. A workflow step from the list, which shows no
    version, takes the same row lock and acts on the row as stored (``transition``). A save that
    does not say which version it was based on is refused too. ``refused_what`` names
    what was refused ("save", "restore") and ``advice`` tells the user what to do."""
    stored = (
        Article.objects.select_for_update(of=("self",))
        .select_related("updated_by")
        .filter(pk=article.pk)
        .first()
    )
    if stored is None:
        return None
    if expected_version is None:
        # Without it a save could not be told from one based on a replaced version: the
        # last save would silently win.
        raise ValidationError(
            "This %(what)s did not say which version of the article it was based on, so "
            "it could not be checked against saves made since and was refused. %(advice)s",
            code="no_version",
            params={"what": refused_what, "advice": advice},
        )
    if expected_version == stored.version:
        return stored
    who = stored.updated_by.get_username() if stored.updated_by else "someone else"
    when = date_format(timezone.localtime(stored.updated_at), "DATETIME_FORMAT")
    raise ValidationError(
        "%(who)s saved this article at %(when)s, after you opened it, so your %(what)s was "
        "refused to keep their changes. %(advice)s",
        code="stale",
        params={"who": who, "when": when, "what": refused_what, "advice": advice},
    )


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
        if self.name != "publish":
            return self.label
        if article.is_scheduled():
            return "Publish now"
        if article.published_at and article.published_at > timezone.now():
            return "Schedule"
        return self.label


TRANSITIONS = {
    t.name: t
    for t in (
        Transition("submit", "Submit for review", (Status.DRAFT,), Status.REVIEW, False),
        Transition(
            "publish",
            "Publish",
            (Status.DRAFT, Status.REVIEW, Status.UNPUBLISHED),
            Status.PUBLISHED,
            True,
        ),
        Transition("unpublish", "Unpublish", (Status.PUBLISHED,), Status.UNPUBLISHED, True),
        Transition(
            "send_back",
            "Send back to the writer",
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
        return user.has_perm("articles.publish_article")
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


def apply(article, user, name, *, note="", at=None, record=True, stored=None):
    """Move ``article`` through transition ``name``, as ``user``; returns the event.

    ``at`` sets the publication time when publishing (a future time schedules).
    ``stored`` is the article as it was before the caller changed it in memory (the
    admin's form): the rules judge that state, not the edited one. With
    ``record=False`` the caller saves the version itself (the admin, which saves
    content and transition in one version)."""
    stored = stored or article
    transition = check_transition(user, stored, name, note)
    with transaction.atomic():
        from_status = stored.status
        if transition.name == "publish":
            keep = None if stored.is_scheduled() else article.published_at
            # Whole seconds: what the admin's time field can show and post back unchanged.
            article.published_at = at or keep or timezone.now().replace(microsecond=0)
        article.status = transition.target
        article.updated_by = user
        article.save()
        if transition.name == "publish":
            # Readers now have its address; a link shared for review must not outlive
            # that, even if the article is unpublished again.
            preview.revoke(article)
        # Outbound posts are queued, moved or cancelled in this same transaction.
        outbox.on_article_changed(article)
        event = WorkflowEvent.objects.create(
            article=article,
            actor=user,
            action=transition.name,
            from_status=from_status,
            to_status=article.status,
            note=note.strip(),
            published_at=article.published_at,
        )
        # Who must hear of it (submitted, sent back) is told through the same outbox.
        notify.on_transition(event)
        if record:
            record_version(article, user, describe(event))
    return event


def transition(article, user, name, *, note=""):
    """Move ``article`` through ``name`` from a list of articles (the admin's actions):
    the row is locked and read again first, so a restore or a save committed since is
    judged and kept, never overwritten by the copy the list had read."""
    with transaction.atomic():
        stored = Article.objects.select_for_update(of=("self",)).filter(pk=article.pk).first()
        if stored is None:
            raise ValidationError("This article was deleted meanwhile.")
        return apply(stored, user, name, note=note)


def record_reschedule(article, user, previous_time):
    """An editor moved a published article's time by editing it: say so in the timeline
    (a move into the future takes a live article off the site until then)."""
    outbox.on_article_changed(article)
    before = timezone.localtime(previous_time) if previous_time else None
    after = timezone.localtime(article.published_at) if article.published_at else None
    return WorkflowEvent.objects.create(
        article=article,
        actor=user,
        action="reschedule",
        from_status=article.status,
        to_status=article.status,
        note=f"Publication time moved from {before:%Y-%m-%d %H:%M} to {after:%Y-%m-%d %H:%M}."
        if before and after
        else "Publication time changed.",
        published_at=article.published_at,
    )


def describe(event):
    label = TRANSITIONS[event.action].label if event.action in TRANSITIONS else event.action
    if event.action == "publish" and event.published_at and event.published_at > event.at:
        label = f"Scheduled for {timezone.localtime(event.published_at):%Y-%m-%d %H:%M}"
    return f"{label}: {event.note}" if event.note else label


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


def apply_snapshot(article, data):
    """Write ``data`` (from ``snapshot``) into the article, its bylines and tags."""
    slug = data.get("slug", article.slug)
    if article.address_taken(slug):
        raise ValidationError(
            f"The address /{slug}/ now belongs to another article; change the slug first."
        )
    for field in CONTENT_FIELDS:
        if field in data:
            setattr(article, field, data[field])
    article.save()
    if "authors" in data:
        article.bylines.all().delete()
        Byline.objects.bulk_create(
            Byline(article=article, author_id=author_id, position=position)
            for position, author_id in enumerate(data["authors"])
        )
    if "tags" in data:
        article.tags.set(data["tags"])


def propose_edit(article, user, data, *, base_version=None):
    """Keep ``data`` as a pending change to ``article``; the live article is untouched."""
    return PendingEdit.objects.create(
        article=article,
        proposed_by=user,
        base_version=base_version or article.version,
        data=data,
    )


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


def decide_edit(edit, user, *, approve, note=""):
    """An editor's decision on a pending change. Approval applies it to the live article
    in the same transaction that records the decision; returns the decided change."""
    if not user.has_perm("articles.publish_article"):
        raise PermissionDenied("Only editors may decide on changes to a live article.")
    with transaction.atomic():
        edit = PendingEdit.objects.select_for_update().get(pk=edit.pk)
        if edit.state != PendingEdit.State.PENDING:
            raise ValidationError("These changes were already decided on.")
        if approve:
            check_references(edit.data)
            article = Article.objects.select_for_update().get(pk=edit.article_id)
            article.updated_by = user
            apply_snapshot(article, edit.data)
            proposer = edit.proposed_by.get_username() if edit.proposed_by else "someone"
            record_version(article, user, f"Approved changes proposed by {proposer}")
        edit.state = PendingEdit.State.APPROVED if approve else PendingEdit.State.REJECTED
        edit.decided_by = user
        edit.decided_at = timezone.now()
        edit.note = note
        edit.save()
    return edit


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


RESTORE_ADVICE = "Look at the versions again, then restore the one you want."


def restore_version(article, version, user, *, expected_version):
    """Bring back an old version as a new draft revision: a pending change on a live
    article (the live page stays until approved), the article's content otherwise.
    Returns that and the sentences of ``restorable`` saying what could not be restored.

    ``expected_version`` is the article's version the user saw when choosing: the
    restore takes the row lock and version check of every save (``lock_for_save``), so
    a publish or a save committed meanwhile is never undone by the restore."""
    check_edit(user, article)
    with transaction.atomic():
        stored = lock_for_save(
            article, expected_version, refused_what="restore", advice=RESTORE_ADVICE
        )
        if stored is None:
            raise ValidationError("This article was deleted meanwhile.")
        article = stored
        check_edit(user, article)
        data, left_out = restorable(version_snapshot(version), article)
        if article.address_taken(data["slug"]):
            data["slug"] = article.slug
            left_out.append(
                f"Its address /{version.field_dict.get('slug')}/ went to another article "
                "since; the article keeps its address."
            )
        when = timezone.localtime(version.revision.date_created)
        if article.status == Status.PUBLISHED:
            return propose_edit(article, user, data), left_out
        article.updated_by = user
        apply_snapshot(article, data)
        record_version(article, user, f"Restored the version of {when:%Y-%m-%d %H:%M}")
    return article, left_out
