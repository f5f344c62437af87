from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Prefetch, Q, QuerySet

from annotations.models import (
    Assignment,
    AssignmentStatus,
    ClaimLink,
    DocumentFlag,
    ReliabilityRating,
    Span,
    SpanComment,
)
from annotations.selectors.adjudication import _datetime


def assignment_detail(assignment: Assignment) -> Assignment:
    """The assignment with its spans (reading order), their claim links and its reliability ratings."""
    return (
        Assignment.objects.select_related("document__project", "document__source", "reviewer")
        .prefetch_related(
            Prefetch(
                "spans",
                queryset=Span.objects.select_related("label")
                .prefetch_related(
                    Prefetch("claim_links", queryset=ClaimLink.objects.select_related("claim").order_by("id"))
                )
                .order_by("start", "end", "id"),
            ),
            Prefetch("ratings", queryset=ReliabilityRating.objects.order_by("id")),
        )
        .get(pk=assignment.pk)
    )


def workspace_spans(assignment: Assignment) -> dict:
    """The assignment's live spans in reading order, compact, for the workspace page's bootstrap:
    `labels` (the label names used), `rows` ([id, start, end, index into labels, version] per span) and
    `claimLinks` ({span id: [{id, claim, claim_text, stance}, ...]} for the spans that have links, by id).
    A span's text is the document's slice [start, end) (what every write stores), so it is not repeated.

    Decoded by workspace-state.js into the API's `SpanOutput` shape (tests/pages/test_bootstraps.py checks
    that page and API say the same): two queries of values, no model instances or serializers, and about 25
    bytes a span instead of 120, so 2,000 spans cost milliseconds to describe and to parse."""
    links: dict[str, list[dict]] = {}
    for link_id, span_id, claim_id, claim_text, stance in (
        ClaimLink.objects.filter(span__assignment=assignment)
        .order_by("id")
        .values_list("id", "span_id", "claim_id", "claim__text", "stance")
    ):
        links.setdefault(str(span_id), []).append(
            {"id": link_id, "claim": claim_id, "claim_text": claim_text, "stance": stance}
        )
    labels: dict[str, int] = {}
    rows = [
        [span_id, start, end, labels.setdefault(label, len(labels)), version]
        for span_id, start, end, label, version in Span.objects.filter(assignment=assignment)
        .order_by("start", "end", "id")
        .values_list("id", "start", "end", "label__name", "version")
    ]
    return {"labels": list(labels), "rows": rows, "claimLinks": links}


def assignment_span_comments(assignment: Assignment) -> QuerySet[SpanComment]:
    """The reviewer's notes on their live spans, for the adjudicator, oldest first."""
    return SpanComment.objects.filter(span__assignment=assignment, span__deleted_at__isnull=True).order_by("id")


def assignment_data(assignment_id: int) -> dict:
    """`GET /api/assignments/<id>/` (the API's AssignmentOutput, field for field), read as rows: one
    statement per kind of record and no model instances, so fetching a document with its hundreds of spans
    costs what the database takes, not what building serializers for each span took."""
    row = (
        Assignment.objects.filter(pk=assignment_id)
        .values(
            "id",
            "status",
            "lease_expires_at",
            "submitted_at",
            "version",
            "document_id",
            "document__project_id",
            "reviewer__username",
            "document__title",
            "document__text",
            "document__sha256",
            "document__url",
            "document__source__name",
            "document__published_at",
        )
        .get()
    )
    links = defaultdict(list)
    for span_id, link_id, claim_id, claim_text, stance in (
        ClaimLink.objects.filter(span__assignment_id=assignment_id)
        .order_by("id")
        .values_list("span_id", "id", "claim_id", "claim__text", "stance")
    ):
        links[span_id].append({"id": link_id, "claim": claim_id, "claim_text": claim_text, "stance": stance})
    spans = [
        {
            "id": pk,
            "start": start,
            "end": end,
            "label": label,
            "text": text,
            "version": version,
            "claim_links": links[pk],
        }
        for pk, start, end, label, text, version in Span.objects.filter(assignment_id=assignment_id)
        .order_by("start", "end", "id")
        .values_list("id", "start", "end", "label__name", "text", "version")
    ]
    ratings = list(
        ReliabilityRating.objects.filter(assignment_id=assignment_id)
        .order_by("id")
        .values("id", "span", "source_reliability", "credibility", "note")
    )
    comments = [
        {**comment, "created_at": _datetime(comment["created_at"])}
        for comment in SpanComment.objects.filter(span__assignment_id=assignment_id, span__deleted_at__isnull=True)
        .order_by("id")
        .values("id", "span", "text", "created_at")
    ]
    flags = [
        {**flag, "created_at": _datetime(flag["created_at"])}
        for flag in DocumentFlag.objects.filter(assignment_id=assignment_id)
        .order_by("id")
        .values("id", "kind", "note", "created_at")
    ]
    return {
        "id": row["id"],
        "project": row["document__project_id"],
        "reviewer": row["reviewer__username"],
        "status": row["status"],
        "lease_expires_at": _datetime(row["lease_expires_at"]),
        "submitted_at": _datetime(row["submitted_at"]),
        "version": row["version"],
        "document": {
            "id": row["document_id"],
            "title": row["document__title"],
            "text": row["document__text"],
            "sha256": row["document__sha256"],
            "url": row["document__url"],
            "source": row["document__source__name"] or "",
            "published_at": _datetime(row["document__published_at"]),
        },
        "spans": spans,
        "reliability": next((rating for rating in ratings if rating["span"] is None), None),
        "ratings": ratings,
        "comments": comments,
        "flags": flags,
    }


def assignments_of_reviewer(user) -> QuerySet[Assignment]:
    """The caller's own assignments, open ones first, with their span counts."""
    return (
        Assignment.objects.filter(reviewer=user, document__project__memberships__user=user)
        .exclude(status=AssignmentStatus.EXPIRED)
        .select_related("document__project")
        .defer("document__text")
        # a join ignores Span's live-only manager: deleted spans (waiting for undo) are left out here
        .annotate(span_count=Count("spans", filter=Q(spans__deleted_at__isnull=True), distinct=True))
        .order_by("status", "-updated_at", "id")
    )
