"""An assignment's life: opened for a reviewer, submitted once."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from annotations.errors import ApplicationError, Conflict
from annotations.models import Assignment, AssignmentStatus, Document, Membership, Role
from annotations.services.agreement_runs import agreement_run_request
from annotations.services.audit import audit_record
from annotations.services.spans import assignment_check_open


def assignment_open(*, document: Document, reviewer) -> Assignment:
    """Gives `reviewer` the document without a lease (a manager's direct assignment); idempotent.

    Takes one of the document's k slots, like a lease from the queue, but never expires."""
    if not Membership.objects.filter(project_id=document.project_id, user=reviewer, role=Role.REVIEWER).exists():
        raise ApplicationError(
            _("Only reviewers of the project can be assigned."),
            fields={"reviewer": [_("Not a reviewer of this project.")]},
        )
    with transaction.atomic():
        existing = Assignment.objects.filter(document=document, reviewer=reviewer).first()
        if existing is not None:
            return existing
        if not Document.objects.filter(pk=document.pk, slots_taken__lt=document.project.overlap_k).update(
            slots_taken=F("slots_taken") + 1
        ):
            raise Conflict(_("This document already has all its reviewers."))
        return Assignment.objects.create(document=document, reviewer=reviewer)


def assignment_submit(*, assignment: Assignment) -> Assignment:
    """Ends the reviewer's work; a second submit (double click, retry) is a Conflict, not a second event."""
    with transaction.atomic():
        locked = Assignment.objects.select_for_update(of=("self",)).select_related("document").get(pk=assignment.pk)
        assignment_check_open(locked)
        now = timezone.now()
        locked.status = AssignmentStatus.SUBMITTED
        locked.submitted_at = now
        locked.lease_expires_at = None
        locked.version += 1
        locked.save(update_fields=["status", "submitted_at", "lease_expires_at", "version", "updated_at"])
        # its slot was taken when the document was leased; the check constraint keeps submitted <= taken
        Document.objects.filter(pk=locked.document_id).update(submitted_count=F("submitted_count") + 1)
        _audit(locked, "assignment.submitted", after={"status": locked.status, "submitted_at": now.isoformat()})
        # Debounced, and sent to Celery only when this transaction commits.
        agreement_run_request(project=locked.document.project, reason="submission")
    return locked


def _audit(assignment: Assignment, kind: str, *, actor_id="reviewer", before=None, after=None) -> None:
    """An assignment's change in the audit trail; the actor is its reviewer unless said (None: the system)."""
    audit_record(
        project_id=assignment.document.project_id,
        document_id=assignment.document_id,
        actor_id=assignment.reviewer_id if actor_id == "reviewer" else actor_id,
        kind=kind,
        object_id=assignment.pk,
        before=before,
        after=after,
    )
