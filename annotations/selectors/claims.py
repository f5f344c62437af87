"""Reads for claims, their evidence, the claim verification queue and source pages.

Evidence is a reviewer's work, so blind review applies: adjudicators and managers see every link;
a reviewer sees their own links, and the links on documents they have submitted themselves.
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from annotations.access import claims_verifiable_by, claims_visible_to, sees_all_work, visible_links_q
from annotations.errors import ApplicationError
from annotations.models import (
    AssignmentStatus,
    Claim,
    ClaimLink,
    ClaimVerification,
    Document,
    GoldReliability,
    Membership,
    Project,
    ReliabilityRating,
    Source,
    Verdict,
)
from annotations.selectors.search import words_filter


def claim_list(membership: Membership, query: str = "") -> QuerySet[Claim]:
    """The catalogue, newest first; with a query, the claims containing every query word, most relevant first."""
    # a correlated count, not a JOIN + GROUP BY: the database counts links only for the rows of the page
    visible = ClaimLink.objects.filter(claim=OuterRef("pk")).filter(visible_links_q(membership))
    claims = claims_visible_to(membership).annotate(
        evidence_count=Coalesce(
            Subquery(visible.order_by().values("claim").annotate(n=Count("id")).values("n")[:1]), Value(0)
        )
    )
    if query.strip():
        return words_filter(claims, query.strip())
    return claims.order_by("-updated_at", "-id")


def claim_origin_document(membership: Membership, document_id: int | None):
    """The document a new claim is written from: one of the project's that the member works on (or, for
    adjudicators and managers, any of the project's). A field error otherwise."""
    if document_id is None:
        return None
    documents = Document.objects.filter(pk=document_id, project_id=membership.project_id)
    if not sees_all_work(membership):
        documents = documents.filter(assignments__reviewer_id=membership.user_id)
    document = documents.first()
    if document is None:
        raise ApplicationError(
            gettext("Unknown document."), fields={"document": [gettext("Not a document you work on in this project.")]}
        )
    return document


def claim_evidence(claim: Claim, membership: Membership) -> list[dict]:
    """Each visible link with its article, outlet, span, stance, reviewer and the reviewer's grades."""
    links = list(
        ClaimLink.objects.filter(claim=claim)
        .filter(visible_links_q(membership))
        .select_related("span__label", "span__assignment__reviewer", "span__assignment__document__source")
        .order_by("span__assignment__document_id", "span__start", "id")
    )
    assignment_ids = {link.span.assignment_id for link in links}
    grades = {}
    for rating in ReliabilityRating.objects.filter(assignment_id__in=assignment_ids):
        grades[(rating.assignment_id, rating.span_id)] = rating
    evidence = []
    for link in links:
        span, assignment = link.span, link.span.assignment
        document = assignment.document
        outlet = grades.get((assignment.id, None))
        quoted = grades.get((assignment.id, span.id))
        evidence.append(
            {
                "id": link.id,
                "stance": link.stance,
                "document": {"id": document.id, "title": document.title, "url": document.url},
                "source": document.source.name if document.source else "",
                "span": {
                    "id": span.id,
                    "start": span.start,
                    "end": span.end,
                    "text": span.text,
                    "label": span.label.name,
                },
                "reviewer": assignment.reviewer.get_username(),
                "submitted": assignment.status == AssignmentStatus.SUBMITTED,
                "outlet_grade": outlet.code if outlet else None,
                "span_grade": quoted.code if quoted else None,
            }
        )
    return evidence


def claims_awaiting_verdict(project: Project) -> QuerySet[Claim]:
    """Claims with submitted evidence, still unverified, that have fewer verdicts than the project asks."""
    evidence = ClaimLink.objects.filter(claim=OuterRef("pk"), span__assignment__status=AssignmentStatus.SUBMITTED)
    return (
        Claim.objects.filter(project=project, verdict=Verdict.UNVERIFIED)
        .filter(Exists(evidence))
        .annotate(verdicts=Count("verifications", distinct=True))
        .filter(verdicts__lt=project.claim_verifiers)
        .order_by("created_at", "id")
    )


def claims_awaiting_verdict_from(membership: Membership) -> QuerySet[Claim]:
    """The claim verification queue of one verifier (the rules are access.claims_verifiable_by)."""
    mine = ClaimVerification.objects.filter(claim=OuterRef("pk"), verifier_id=membership.user_id)
    verifiable = claims_verifiable_by(membership).values("pk")
    return claims_awaiting_verdict(membership.project).filter(pk__in=verifiable).filter(~Exists(mine))


def claim_verification_next(membership: Membership) -> Claim | None:
    return claims_awaiting_verdict_from(membership).first()


def claims_disputed(project: Project) -> QuerySet[Claim]:
    """Claims whose verifiers have all answered and disagree: they go to adjudication, like spans."""
    return (
        Claim.objects.filter(project=project, verdict=Verdict.UNVERIFIED)
        .annotate(
            verdicts=Count("verifications", distinct=True),
            distinct_verdicts=Count("verifications__verdict", distinct=True),
        )
        .filter(verdicts__gte=project.claim_verifiers, distinct_verdicts__gt=1)
        .order_by("created_at", "id")
    )


def source_grades(project: Project, source: Source) -> dict:
    """An outlet's grades in this project over time and across reviewers, and its gold grades."""
    ratings = (
        ReliabilityRating.objects.filter(
            span__isnull=True,
            assignment__document__project=project,
            assignment__document__source=source,
            assignment__status=AssignmentStatus.SUBMITTED,
        )
        .select_related("assignment__reviewer", "assignment__document")
        .order_by("assignment__submitted_at", "id")
    )
    rows = [
        {
            "when": rating.assignment.submitted_at,
            "reviewer": rating.assignment.reviewer.get_username(),
            "document": {"id": rating.assignment.document_id, "title": rating.assignment.document.title},
            "grade": rating.code,
            "source_reliability": rating.source_reliability,
            "credibility": rating.credibility,
            "note": rating.note,
        }
        for rating in ratings
    ]
    gold = (
        GoldReliability.objects.filter(
            gold_span__isnull=True, adjudication__document__project=project, adjudication__document__source=source
        )
        .select_related("adjudication__document", "decided_by")
        .order_by("decided_at")
    )
    counts = {}
    for row in rows:
        counts[row["source_reliability"]] = counts.get(row["source_reliability"], 0) + 1
    return {
        "source": {"id": source.id, "name": source.name, "domain": source.domain},
        "ratings": rows,
        "reliability_counts": dict(sorted(counts.items())),
        "gold": [
            {
                "when": g.decided_at,
                "document": g.adjudication.document_id,
                "grade": f"{g.source_reliability}{g.credibility}",
                "decided_by": g.decided_by.get_username(),
            }
            for g in gold
        ],
    }
