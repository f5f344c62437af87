"""Reads for the agreement job: ORM rows in, plain data for `annotations.agreement` out.

Only SUBMITTED assignments count. The set of submitted assignments is read once (`agreement_input`);
every later read is filtered to that set in Python, so rows of an assignment submitted while the
job reads are left out consistently (submitted work is frozen, so the rest cannot move underneath).

Coders are reviewer user ids; units are tokens (`(document, token index)`), documents (outlet grades)
or `(document, claim)` pairs (claim link stances).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import F, QuerySet, Subquery

from annotations.agreement.report import DocumentRow, DocumentWork, PairRow, ReportInput, as_report
from annotations.models import (
    AgreementRun,
    Assignment,
    AssignmentStatus,
    ClaimLink,
    ClaimVerification,
    Document,
    JobStatus,
    LabelType,
    Project,
    ReliabilityRating,
    Span,
    Stance,
)
from annotations.text.tokens import stored_token_bounds

# Part of the fingerprint: a change in how results are computed must not reuse older results.
ALGORITHM_VERSION = "agreement-results-1"
SPAN_CHUNK = 10_000
DOCUMENT_CHUNK = 500


@dataclass(frozen=True, slots=True)
class SubmittedAssignment:
    id: int
    document_id: int
    reviewer_id: int
    version: int
    updated_at: str


@dataclass
class AgreementInput:
    """The submitted assignments of a project and the names needed to report on them."""

    project_id: int
    assignments: dict[int, SubmittedAssignment]  # by assignment id
    reviewers: dict[int, str]  # reviewer id -> username
    labels: dict[int, str]  # label id -> name, in the project's label order
    label_colors: dict[str, str]
    document_count: int = 0  # documents with at least one submitted assignment

    @property
    def label_names(self) -> list[str]:
        return list(self.labels.values())


def submitted_assignments(project: Project) -> QuerySet[Assignment]:
    return Assignment.objects.filter(document__project=project, status=AssignmentStatus.SUBMITTED)


def agreement_input(project: Project) -> AgreementInput:
    """The snapshot every other read of one run is restricted to."""
    assignments = {}
    reviewer_ids = set()
    documents = set()
    rows = (
        submitted_assignments(project)
        .order_by("id")
        .values_list("id", "document_id", "reviewer_id", "version", "updated_at")
    )
    for pk, document_id, reviewer_id, version, updated_at in rows.iterator(chunk_size=SPAN_CHUNK):
        assignments[pk] = SubmittedAssignment(pk, document_id, reviewer_id, version, updated_at.isoformat())
        reviewer_ids.add(reviewer_id)
        documents.add(document_id)
    from django.contrib.auth import get_user_model

    reviewers = dict(get_user_model().objects.filter(pk__in=reviewer_ids).values_list("pk", "username"))
    labels, colors = {}, {}
    for pk, name, color in (
        LabelType.objects.filter(project=project).order_by("order", "id").values_list("id", "name", "color")
    ):
        labels[pk] = name
        colors[name] = color
    return AgreementInput(project.pk, assignments, reviewers, labels, colors, len(documents))


def agreement_input_fingerprint(project: Project, snapshot: AgreementInput) -> str:
    """sha256 over the submitted assignments (id, version, updated_at), their spans (id, version,
    label), outlet grades and claim links, the label names and ALGORITHM_VERSION: nothing changed,
    same fingerprint."""
    digest = hashlib.sha256()
    digest.update(f"{ALGORITHM_VERSION}\nproject {project.pk}\n".encode())
    digest.update(repr(sorted(snapshot.labels.items())).encode())
    for pk in sorted(snapshot.assignments):
        a = snapshot.assignments[pk]
        digest.update(f"\na {a.id} {a.document_id} {a.reviewer_id} {a.version} {a.updated_at}".encode())
    known = snapshot.assignments
    spans = (
        Span.objects.filter(assignment__document__project=project, assignment__status=AssignmentStatus.SUBMITTED)
        .order_by("id")
        .values_list("id", "assignment_id", "version", "label_id")
    )
    batch = []
    for row in spans.iterator(chunk_size=SPAN_CHUNK):
        if row[1] in known:
            batch.append(row)
            if len(batch) >= SPAN_CHUNK:
                digest.update(repr(batch).encode())
                batch = []
    digest.update(repr(batch).encode())
    ratings = (
        ReliabilityRating.objects.filter(
            assignment__document__project=project, assignment__status=AssignmentStatus.SUBMITTED, span__isnull=True
        )
        .order_by("id")
        .values_list("id", "assignment_id", "source_reliability", "credibility")
    )
    digest.update(repr([row for row in ratings if row[1] in known]).encode())
    links = (
        ClaimLink.objects.filter(
            span__assignment__document__project=project, span__assignment__status=AssignmentStatus.SUBMITTED
        )
        .order_by("id")
        .values_list("id", "span__assignment_id", "claim_id", "stance")
    )
    digest.update(repr([row for row in links.iterator(chunk_size=SPAN_CHUNK) if row[1] in known]).encode())
    digest.update(repr(agreement_claim_verdicts(project)).encode())
    return digest.hexdigest()


def agreement_documents(project: Project, snapshot: AgreementInput) -> Iterator[DocumentWork]:
    """Documents with at least one submitted assignment, in id order, with tokens and spans.

    Two streams merged on the document id: the texts and ONE ordered query over all spans of the
    project's submitted work (no per-document query). Close the generator if you stop early."""
    by_document: dict[int, list[SubmittedAssignment]] = defaultdict(list)
    for a in snapshot.assignments.values():
        by_document[a.document_id].append(a)
    labels = snapshot.labels
    known = snapshot.assignments
    wanted = Subquery(submitted_assignments(project).values("document_id"))
    documents = (
        Document.objects.filter(project=project, pk__in=wanted)
        .order_by("id")
        .values_list("id", "title", "text", "stats__tokens")
        .iterator(chunk_size=DOCUMENT_CHUNK)
    )
    spans = (
        Span.objects.filter(assignment__document__project=project, assignment__status=AssignmentStatus.SUBMITTED)
        .order_by("assignment__document_id", "assignment_id", "start", "end", "id")
        .values_list("assignment__document_id", "assignment_id", "start", "end", "label_id")
        .iterator(chunk_size=SPAN_CHUNK)
    )
    try:
        pending = next(spans, None)
        for document_id, title, text, tokens in documents:
            mine = by_document.get(document_id)
            if not mine:
                continue  # submitted after the snapshot was read
            # the tokens stored at import; tokenized now only for a document whose job has not run yet
            work = DocumentWork(document_id, title, stored_token_bounds(text, tokens))
            for a in mine:
                work.spans[a.reviewer_id] = []
            while pending is not None and pending[0] < document_id:
                pending = next(spans, None)
            while pending is not None and pending[0] == document_id:
                _, assignment_id, start, end, label_id = pending
                a = known.get(assignment_id)
                if a is not None:
                    work.spans[a.reviewer_id].append((start, end, labels[label_id]))
                pending = next(spans, None)
            yield work
    finally:
        # Close the server-side cursors now, not whenever the garbage collector gets to them (by then
        # their transaction may be gone, and closing them would break the connection's next query).
        spans.close()
        documents.close()


def agreement_outlet_grades(project: Project, snapshot: AgreementInput) -> tuple[list, list]:
    """Outlet grades (the rating without a span) as `(reviewer, document, grade)` triples:
    source reliability A-F and information credibility 1-6 (F and 6 are dropped later)."""
    reliability, credibility = [], []
    rows = ReliabilityRating.objects.filter(
        assignment__document__project=project, assignment__status=AssignmentStatus.SUBMITTED, span__isnull=True
    ).values_list("assignment_id", "source_reliability", "credibility")
    for assignment_id, grade, cred in rows:
        a = snapshot.assignments.get(assignment_id)
        if a is not None:
            reliability.append((a.reviewer_id, a.document_id, grade))
            credibility.append((a.reviewer_id, a.document_id, cred))
    return reliability, credibility


# When one reviewer links a claim through several spans with different stances, the most frequent
# stance is theirs; ties go to the first of this order.
STANCE_ORDER = [Stance.REFUTES, Stance.SUPPORTS, Stance.MENTIONS]


def agreement_claim_stances(project: Project, snapshot: AgreementInput) -> list[tuple[int, tuple[int, int], str]]:
    """`(reviewer, (document, claim), stance)`: the stance each reviewer gave a claim in a document
    through any of their spans; a reviewer who linked no span to the claim gives no value."""
    given: dict[tuple[int, tuple[int, int]], Counter] = defaultdict(Counter)
    rows = ClaimLink.objects.filter(
        span__assignment__document__project=project, span__assignment__status=AssignmentStatus.SUBMITTED
    ).values_list("span__assignment_id", "claim_id", "stance")
    for assignment_id, claim_id, stance in rows.iterator(chunk_size=SPAN_CHUNK):
        a = snapshot.assignments.get(assignment_id)
        if a is not None:
            given[(a.reviewer_id, (a.document_id, claim_id))][stance] += 1
    rank = {stance: i for i, stance in enumerate(STANCE_ORDER)}
    triples = []
    for (reviewer, unit), counts in sorted(given.items()):
        stance = min(counts, key=lambda s: (-counts[s], rank.get(s, len(rank)), s))
        triples.append((reviewer, unit, stance))
    return triples


def agreement_claim_verdicts(project: Project) -> list[tuple[int, int, str]]:
    """`(verifier, claim, verdict)` from the claim verification queue: each verifier judges a claim once."""
    return list(
        ClaimVerification.objects.filter(claim__project=project, submitted_at__isnull=False)
        .order_by("claim_id", "verifier_id")
        .values_list("verifier_id", "claim_id", "verdict")
    )


def agreement_report_input(project: Project, snapshot: AgreementInput) -> ReportInput:
    """The complete input of `annotations.agreement.report.agreement_report`: grades, stances and verdicts
    read now, the documents as a stream (close it with `.documents.close()`, also on an error)."""
    reliability, credibility = agreement_outlet_grades(project, snapshot)
    return ReportInput(
        labels=snapshot.label_names,
        label_colors=snapshot.label_colors,
        reviewers=snapshot.reviewers,
        assignments=len(snapshot.assignments),
        document_count=snapshot.document_count,
        documents=agreement_documents(project, snapshot),
        reliability=reliability,
        credibility=credibility,
        stances=agreement_claim_stances(project, snapshot),
        verdicts=agreement_claim_verdicts(project),
    )


# --- runs -----------------------------------------------------------------------------------------------
def agreement_runs_of_project(project: Project) -> QuerySet[AgreementRun]:
    """Newest first, without the (possibly large) results: list pages show summaries only."""
    return AgreementRun.objects.filter(project=project).defer("results").order_by("-created_at", "-id")


def agreement_run_summaries(project: Project, *, limit: int = 50) -> list[dict]:
    """The summaries of the project's last `limit` finished runs, oldest first: the trend line."""
    rows = (
        AgreementRun.objects.filter(project=project, status=JobStatus.DONE)
        .order_by(F("finished_at").desc(nulls_last=True), "-id")
        .values("id", "finished_at", "results__summary")[:limit]
    )
    return [
        {"id": row["id"], "finished_at": row["finished_at"], "summary": row["results__summary"] or {}}
        for row in reversed(list(rows))
    ]


def agreement_run_summary(run_id: int) -> dict:
    row = AgreementRun.objects.filter(pk=run_id).values("results__summary").first()
    return (row or {}).get("results__summary") or {}


def agreement_last_done(project: Project, *, exclude_id: int | None = None) -> AgreementRun | None:
    runs = AgreementRun.objects.filter(project=project, status=JobStatus.DONE)
    if exclude_id is not None:
        runs = runs.exclude(pk=exclude_id)
    return runs.order_by(F("finished_at").desc(nulls_last=True), "-id").first()


def agreement_in_flight(project: Project) -> AgreementRun | None:
    return (
        AgreementRun.objects.filter(project=project, status__in=[JobStatus.PENDING, JobStatus.RUNNING])
        .defer("results")
        .order_by("-created_at", "-id")
        .first()
    )


def agreement_submitted_count(project: Project) -> int:
    return submitted_assignments(project).count()


DASHBOARD_DOCUMENTS = 20


def _document_sort_key(entry: DocumentRow):
    alpha = entry.get("token_alpha")
    f1 = entry.get("overlap_f1")
    return (alpha if alpha is not None else 2.0, f1 if f1 is not None else 2.0, entry["document"])


def agreement_dashboard(project: Project) -> dict:
    """What the dashboard page draws: the latest finished run (its tables, the documents with the
    lowest agreement first), the trend over finished runs and the run in flight, if any."""
    latest = agreement_last_done(project)
    in_flight = agreement_in_flight(project)
    data: dict = {
        "project": {"id": project.pk, "slug": project.slug, "name": project.name},
        "submitted": agreement_submitted_count(project),
        "latest": None,
        "trend": [
            {
                "id": point["id"],
                "finished_at": point["finished_at"].isoformat() if point["finished_at"] else None,
                **{key: point["summary"].get(key) for key in ("token_alpha", "exact_f1", "overlap_f1")},
            }
            for point in agreement_run_summaries(project)
        ],
        "in_flight": None,
        "urls": {
            "runs": f"/api/projects/{project.pk}/agreement-runs/",
            "run": "/api/agreement-runs/",
        },
    }
    if in_flight is not None:
        data["in_flight"] = {"id": in_flight.pk, "status": in_flight.status, "progress": in_flight.progress}
    if latest is not None:
        results = as_report(latest.results)
        paired = [d for d in results.get("documents") or [] if d.get("reviewers", 0) >= 2]
        data["latest"] = {
            "id": latest.pk,
            "finished_at": latest.finished_at.isoformat() if latest.finished_at else None,
            "finished_label": latest.finished_at.strftime("%Y-%m-%d %H:%M UTC") if latest.finished_at else "",
            "unchanged": bool(results.get("unchanged")),
            "csv": f"/api/agreement-runs/{latest.pk}/results.csv",
            "counts": results.get("counts") or {},
            "summary": results.get("summary") or {},
            "project": results.get("project") or {},
            "labels": results.get("labels") or [],
            "pairs": results.get("pairs") or [],
            "reliability": results.get("reliability") or {},
            "claims": results.get("claims") or {},
            "lowest_documents": sorted(paired, key=_document_sort_key)[:DASHBOARD_DOCUMENTS],
            "heatmap": _heatmap(results.get("pairs") or []),
        }
    return data


def _heatmap(pairs: list[PairRow]) -> dict:
    """Reviewer x reviewer rows for the pair heatmap (symmetric; the diagonal is empty)."""
    names = sorted({name for pair in pairs for name in pair["reviewers"]})
    index = {name: i for i, name in enumerate(names)}
    cells: list[list[dict | None]] = [[None] * len(names) for _ in names]
    for pair in pairs:
        a, b = (index[name] for name in pair["reviewers"])
        cell = {key: pair.get(key) for key in ("overlap_f1", "exact_f1", "token_alpha", "documents")}
        cell["reasons"] = pair.get("reasons") or {}
        cells[a][b] = cells[b][a] = cell
    return {"reviewers": names, "rows": [{"name": name, "cells": cells[i]} for i, name in enumerate(names)]}
