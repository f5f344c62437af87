"""Reads for the queues: project progress, reviewer statistics, the adjudication queue."""

from __future__ import annotations

import statistics
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from annotations.agreement import UndefinedAgreement, span_f1
from annotations.agreement.report import as_report
from annotations.models import (
    AdjudicationStatus,
    Assignment,
    AssignmentStatus,
    Document,
    Membership,
    Project,
    Role,
    Span,
)


def project_progress(project: Project) -> dict:
    """Documents by state, and each reviewer's done / skipped / open counts and median minutes per document."""
    k = project.overlap_k
    documents = Document.objects.filter(project=project)
    adjudicated = documents.filter(adjudication__status=AdjudicationStatus.FINAL).count()
    states = documents.aggregate(
        total=Count("id"),
        waiting=Count("id", filter=Q(slots_taken=0)),
        ready=Count("id", filter=Q(submitted_count__gte=k)),
    )
    in_progress = states["total"] - states["waiting"] - states["ready"]
    per_reviewer = []
    durations = defaultdict(list)
    rows = Assignment.objects.filter(document__project=project, status=AssignmentStatus.SUBMITTED).values_list(
        "reviewer_id", "created_at", "submitted_at"
    )
    for reviewer_id, created_at, submitted_at in rows:
        durations[reviewer_id].append((submitted_at - created_at).total_seconds())
    counts = {
        row["reviewer_id"]: row
        for row in Assignment.objects.filter(document__project=project)
        .values("reviewer_id")
        .annotate(
            done=Count("id", filter=Q(status=AssignmentStatus.SUBMITTED)),
            skipped=Count("id", filter=Q(status=AssignmentStatus.SKIPPED)),
            open=Count("id", filter=Q(status=AssignmentStatus.LEASED)),
            expired=Count("id", filter=Q(status=AssignmentStatus.EXPIRED)),
        )
    }
    reviewers = (
        Membership.objects.filter(project=project, role=Role.REVIEWER).select_related("user").order_by("user__username")
    )
    for membership in reviewers:
        row = counts.get(membership.user_id, {})
        seconds = durations.get(membership.user_id)
        per_reviewer.append(
            {
                "reviewer": membership.user.get_username(),
                "done": row.get("done", 0),
                "skipped": row.get("skipped", 0),
                "open": row.get("open", 0),
                "expired": row.get("expired", 0),
                "quota": membership.quota,
                "median_minutes": round(statistics.median(seconds) / 60, 1) if seconds else None,
            }
        )
    return {
        "documents": {
            "total": states["total"],
            "waiting": states["waiting"],
            "in_progress": in_progress,
            "submitted": states["ready"] - adjudicated,
            "adjudicated": adjudicated,
        },
        "reviewers": per_reviewer,
    }


def document_agreement(spans_by_assignment: dict[int, list[tuple[int, int, str]]]) -> float | None:
    """Mean pairwise overlap span F1 of a document's reviewers; 1.0 when nobody marked anything."""
    assignments = sorted(spans_by_assignment)
    scores = []
    for i, a in enumerate(assignments):
        for b in assignments[i + 1 :]:
            try:
                scores.append(span_f1(spans_by_assignment[a], spans_by_assignment[b], match="overlap").f1)
            except UndefinedAgreement:
                scores.append(1.0)  # both marked nothing: they agree
    return sum(scores) / len(scores) if scores else None


def stored_document_agreement(project: Project) -> dict[int, float]:
    """Each document's token-level alpha (else overlap F1) from the latest finished agreement run."""
    from annotations.selectors.agreement import agreement_last_done

    run = agreement_last_done(project)
    if run is None:
        return {}
    stored = {}
    for entry in as_report(run.results).get("documents", []):
        value = entry.get("token_alpha")
        if value is None:
            value = entry.get("overlap_f1")
        if value is not None:
            stored[entry["document"]] = value
    return stored


def adjudication_queue(project: Project) -> list[dict]:
    """Documents whose k reviewers have all submitted and whose gold is not final, lowest agreement first.

    Agreement is the document's token-level alpha from the latest agreement run (the job recomputes
    after every submission); a document the run has not seen yet gets its reviewers' mean pairwise
    overlap span F1, computed here."""
    ready = list(
        Document.objects.filter(project=project, submitted_count__gte=project.overlap_k, archived_at__isnull=True)
        .exclude(adjudication__status=AdjudicationStatus.FINAL)
        .values("id", "title", "adjudication__status")
        .order_by("id")
    )
    stored = stored_document_agreement(project)
    live = [row["id"] for row in ready if row["id"] not in stored]
    spans: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    submitted = Assignment.objects.filter(document_id__in=live, status=AssignmentStatus.SUBMITTED)
    for document_id, assignment_id in submitted.values_list("document_id", "id"):
        spans[document_id][assignment_id]  # a reviewer who marked nothing still counts
    for document_id, assignment_id, start, end, label in Span.objects.filter(assignment__in=submitted).values_list(
        "assignment__document_id", "assignment_id", "start", "end", "label__name"
    ):
        spans[document_id][assignment_id].append((start, end, label))
    for row in ready:
        if row["id"] in stored:
            row["agreement"], row["agreement_measure"] = stored[row["id"]], "token_alpha"
        else:
            row["agreement"], row["agreement_measure"] = document_agreement(spans[row["id"]]), "overlap_f1"
        row["in_progress"] = row.pop("adjudication__status") == AdjudicationStatus.IN_PROGRESS
    return sorted(ready, key=lambda row: (row["agreement"] if row["agreement"] is not None else 2.0, row["id"]))


def reviewer_names(assignment_ids) -> dict[int, str]:
    User = get_user_model()
    pairs = Assignment.objects.filter(pk__in=list(assignment_ids)).values_list("id", "reviewer_id")
    names = dict(User.objects.filter(pk__in=[r for _, r in pairs]).values_list("id", "username"))
    return {assignment_id: names[reviewer_id] for assignment_id, reviewer_id in pairs}
