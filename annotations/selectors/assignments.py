from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from annotations.models import Assignment, AssignmentStatus, ClaimLink, ReliabilityRating, Span, SpanComment


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
