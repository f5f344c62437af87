"""Writing spans: offsets are code points of the document's NFC text, checked before anything is saved."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from annotations.access import (
    access_assignment_locked_for_span_save,
    span_save_access_check,
    span_save_access_sql,
)
from annotations.errors import ApplicationError, Conflict
from annotations.models import Assignment, AssignmentStatus, ClaimLink, LabelType, ReliabilityRating, Span
from annotations.models.validation import validate_span_offsets
from annotations.selectors.documents import document_text
from annotations.services.audit import audit_record, span_values
from workbench.db import prepared_cursor

# A save extends the lease; saves closer together than this share one extension (no UPDATE per span).
LEASE_TOUCH_EVERY = timedelta(seconds=60)

SUBMITTED = gettext_lazy("Assignment already submitted.")
CLOSED = {
    AssignmentStatus.SUBMITTED: SUBMITTED,
    AssignmentStatus.EXPIRED: gettext_lazy(
        "Your lease on this document expired and it went back to the queue; your spans are kept as a draft."
    ),
    AssignmentStatus.SKIPPED: gettext_lazy("You skipped this document."),
}


def assignment_check_open(assignment: Assignment) -> None:
    """Submitted, skipped and expired work is frozen (409); a reviewer edits only while it is theirs."""
    if assignment.status in CLOSED:
        raise Conflict(str(CLOSED[assignment.status]))


def _label_name_check(name) -> None:
    if not isinstance(name, str) or not name:
        raise ApplicationError(_("A label is required."), fields={"label": [_("This field is required.")]})


def _unknown_label(name: str) -> ApplicationError:
    return ApplicationError(
        _("Unknown label %r.") % name, fields={"label": [_('Unknown label "%s" for this project.') % name]}
    )


def label_for(assignment: Assignment, name) -> LabelType:
    _label_name_check(name)
    label = LabelType.objects.filter(project_id=assignment.document.project_id, name=name).first()
    if label is None:
        raise _unknown_label(name)
    return label


def _twins(assignment_id, label_id, start, end):
    """The reviewer's spans with these offsets and label (a double key press, or a retried save)."""
    return Span.objects.filter(assignment_id=assignment_id, label_id=label_id, start=start, end=end)


def span_check_offsets(text: str, start, end, quote=None) -> None:
    """Field errors for bounds, order, split characters and a quote that differs from the text
    (annotations.models.validation: the one span validation, shared with import_gold and the admin)."""
    validate_span_offsets(text, start, end, quote)


def _touch(assignment: Assignment) -> None:
    """Work keeps a lease alive: a reviewer who is annotating never loses the document to the queue."""
    now = timezone.now()
    changes = {"updated_at": now}
    if assignment.lease_expires_at is not None:
        changes["lease_expires_at"] = now + timedelta(minutes=assignment.document.project.lease_minutes)
    Assignment.objects.filter(pk=assignment.pk).update(**changes)


def span_create(*, assignment: Assignment, start, end, label, quote=None) -> Span:
    """A new span on the reviewer's assignment. The stored text is always the document's own slice."""
    return span_get_or_create(assignment=assignment, start=start, end=end, label=label, quote=quote)[0]


def span_get_or_create(*, assignment: Assignment, start, end, label, quote=None) -> tuple[Span, bool]:
    """Like span_create, but a span identical to one the reviewer already has (same offsets and label: a
    double key press, or a retry after a lost response) is not stored twice: answers (existing, False).
    The assignment row lock serializes the reviewer's writes; a unique constraint is the backstop."""
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update(of=("self",)).select_related("document__project").get(pk=assignment.pk)
        )
        assignment_check_open(assignment)
        label_type = label_for(assignment, label)
        text = assignment.document.text
        span_check_offsets(text, start, end, quote)
        existing = _twins(assignment.pk, label_type.pk, start, end).first()
        if existing is not None:
            return existing, False
        span = Span.objects.create(assignment=assignment, label=label_type, start=start, end=end, text=text[start:end])
        _touch(assignment)
        _audit(assignment, "span.created", span.pk, after=span_values(span))
    return span, True


def span_save(*, user, assignment_id, start: int, end: int, label: str, quote=None) -> tuple[Span, bool]:
    """The API's span POST: span_get_or_create on the caller's own assignment, in as few statements as the
    rules allow. One locked read of the assignment answers the access rule (its reviewer, still a member),
    its state, the label's id by name and an identical span already saved; the text comes from the
    per-process cache; then the INSERT, the audit entry and, at most once a minute, the lease extension.
    On PostgreSQL, once the caller has saved on the assignment, all of that is a single statement.
    The span answered carries its label: the response needs no query."""
    _label_name_check(label)
    if connection.vendor == "postgresql":
        saved = _span_save_in_one_statement(user, assignment_id, start, end, label, quote)
        if saved is not None:
            return saved
    # No savepoint inside the Idempotency-Key transaction: every refusal comes before the first write and
    # leaves the block normally (raised after it), so no statement needs undoing.
    with transaction.atomic(savepoint=False):
        try:
            assignment, text = _span_save_checks(user, assignment_id, start, end, label, quote)
        except ApplicationError as exc:
            refused = exc
        else:
            refused = None
            if assignment.twin_id is not None:
                return Span.objects.select_related("label").get(pk=assignment.twin_id), False
            label_type = LabelType(pk=assignment.label_id, project_id=assignment.project_id, name=label)
            span = _span_insert_audited(assignment, label_type, start, end, text[start:end])
            _touch_if_stale(assignment)
    if refused is not None:
        raise refused
    return span, True


def _span_save_checks(user, assignment_id, start, end, label, quote) -> tuple[Assignment, str]:
    assignment = access_assignment_locked_for_span_save(user, assignment_id, label=label, start=start, end=end)
    _save_target_remember(user.pk, assignment.pk, assignment.document_id, assignment.sha256)
    assignment_check_open(assignment)
    if assignment.label_id is None:
        raise _unknown_label(label)
    text = document_text(assignment.document_id, assignment.sha256)
    span_check_offsets(text, start, end, quote)
    return assignment, text


# (reviewer, assignment) -> (document id, its sha256), per process, for the one-statement save: a reviewer
# who passed the access rule once on an assignment has its text checked before the statement, which then
# re-checks everything (access, state, label, that document) under the row lock. An assignment's document
# never changes and a text is never edited, so an entry never goes stale; the bound keeps memory small.
_SAVE_TARGETS: dict[tuple[int, int], tuple[int, str]] = {}
_SAVE_TARGETS_MAX = 4096


def _save_target_remember(user_id: int, assignment_id: int, document_id: int, sha256: str) -> None:
    if len(_SAVE_TARGETS) >= _SAVE_TARGETS_MAX:
        _SAVE_TARGETS.clear()
    _SAVE_TARGETS[(user_id, assignment_id)] = (document_id, sha256)


def _span_save_in_one_statement(user, assignment_id, start, end, label, quote) -> tuple[Span, bool] | None:
    """span_save as one statement (PostgreSQL, autocommit: no BEGIN and COMMIT round trips): the locked read
    of the access rule, and from its row, only if every check passes, the INSERT of the span, its audit
    entry and the lease extension. None when it cannot be used (the assignment's text is not known here
    yet, or the offsets are refused: the full path then answers, with its refusals in their order)."""
    try:
        key = (user.pk, int(assignment_id))
    except (AttributeError, TypeError, ValueError):
        return None
    target = _SAVE_TARGETS.get(key)
    if target is None:
        return None
    document_id, sha256 = target
    text = document_text(document_id, sha256)
    try:
        span_check_offsets(text, start, end, quote)
    except ApplicationError:
        return None
    access_sql, params = span_save_access_sql(user, assignment_id, label=label, start=start, end=end)
    now = timezone.now()
    span = Span(assignment_id=key[1], start=start, end=end, text=text[start:end], created_at=now, updated_at=now)
    span.label = LabelType(name=label)
    after = json.dumps(span_values(span))
    params += [start, end, span.text, now, now, *CLOSED, document_id, sha256, after, now]
    params += [now, now, now, now, now]
    with prepared_cursor() as cursor:
        cursor.execute(_span_save_statement(access_sql), params)
        row = cursor.fetchone()
    is_member, status, label_id, twin_id, found_document, found_sha256, project_id, new_id = row or (False,) * 8
    span_save_access_check(is_member)
    if (found_document, found_sha256) != target:  # not that document (never, as texts are never edited)
        _SAVE_TARGETS.pop(key, None)
        return None
    assignment_check_open(Assignment(status=status))
    if label_id is None:
        raise _unknown_label(label)
    if twin_id is None and new_id is None:  # an identical save committed while this one waited for the lock
        twin_id = _twins(key[1], label_id, start, end).values_list("pk", flat=True).first()
    if twin_id is not None:
        return Span.objects.select_related("label").get(pk=twin_id), False
    span.pk, span.label = new_id, LabelType(pk=label_id, project_id=project_id, name=label)
    span._state.adding, span._state.db = False, connection.alias
    return span, True


@cache
def _span_save_statement(access_sql: str) -> str:
    """The access rule's locked read (annotations.access) as the first part of one statement that writes the
    span, its "span.created" entry and the lease extension (as `_touch_if_stale` would) only when the read's
    row allows it. ON CONFLICT: the unique constraint on live identical spans answers a concurrent twin."""
    return f"""
WITH target AS ({access_sql}),
new_span AS (
    INSERT INTO annotations_span (assignment_id, label_id, start, "end", text, version, created_at, updated_at)
    SELECT target.id, target.label_id, %s, %s, %s, 1, %s, %s FROM target
    WHERE target.is_member AND target.status NOT IN (%s, %s, %s) AND target.label_id IS NOT NULL
        AND target.twin_id IS NULL AND target.document_id = %s AND target.sha256 = %s
    ON CONFLICT (assignment_id, start, "end", label_id) WHERE deleted_at IS NULL DO NOTHING
    RETURNING id
),
audit AS (
    INSERT INTO annotations_auditentry (project_id, document_id, actor_id, kind, object_id, after, created_at)
    SELECT target.project_id, target.document_id, target.reviewer_id, 'span.created', new_span.id, %s::jsonb, %s
    FROM target, new_span
),
touch AS (
    UPDATE annotations_assignment AS t SET updated_at = %s, lease_expires_at = CASE
        WHEN target.lease_expires_at < %s + target.lease_minutes * INTERVAL '1 minute' - {_TOUCH_EVERY}
        THEN %s + target.lease_minutes * INTERVAL '1 minute' ELSE t.lease_expires_at END
    FROM target
    WHERE t.id = target.id AND EXISTS (SELECT 1 FROM new_span) AND (target.updated_at < %s - {_TOUCH_EVERY}
        OR target.lease_expires_at < %s + target.lease_minutes * INTERVAL '1 minute' - {_TOUCH_EVERY})
)
SELECT target.is_member, target.status, target.label_id, target.twin_id, target.document_id, target.sha256,
    target.project_id, (SELECT id FROM new_span) FROM target
"""


_TOUCH_EVERY = f"INTERVAL '{int(LEASE_TOUCH_EVERY.total_seconds())} seconds'"


# The span and its "span.created" entry in one statement (a data-modifying WITH): one round trip fewer
# per save on PostgreSQL. The columns are those Span.objects.create and audit_record would write.
_SPAN_INSERT_AUDITED = """
WITH new_span AS (
    INSERT INTO annotations_span (assignment_id, label_id, start, "end", text, version, created_at, updated_at)
    VALUES (%s, %s, %s, %s, %s, 1, %s, %s)
    RETURNING id
)
INSERT INTO annotations_auditentry (project_id, document_id, actor_id, kind, object_id, after, created_at)
SELECT %s, %s, %s, 'span.created', new_span.id, %s::jsonb, %s FROM new_span
RETURNING object_id
"""


def _span_insert_audited(assignment: Assignment, label_type: LabelType, start: int, end: int, text: str) -> Span:
    """INSERT of a new span with its audit entry, inside the caller's transaction."""
    if connection.vendor != "postgresql":
        span = Span.objects.create(assignment=assignment, label=label_type, start=start, end=end, text=text)
        audit_record(
            project_id=assignment.project_id,
            document_id=assignment.document_id,
            actor_id=assignment.reviewer_id,
            kind="span.created",
            object_id=span.pk,
            after=span_values(span),
        )
        return span
    now = timezone.now()
    span = Span(
        assignment=assignment, label=label_type, start=start, end=end, text=text, created_at=now, updated_at=now
    )
    after = json.dumps(span_values(span))
    params = [assignment.pk, label_type.pk, start, end, text, now, now]
    params += [assignment.project_id, assignment.document_id, assignment.reviewer_id, after, now]
    with connection.cursor() as cursor:
        cursor.execute(_SPAN_INSERT_AUDITED, params)
        span.pk = cursor.fetchone()[0]
    span._state.adding = False
    span._state.db = connection.alias
    return span


def _touch_if_stale(assignment: Assignment) -> None:
    """`_touch` for a span save, skipped when the lease was extended less than LEASE_TOUCH_EVERY ago."""
    now = timezone.now()
    changes = {}
    if assignment.updated_at < now - LEASE_TOUCH_EVERY:
        changes["updated_at"] = now
    if assignment.lease_expires_at is not None:
        lease_until = now + timedelta(minutes=assignment.lease_minutes)
        if assignment.lease_expires_at < lease_until - LEASE_TOUCH_EVERY:
            changes.update(updated_at=now, lease_expires_at=lease_until)
    if changes:
        Assignment.objects.filter(pk=assignment.pk).update(**changes)


def _audit(assignment: Assignment, kind: str, span_id: int, *, before=None, after=None) -> None:
    audit_record(
        project_id=assignment.document.project_id,
        document_id=assignment.document_id,
        actor_id=assignment.reviewer_id,
        kind=kind,
        object_id=span_id,
        before=before,
        after=after,
    )


def span_update(*, span: Span, version, start=None, end=None, label=None, quote=None) -> Span:
    """Moves or relabels a span if nobody changed it since `version` was read; else Conflict with the current one."""
    if isinstance(version, bool) or not isinstance(version, int):
        raise ApplicationError(_("version is required."), fields={"version": [_("A valid integer is required.")]})
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("document__project")
            .get(pk=span.assignment_id)
        )
        assignment_check_open(assignment)
        current = Span.objects.select_related("label").get(pk=span.pk)
        new_start = current.start if start is None else start
        new_end = current.end if end is None else end
        text = assignment.document.text
        span_check_offsets(text, new_start, new_end, quote)
        label_type = current.label if label is None else label_for(assignment, label)
        twin = Span.objects.filter(assignment=assignment, label=label_type, start=new_start, end=new_end)
        if twin.exclude(pk=span.pk).exists():
            raise Conflict(_("You already have an identical span (same offsets and label)."))
        updated = Span.objects.filter(pk=span.pk, version=version).update(
            start=new_start,
            end=new_end,
            text=text[new_start:new_end],
            label=label_type,
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        if not updated:
            raise Conflict(
                _("This span was changed since you loaded it."),
                extra={
                    "current": {
                        "id": current.pk,
                        "start": current.start,
                        "end": current.end,
                        "label": current.label.name,
                        "text": current.text,
                        "version": current.version,
                    }
                },
            )
        _touch(assignment)
        changed = Span.objects.select_related("label").get(pk=span.pk)
        _audit(assignment, "span.changed", span.pk, before=span_values(current), after=span_values(changed))
    return changed


def _relations(span_id: int) -> dict:
    """What hangs on a span (ids of its claim links and quoted-source grade, kept through delete and undo),
    only the kinds it has."""
    relations = {
        "claim_links": list(ClaimLink.all_objects.filter(span_id=span_id).values_list("id", flat=True)),
        "grades": list(ReliabilityRating.all_objects.filter(span_id=span_id).values_list("id", flat=True)),
    }
    return {kind: ids for kind, ids in relations.items() if ids}


def span_delete(*, span: Span) -> None:
    """Soft-deletes the span: it, its claim links and its grade disappear from every reader (blind review,
    agreement, adjudication, exports) until `span_restore` brings them all back under the same ids."""
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("document__project")
            .get(pk=span.assignment_id)
        )
        assignment_check_open(assignment)
        gone = Span.objects.select_related("label").filter(pk=span.pk).first()
        Span.objects.filter(pk=span.pk).update(deleted_at=timezone.now(), version=F("version") + 1)
        _touch(assignment)
        if gone is not None:
            _audit(assignment, "span.deleted", span.pk, before={**span_values(gone), **_relations(span.pk)})


def span_restore(*, span: Span) -> Span:
    """Undo of a delete: the same span (same id) with its claim links and grade. Conflict when an identical
    live span was made meanwhile."""
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("document__project")
            .get(pk=span.assignment_id)
        )
        assignment_check_open(assignment)
        current = Span.all_objects.select_related("label").get(pk=span.pk)
        if current.deleted_at is None:
            return current
        twin = Span.objects.filter(
            assignment=assignment, label=current.label, start=current.start, end=current.end
        ).exists()
        if twin:
            raise Conflict("You already have an identical span (same offsets and label).")
        Span.all_objects.filter(pk=span.pk).update(deleted_at=None, version=F("version") + 1, updated_at=timezone.now())
        _touch(assignment)
        _audit(assignment, "span.restored", span.pk, after={**span_values(current), **_relations(span.pk)})
    return Span.objects.select_related("label").get(pk=span.pk)
