from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from annotations.models import Assignment, AssignmentStatus, ClaimLink, ReliabilityRating, Span


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
