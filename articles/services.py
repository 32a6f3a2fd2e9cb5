"""Writing articles: the one module that changes an article's status, content, bylines,
tags and corrections, and records its versions and workflow events. The admin, the
WordPress importer, the demo content and the history pages are adapters that call it.

Each function asks the rules of ``articles.workflow`` first (who may, which step), takes
the row lock of every save, writes the article row once and records one version. The rule
that nothing else writes ``status`` or ``WorkflowEvent`` rows is held by
``tests/articles/test_services.py``.

Scheduled publication needs no write: a published article with a future ``published_at``
appears by itself, because every read goes through ``Article.objects.published()``.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from articles import preview, workflow
from articles.models import (
    Article,
    Autosave,
    Byline,
    Correction,
    EditLock,
    PendingEdit,
    WorkflowEvent,
)
from channels import notify, outbox

Status = Article.Status

SAVE_ADVICE = (
    "Your text is still in the form below: copy what you need, then reload the page to see "
    "their version and apply it again."
)
RESTORE_ADVICE = "Look at the versions again, then restore the one you want."


# The version check of every save


def version_check(stored, expected_version, *, refused_what, advice):
    """Raise ``ValidationError`` unless ``expected_version`` (the ``Article.version`` the
    user saw, an int or None) is the version of ``stored`` (the article as stored, its
    ``updated_by`` joined). Codes: ``no_version`` when the save did not say which version
    it was based on, ``stale`` when someone saved after it (the message names who and
    when). ``refused_what`` names what was refused ("save", "restore") and ``advice``
    tells the user what to do.

    The admin's form asks it before its save, to show the refusal with the text kept;
    ``lock_for_save`` asks it again under the row lock, which decides."""
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
        return
    who = stored.updated_by.get_username() if stored.updated_by else "someone else"
    when = date_format(timezone.localtime(stored.updated_at), "DATETIME_FORMAT")
    raise ValidationError(
        "%(who)s saved this article at %(when)s, after you opened it, so your %(what)s was "
        "refused to keep their changes. %(advice)s",
        code="stale",
        params={"who": who, "when": when, "what": refused_what, "advice": advice},
    )


def lock_for_save(article, expected_version, *, refused_what, advice):
    """The article as stored, its row locked until the transaction commits, once
    ``version_check`` passed; ``ValidationError`` when it did not or the article was
    deleted meanwhile.

    Every save of an article's content takes it (``article_save``, ``version_restore``):
    two of them cannot both pass, and the later one is refused instead of silently writing
    back a stale copy. A step from the list, which shows no version, takes the same lock
    and acts on the row as stored (``article_transition``)."""
    stored = (
        Article.objects.select_for_update(of=("self",))
        .select_related("updated_by")
        .filter(pk=article.pk)
        .first()
    )
    if stored is None:
        raise ValidationError("This article was deleted meanwhile.", code="deleted")
    version_check(stored, expected_version, refused_what=refused_what, advice=advice)
    return stored


# Saving


def article_save(
    *,
    article: Article,
    user,
    bylines: Sequence[int | tuple[int, str]] | None = None,
    tags: Iterable[str] | None = None,
    corrections: Iterable[Correction] = (),
    transition: str = "",
    note: str = "",
    expected_version: int | None = None,
    related_rows: Iterable = (),
) -> Article | PendingEdit:
    """Save ``article`` as edited by ``user`` (the admin's change or add form), with the
    workflow step ``transition`` (a name of ``workflow.TRANSITIONS``, or "") in the same
    save: the row is written once, and one version records content and step together.

    ``bylines`` are author ids, or (author id, role) pairs, in byline order, and ``tags``
    tag names (None keeps the stored ones); ``corrections`` the new or changed
    ``Correction`` rows of a live article (a new one moves its public "Updated" time).
    ``related_rows`` are other apps' rows that belong to the article and come with its
    form (the "do not post to Telegram" switch of ``channels``, the live story of
    ``live``): saved with the article, in its transaction, before its channels are told
    of the step, so a switch set in the same save as a publish is obeyed.
    ``expected_version`` is the version the user's form was based on (required
    for a saved article). A writer's change to a published article is kept as a
    ``PendingEdit`` holding only what differs from the live article, which stays
    untouched; otherwise the saved article is returned.

    Raises ``ValidationError`` for a stale save (``lock_for_save``) or a step that needs
    a note, ``PermissionDenied`` for a change or step the user may not make
    (``workflow.can_edit``, ``workflow.check_transition``). A moved publication time of
    a published article is recorded as a "reschedule" event."""
    adding = article.pk is None
    with transaction.atomic():
        if adding:
            if not user.has_perm("articles.add_article"):
                raise PermissionDenied("You may not add articles.")
            stored = article
            article.created_by = user
        else:
            stored = lock_for_save(
                article, expected_version, refused_what="save", advice=SAVE_ADVICE
            )
            workflow.check_edit(user, stored)
        step = workflow.check_transition(user, stored, transition, note) if transition else None
        if not adding and workflow.edits_need_review(user, stored):
            autosave_discard(user=user, article=stored)
            return _propose(article, stored, user, bylines, tags, expected_version)

        new_corrections = []
        for correction in corrections:
            if correction.pk is None:
                correction.created_by = user
                new_corrections.append(correction)
            correction.article = article
            correction.save()
        if new_corrections:
            # Only a correction, clarification or update moves the public "Updated" time.
            article.content_updated_at = max(c.published_at for c in new_corrections)

        from_status = stored.status
        previous_time = stored.published_at
        if step is not None:
            _move(article, stored, step)
        article.updated_by = user
        article.save()
        if bylines is not None:
            _set_bylines(article, bylines)
        if tags is not None:
            article.tags.set(list(tags))
        for row in related_rows:
            row.article = article
            row.save()

        comment = "Created" if adding else "Edited"
        if step is not None:
            event = _step_recorded(article, user, step, from_status, note)
            comment = f"{comment}; {workflow.describe(event)}"
        elif from_status == Status.PUBLISHED and previous_time != article.published_at:
            event = _reschedule_recorded(article, user, previous_time)
            comment = f"{comment}; {event.note}"
        workflow.record_version(article, user, comment)
        # What the user typed is in the article now: no restore prompt for it.
        autosave_discard(user=user, article=None if adding else article)
    return article


def article_transition(*, article: Article, user, name: str, note: str = "") -> WorkflowEvent:
    """Move ``article`` through the workflow step ``name`` from a list of articles (the
    admin's actions), as ``user``; returns the recorded event. The row is locked and read
    again first, so a restore or a save committed since is judged and kept, never
    overwritten by the copy the list had read.

    Raises ``ValidationError`` (deleted meanwhile, a note missing) or ``PermissionDenied``
    (``workflow.check_transition``)."""
    with transaction.atomic():
        stored = Article.objects.select_for_update(of=("self",)).filter(pk=article.pk).first()
        if stored is None:
            raise ValidationError("This article was deleted meanwhile.")
        step = workflow.check_transition(user, stored, name, note)
        from_status = stored.status
        _move(stored, stored, step)
        stored.updated_by = user
        stored.save()
        event = _step_recorded(stored, user, step, from_status, note)
        workflow.record_version(stored, user, workflow.describe(event))
    return event


def article_import(
    *,
    article: Article,
    status: str,
    published_at: datetime | None,
    bylines: Sequence[int],
    tags: Iterable[str],
    source: str,
    record_event: bool = True,
) -> Article:
    """Store an article brought from outside the newsroom (the WordPress importer, the
    demo content) as its source gives it: ``status`` (an ``Article.Status``) and
    ``published_at`` as they are, no workflow rule applies. ``bylines`` are author ids in
    byline order, ``tags`` tag names; both replace the stored ones.

    ``source`` says where it came from ("Imported from WordPress (post 12)"): the comment
    of the version recorded, and, for a new article and ``record_event``, the note of
    its "import" event. Returns the saved article."""
    adding = article.pk is None
    with transaction.atomic():
        article.status = status
        article.published_at = published_at
        article.save()
        _set_bylines(article, bylines, replace=True)
        article.tags.set(list(tags))
        if adding and record_event:
            WorkflowEvent.objects.create(
                article=article,
                action="import",
                from_status=Status.DRAFT,
                to_status=article.status,
                note=f"{source}.",
                published_at=article.published_at,
            )
        workflow.record_version(article, None, source)
    return article


# Pending changes and versions


def edit_decide(*, edit: PendingEdit, user, approve: bool, note: str = "") -> PendingEdit:
    """An editor's decision on a writer's pending change: approval applies it to the live
    article in the same transaction that records the decision (one save of the row, one
    version); returns the decided change.

    Raises ``PermissionDenied`` for a user who is no editor, ``ValidationError`` when the
    change was decided already or names a section, picture, author or address that is
    gone or taken since (``workflow.check_references``)."""
    if not workflow.is_editor(user):
        raise PermissionDenied("Only editors may decide on changes to a live article.")
    with transaction.atomic():
        edit = PendingEdit.objects.select_for_update().get(pk=edit.pk)
        if edit.state != PendingEdit.State.PENDING:
            raise ValidationError("These changes were already decided on.")
        if approve:
            workflow.check_references(edit.data)
            article = Article.objects.select_for_update().get(pk=edit.article_id)
            article.updated_by = user
            _apply_snapshot(article, edit.data)
            proposer = edit.proposed_by.get_username() if edit.proposed_by else "someone"
            workflow.record_version(article, user, f"Approved changes proposed by {proposer}")
        edit.state = PendingEdit.State.APPROVED if approve else PendingEdit.State.REJECTED
        edit.decided_by = user
        edit.decided_at = timezone.now()
        edit.note = note
        edit.save()
    return edit


def version_restore(
    *, article: Article, version, user, expected_version: int | None
) -> tuple[Article | PendingEdit, list[str]]:
    """Bring back ``version`` (a django-reversion ``Version`` of ``article``) as a new
    revision: a pending change on a live article (the live page stays until approved),
    the article's content otherwise. Returns that and the sentences of
    ``workflow.restorable`` saying what could not be restored.

    ``expected_version`` is the article's version the user saw when choosing: the restore
    takes the row lock and version check of every save (``lock_for_save``), so a publish
    or a save committed meanwhile is never undone by the restore. Raises
    ``ValidationError`` (stale, deleted meanwhile) or ``PermissionDenied``."""
    workflow.check_edit(user, article)
    with transaction.atomic():
        article = lock_for_save(
            article, expected_version, refused_what="restore", advice=RESTORE_ADVICE
        )
        workflow.check_edit(user, article)
        data, left_out = workflow.restorable(workflow.version_snapshot(version), article)
        if article.address_taken(data["slug"]):
            data["slug"] = article.slug
            left_out.append(
                f"Its address /{version.field_dict.get('slug')}/ went to another article "
                "since; the article keeps its address."
            )
        when = timezone.localtime(version.revision.date_created)
        if article.status == Status.PUBLISHED:
            edit = PendingEdit.objects.create(
                article=article, proposed_by=user, base_version=article.version, data=data
            )
            return edit, left_out
        article.updated_by = user
        _apply_snapshot(article, data)
        workflow.record_version(article, user, f"Restored the version of {when:%Y-%m-%d %H:%M}")
    return article, left_out


# Autosave and the soft lock of the open form


def autosave_store(*, user, article: Article | None, data: dict[str, str]) -> Autosave:
    """Keep ``data`` (the article form's field names to the text typed in them) as what
    ``user`` is writing in ``article``'s form (None: the add form), replacing the text
    kept before. The caller checks that the user may edit the article."""
    autosave, _ = Autosave.objects.update_or_create(
        user=user, article=article, defaults={"data": data, "saved_at": timezone.now()}
    )
    return autosave


def autosave_discard(*, user, article: Article | None) -> None:
    """Forget what ``user`` typed in ``article``'s form (None: the add form): it was saved
    or the user said so."""
    Autosave.objects.filter(user=user, article=article).delete()


def lock_take(*, article: Article, user, take_over: bool = False) -> EditLock:
    """Mark ``article`` as open in ``user``'s form, unless someone else's lock still holds
    (``EditLockQuerySet.held``) and ``take_over`` is false: then that lock is returned
    unchanged, its holder named by it. A user reopening their own lock keeps its
    ``since``."""
    now = timezone.now()
    with transaction.atomic():
        lock = EditLock.objects.select_for_update().filter(article=article).first()
        if lock is None:
            return EditLock.objects.create(article=article, user=user, since=now, heartbeat_at=now)
        held = EditLock.objects.held().filter(pk=lock.pk).exists()
        if held and lock.user_id != user.pk and not take_over:
            return lock
        if lock.user_id != user.pk or not held:
            lock.user, lock.since = user, now
        lock.heartbeat_at = now
        lock.save()
    return lock


def lock_heartbeat(*, article: Article, user) -> EditLock | None:
    """Renew ``user``'s lock of ``article`` from their open form; returns the lock as it
    now is: ``user``'s, or the one of a user who took over (the form tells its writer),
    or None when there is none (it expired and was released; it is then taken again)."""
    now = timezone.now()
    with transaction.atomic():
        lock = EditLock.objects.select_for_update().filter(article=article).first()
        if lock is not None and lock.user_id != user.pk:
            if EditLock.objects.held().filter(pk=lock.pk).exists():
                return lock
            lock.delete()
            lock = None
        if lock is None:
            return EditLock.objects.create(article=article, user=user, since=now, heartbeat_at=now)
        lock.heartbeat_at = now
        lock.save(update_fields=["heartbeat_at"])
    return lock


def lock_release(*, article: Article, user) -> None:
    """``user`` left ``article``'s form: their lock, if they still hold it, ends."""
    EditLock.objects.filter(article=article, user=user).delete()


# The parts


def _move(article, stored, step):
    """Set what the step ``step`` changes on ``article``, in memory; ``stored`` is the
    article as stored, which the rules judge. Raises ``ValidationError`` for "schedule"
    without a publication time in the future."""
    if step.name == "schedule":
        if article.published_at is None or article.published_at <= timezone.now():
            raise ValidationError(
                "Set a publication time in the future to schedule the article.",
                code="schedule_time",
            )
    elif step.name == "publish":
        keep = None if stored.is_scheduled() else article.published_at
        # Whole seconds: what the admin's time field can show and post back unchanged.
        article.published_at = keep or timezone.now().replace(microsecond=0)
    article.status = step.target


def _step_recorded(article, user, step, from_status, note):
    if step.name in ("publish", "schedule"):
        # Readers now have its address; a link shared for review must not outlive
        # that, even if the article is unpublished again.
        preview.revoke(article)
    # Outbound posts are queued, moved or cancelled in this same transaction.
    outbox.on_article_changed(article)
    event = WorkflowEvent.objects.create(
        article=article,
        actor=user,
        action=step.name,
        from_status=from_status,
        to_status=article.status,
        note=note.strip(),
        published_at=article.published_at,
    )
    # Who must hear of it (submitted, sent back) is told through the same outbox.
    notify.on_transition(event)
    return event


def _reschedule_recorded(article, user, previous_time):
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


def _set_bylines(article, bylines, *, replace=False):
    """Make the byline ``bylines`` in this order: author ids, or (author id, role) pairs
    (``Byline.role``: "author" or "translator"); an id alone keeps the role its author has
    on the article now ("author" for a new one). Rows are written only when it changed
    (``replace`` rewrites them anyway, as an import does)."""
    current = []
    if article.pk is not None:
        current = list(article.bylines.order_by("position").values_list("author_id", "role"))
    roles = dict(current)
    wanted = [
        (entry, roles.get(entry, "author")) if isinstance(entry, int) else tuple(entry)
        for entry in bylines
    ]
    if not replace and current == wanted:
        return
    Byline.objects.filter(article=article).delete()
    Byline.objects.bulk_create(
        Byline(article=article, author_id=author_id, role=role or "author", position=position)
        for position, (author_id, role) in enumerate(wanted)
    )


def _author_ids(bylines):
    """The author ids of ``bylines`` (as ``_set_bylines`` takes them), in order."""
    return [entry if isinstance(entry, int) else entry[0] for entry in bylines]


def _propose(article, stored, user, bylines, tags, expected_version):
    """Keep a writer's change to a live article as a pending change: only what differs from
    the stored article, so that approving later does not undo an editor's edits of the
    other fields made in the meantime.

    One pending change per article and writer: a later save replaces what her earlier one
    kept (her form shows her pending text, ``PendingEditQuerySet.of``, so a save carries all of
    her changes), and an editor reviews one change, never several that undo each other."""
    authors = None if bylines is None else _author_ids(bylines)
    proposed = workflow.snapshot(article, authors=authors, tags=tags)
    current = workflow.snapshot(stored)
    data = {key: value for key, value in proposed.items() if current.get(key) != value}
    edit = PendingEdit.objects.select_for_update().of(article=stored, user=user).first()
    if edit is None:
        edit = PendingEdit(article=stored, proposed_by=user)
    edit.base_version = expected_version or stored.version
    edit.data = data
    edit.proposed_at = timezone.now()
    edit.save()
    return edit


def _apply_snapshot(article, data):
    """Write ``data`` (from ``workflow.snapshot``) into the article, its bylines and tags."""
    slug = data.get("slug", article.slug)
    if article.address_taken(slug):
        raise ValidationError(
            f"The address /{slug}/ now belongs to another article; change the slug first."
        )
    for field in workflow.CONTENT_FIELDS:
        if field in data:
            setattr(article, field, data[field])
    article.save()
    if "authors" in data:
        _set_bylines(article, data["authors"], replace=True)
    if "tags" in data:
        article.tags.set(data["tags"])
