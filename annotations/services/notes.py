"""Reviewers' notes for the adjudicator: span comments and document flags (the reviewer's own work, so
blind review applies; written only while the assignment is open)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from annotations.errors import ApplicationError
from annotations.models import Assignment, DocumentFlag, DocumentFlagKind, Span, SpanComment
from annotations.services.audit import audit_record
from annotations.services.spans import assignment_check_open


def _locked(assignment_id: int) -> Assignment:
    assignment = Assignment.objects.select_for_update(of=("self",)).select_related("document").get(pk=assignment_id)
    assignment_check_open(assignment)
    return assignment


def span_comment_create(*, span: Span, text: str) -> SpanComment:
    text = (text or "").strip()
    if not text:
        raise ApplicationError(gettext("Write a note."), fields={"text": [gettext("This field may not be blank.")]})
    with transaction.atomic():
        assignment = _locked(span.assignment_id)
        comment = SpanComment.objects.create(span=span, author_id=assignment.reviewer_id, text=text[:2000])
        audit_record(
            project_id=assignment.document.project_id,
            document_id=assignment.document_id,
            actor_id=assignment.reviewer_id,
            kind="span_comment.created",
            object_id=comment.pk,
            after={"span": span.pk, "text": comment.text},
        )
    return comment


def document_flag_set(*, assignment: Assignment, kind: str, note: str = "") -> DocumentFlag:
    if kind not in DocumentFlagKind.values:
        raise ApplicationError(
            gettext("Unknown flag."),
            fields={"kind": [gettext("Choose one of: %(kinds)s.") % {"kinds": ", ".join(DocumentFlagKind.values)}]},
        )
    with transaction.atomic():
        locked = _locked(assignment.pk)
        flag, _ = DocumentFlag.objects.update_or_create(
            assignment=locked, kind=kind, defaults={"note": (note or "").strip()[:2000]}
        )
        audit_record(
            project_id=locked.document.project_id,
            document_id=locked.document_id,
            actor_id=locked.reviewer_id,
            kind="document_flag.set",
            object_id=flag.pk,
            after={"kind": kind, "note": flag.note},
        )
    return flag


def document_flag_remove(*, assignment: Assignment, kind: str) -> None:
    with transaction.atomic():
        locked = _locked(assignment.pk)
        removed, _ = DocumentFlag.objects.filter(assignment=locked, kind=kind).delete()
        if removed:
            audit_record(
                project_id=locked.document.project_id,
                document_id=locked.document_id,
                actor_id=locked.reviewer_id,
                kind="document_flag.removed",
                before={"kind": kind},
            )
