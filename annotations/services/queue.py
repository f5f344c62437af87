"""The verification queue: each document goes to k reviewers, never twice to the same one.

Invariants (tested with 24 concurrent clients on PostgreSQL):
- at most k assignments of a document hold a slot (leased or submitted) at any time;
- a (document, reviewer) pair exists at most once (a database unique constraint);
- a reviewer holds at most one open lease per project.

Document.slots_taken counts slot-holding assignments and changes only here, in the same transaction
as the assignment it counts, by conditional UPDATEs (`... WHERE slots_taken < k`) whose row count
decides a race. `select_for_update(skip_locked=True)` lets concurrent callers pass over a document
another transaction is taking instead of queueing behind it. On SQLite (one writer at a time) the
conditional UPDATE alone keeps the invariants. Keep it so: a read-then-write here would lose races
that the concurrency test (tests/services/test_queue_concurrency.py) catches.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from annotations.errors import ApplicationError
from annotations.models import Assignment, AssignmentStatus, Document, Membership, Project
from annotations.services.audit import audit_record
from annotations.services.spans import assignment_check_open

LOCKED_RETRIES = 200  # documents other callers are taking right now: wait for them, up to ~2 s
LOCKED_WAIT_SECONDS = 0.01


def leases_expire(*, project: Project, now=None) -> int:
    """Returns lapsed leases' slots to the queue; their spans stay, as a draft. Returns how many lapsed."""
    now = now or timezone.now()
    expired = 0
    lapsed = Assignment.objects.filter(
        document__project=project, status=AssignmentStatus.LEASED, lease_expires_at__lt=now
    ).values_list("id", "document_id")
    for assignment_id, document_id in lapsed:
        with transaction.atomic():
            # The status condition makes this idempotent when two callers sweep at once.
            if Assignment.objects.filter(
                pk=assignment_id, status=AssignmentStatus.LEASED, lease_expires_at__lt=now
            ).update(status=AssignmentStatus.EXPIRED, updated_at=now):
                Document.objects.filter(pk=document_id).update(slots_taken=F("slots_taken") - 1)
                audit_record(
                    project_id=project.pk,
                    document_id=document_id,
                    actor_id=None,
                    kind="assignment.expired",
                    object_id=assignment_id,
                    before={"status": AssignmentStatus.LEASED},
                    after={"status": AssignmentStatus.EXPIRED},
                )
                expired += 1
    return expired


def _open_lease(project: Project, reviewer, now) -> Assignment | None:
    return (
        Assignment.objects.filter(document__project=project, reviewer=reviewer, status=AssignmentStatus.LEASED)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__gte=now))
        .select_related("document")
        .order_by("created_at", "id")
        .first()
    )


def _quota_reached(project: Project, reviewer) -> bool:
    quota = Membership.objects.filter(project=project, user=reviewer).values_list("quota", flat=True).first()
    if quota is None:
        return False
    taken = Assignment.objects.filter(
        document__project=project, reviewer=reviewer, status__in=[AssignmentStatus.LEASED, AssignmentStatus.SUBMITTED]
    ).count()
    return taken >= quota


def assignment_current_lease(*, project: Project, reviewer) -> Assignment | None:
    """The reviewer's open lease in the project, if any; takes nothing."""
    return _open_lease(project, reviewer, timezone.now())


def assignment_lease_next(*, project: Project, reviewer) -> Assignment | None:
    """The reviewer's next document, leased for project.lease_minutes; None when nothing is left for them.

    A reviewer who already holds an open lease gets it back (Next is safe to press twice).
    Order: documents closest to completion first (most slots taken), then the oldest.

    One reviewer's calls are serialized on their membership row (SELECT ... FOR UPDATE), so two
    simultaneous calls (a double click) give one lease, and the quota is checked under that lock.
    """
    now = timezone.now()
    leases_expire(project=project, now=now)
    with transaction.atomic():
        Membership.objects.select_for_update().filter(project=project, user=reviewer).values_list("id").first()
        current = _open_lease(project, reviewer, now)
        if current is not None:
            return current
        if _quota_reached(project, reviewer):
            return None
        return _lease_free_document(project, reviewer, now)


def _lease_free_document(project: Project, reviewer, now) -> Assignment | None:
    had_it = Assignment.objects.filter(document=OuterRef("pk"), reviewer=reviewer)
    candidates = (
        Document.objects.filter(project=project, slots_taken__lt=project.overlap_k, archived_at__isnull=True)
        .filter(~Exists(had_it))
        .order_by("-slots_taken", "id")
    )
    lease_until = now + timedelta(minutes=project.lease_minutes)
    for _attempt in range(LOCKED_RETRIES):
        with transaction.atomic():
            document_id = (
                candidates.select_for_update(skip_locked=True, of=("self",)).values_list("id", flat=True).first()
            )
            if document_id is not None and Document.objects.filter(
                pk=document_id, slots_taken__lt=project.overlap_k
            ).update(slots_taken=F("slots_taken") + 1):
                assignment = Assignment.objects.create(
                    document_id=document_id, reviewer=reviewer, lease_expires_at=lease_until
                )
                audit_record(
                    project_id=project.pk,
                    document_id=document_id,
                    actor_id=reviewer.pk,
                    kind="assignment.leased",
                    object_id=assignment.pk,
                    after={"status": AssignmentStatus.LEASED, "lease_expires_at": lease_until.isoformat()},
                )
                return Assignment.objects.select_related("document").get(pk=assignment.pk)
        # Nothing unlocked was free. If documents remain that others are taking right now, one of
        # them may still have a slot once their transaction ends: wait briefly and look again.
        if not candidates.exists():
            return None
        time.sleep(LOCKED_WAIT_SECONDS)
    return None


def assignment_skip(*, assignment: Assignment, reason: str) -> Assignment:
    """The reviewer passes on a document; its slot goes back to the queue and they will not get it again."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why you skip this document."), fields={"reason": [_("This field is required.")]})
    with transaction.atomic():
        locked = Assignment.objects.select_for_update(of=("self",)).select_related("document").get(pk=assignment.pk)
        assignment_check_open(locked)
        audit_record(
            project_id=locked.document.project_id,
            document_id=locked.document_id,
            actor_id=locked.reviewer_id,
            kind="assignment.skipped",
            object_id=locked.pk,
            before={"status": locked.status},
            after={"status": AssignmentStatus.SKIPPED, "reason": reason[:2000]},
        )
        locked.status = AssignmentStatus.SKIPPED
        locked.skip_reason = reason[:2000]
        locked.lease_expires_at = None
        locked.version += 1
        locked.save(update_fields=["status", "skip_reason", "lease_expires_at", "version", "updated_at"])
        Document.objects.filter(pk=locked.document_id).update(slots_taken=F("slots_taken") - 1)
    return locked


def queue_check_invariants(project: Project) -> list[str]:
    """Problems with the queue's invariants (empty when all hold); used by tests and benchmarks."""
    problems = []
    k = project.overlap_k
    counted = Document.objects.filter(project=project).annotate(
        holding=Count(
            "assignments", filter=Q(assignments__status__in=[AssignmentStatus.LEASED, AssignmentStatus.SUBMITTED])
        ),
        submitted=Count("assignments", filter=Q(assignments__status=AssignmentStatus.SUBMITTED)),
    )
    for document in counted:
        if document.holding > k:
            problems.append(f"document {document.pk}: {document.holding} reviewers hold it (k = {k})")
        if document.holding != document.slots_taken:
            problems.append(f"document {document.pk}: slots_taken {document.slots_taken} != {document.holding}")
        if document.submitted != document.submitted_count:
            problems.append(
                f"document {document.pk}: submitted_count {document.submitted_count} != {document.submitted}"
            )
    return problems
