"""An assignment's life: opened for a reviewer, submitted once."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from annotations.errors import ApplicationError
from annotations.models import Assignment, AssignmentStatus, Document, Membership, Role
from annotations.services.spans import assignment_check_open


def assignment_open(*, document: Document, reviewer) -> Assignment:
    """Gives `reviewer` the document without a lease (a manager's direct assignment); idempotent."""
    if not Membership.objects.filter(project_id=document.project_id, user=reviewer, role=Role.REVIEWER).exists():
        raise ApplicationError("Only reviewers of the project can be assigned.", fields={"reviewer": ["Not a reviewer of this project."]})
    assignment, _ = Assignment.objects.get_or_create(document=document, reviewer=reviewer)
    return assignment


def assignment_submit(*, assignment: Assignment) -> Assignment:
    """Ends the reviewer's work; a second submit (double click, retry) is a Conflict, not a second event."""
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        assignment_check_open(locked)
        now = timezone.now()
        locked.status = AssignmentStatus.SUBMITTED
        locked.submitted_at = now
        locked.lease_expires_at = None
        locked.version += 1
        locked.save(update_fields=["status", "submitted_at", "lease_expires_at", "version", "updated_at"])
    return locked
