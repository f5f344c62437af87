"""The audit trail: one entry per change, written inside the transaction that makes the change.

Kinds are "<entity>.<verb>": span.created/changed/deleted, claim_link.created/changed/deleted,
reliability.set, claim.verdict_changed, claim.verified, assignment.leased/submitted/skipped/expired,
gold_span.created/deleted, gold.agreed_accepted, gold_reliability.set, gold_claim_link.created,
adjudication.finalized. `before`/`after` hold plain values (offsets, labels, grades), never whole rows.
"""

from __future__ import annotations

from annotations.models import AuditEntry

KINDS = (
    "span.created",
    "span.changed",
    "span.deleted",
    "claim_link.created",
    "claim_link.changed",
    "claim_link.deleted",
    "reliability.set",
    "claim.verdict_changed",
    "claim.verified",
    "assignment.leased",
    "assignment.submitted",
    "assignment.skipped",
    "assignment.expired",
    "gold_span.created",
    "gold_span.deleted",
    "gold_span.changed",
    "gold.agreed_accepted",
    "gold_reliability.set",
    "gold_claim_link.created",
    "adjudication.finalized",
    # project setup without the admin (issue 11)
    "project.created",
    "project.changed",
    "label.created",
    "label.changed",
    "label.deleted",
    "label.merged",
    "membership.created",
    "membership.changed",
    "membership.deleted",
    "assignment.released",
    "document.archived",
    "document.restored",
    "import.finished",
    "prediction.accepted",
    "prediction.rejected",
    "adjudication.reopened",
    "gold_candidate.decided",
    "span.restored",
    "span_comment.created",
    "document_flag.set",
    "document_flag.removed",
)


def audit_record(
    *, project_id: int, actor_id: int | None, kind: str, object_id=None, document_id=None, before=None, after=None
) -> AuditEntry:
    """Call inside the writing transaction; `actor_id` None means the system."""
    assert kind in KINDS, kind  # a new kind is added to KINDS (and so to the API's filter) on purpose
    return AuditEntry.objects.create(
        project_id=project_id,
        document_id=document_id,
        actor_id=actor_id,
        kind=kind,
        object_id=object_id,
        before=before,
        after=after,
    )


def span_values(span) -> dict:
    return {"start": span.start, "end": span.end, "label": span.label.name, "text": span.text}


def grade_values(rating) -> dict:
    return {
        "span": rating.span_id,
        "source_reliability": rating.source_reliability,
        "credibility": rating.credibility,
        "note": rating.note,
    }
