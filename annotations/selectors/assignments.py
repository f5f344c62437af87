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


def workspace_spans(assignment: Assignment) -> list[dict]:
    """The assignment's live spans in reading order as plain dicts, the shape of the API's `SpanOutput` (id,
    start, end, label, text, version, claim_links with id, claim, claim_text, stance; links by id).

    The workspace page starts from these: two queries of values, no model instances or serializers, so a
    document with thousands of spans costs milliseconds to describe (tests/pages/test_bootstraps.py checks
    that the page and the API say the same)."""
    links: dict[int, list[dict]] = {}
    for link_id, span_id, claim_id, claim_text, stance in (
        ClaimLink.objects.filter(span__assignment=assignment)
        .order_by("id")
        .values_list("id", "span_id", "claim_id", "claim__text", "stance")
    ):
        links.setdefault(span_id, []).append(
            {"id": link_id, "claim": claim_id, "claim_text": claim_text, "stance": stance}
        )
    return [
        {
            "id": span_id,
            "start": start,
            "end": end,
            "label": label,
            "text": text,
            "version": version,
            "claim_links": links.get(span_id, []),
        }
        for span_id, start, end, label, text, version in Span.objects.filter(assignment=assignment)
        .order_by("start", "end", "id")
        .values_list("id", "start", "end", "label__name", "text", "version")
    ]


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
