"""Reads for adjudication: the reviewers' submitted work on a document merged for the adjudicator, and
the gold decided so far (the adjudication page's bootstrap and `GET /api/documents/<id>/adjudication/`)."""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from annotations.models import (
    Adjudication,
    AdjudicationStatus,
    Assignment,
    AssignmentStatus,
    ClaimLink,
    Document,
    DocumentFlag,
    GoldClaimLink,
    GoldReliability,
    GoldSpan,
    ReliabilityRating,
    Span,
    SpanComment,
)
from annotations.selectors.queue import adjudication_queue


def submitted_spans(document: Document) -> list[Span]:
    return list(
        Span.objects.filter(assignment__document=document, assignment__status=AssignmentStatus.SUBMITTED)
        .select_related("label", "assignment")
        .order_by("start", "end", "label__order", "id")
    )


def candidates(document: Document) -> list[dict]:
    """Reviewers' spans merged by (start, end, label): who marked each, and whether all did. Read as rows
    (four statements, no model instances: this runs on every adjudication read and write)."""
    assignment_ids = list(
        Assignment.objects.filter(document=document, status=AssignmentStatus.SUBMITTED)
        .order_by("id")
        .values_list("id", flat=True)
    )
    spans = list(
        Span.objects.filter(assignment_id__in=assignment_ids)
        .order_by("start", "end", "label__order", "id")
        .values_list("id", "assignment_id", "start", "end", "label__name", "text")
    )
    live = {row[0] for row in spans}
    grades_by_span = {
        span_id: grade
        for span_id, *grade in ReliabilityRating.objects.filter(assignment_id__in=assignment_ids, span__isnull=False)
        .order_by("id")
        .values_list("span_id", "source_reliability", "credibility", "note")
        if span_id in live
    }
    links_by_span = defaultdict(list)
    for span_id, claim_id, stance, claim_text in (
        ClaimLink.objects.filter(span__assignment_id__in=assignment_ids)
        .order_by("claim_id", "id")
        .values_list("span_id", "claim_id", "stance", "claim__text")
    ):
        if span_id in live:
            links_by_span[span_id].append((claim_id, stance, claim_text))
    grouped: dict[tuple, list[tuple]] = defaultdict(list)
    for row in spans:
        grouped[(row[2], row[3], row[4])].append(row)
    reviewers = len(assignment_ids)
    result = []
    for (start, end, label), rows in grouped.items():
        marked_by = sorted({assignment_id for _id, assignment_id, *_rest in rows})
        # the reviewers' claim links on this span, merged by (claim, stance)
        links: dict[tuple[int, str], dict] = {}
        for span_id, assignment_id, *_rest in rows:
            for claim_id, stance, claim_text in links_by_span[span_id]:
                entry = links.setdefault(
                    (claim_id, stance),
                    {"claim": claim_id, "claim_text": claim_text, "stance": stance, "assignments": []},
                )
                entry["assignments"].append(assignment_id)
        result.append(
            {
                "start": start,
                "end": end,
                "label": label,
                "text": rows[0][5],
                "assignments": marked_by,
                "spans": [row[0] for row in rows],
                "agreed": len(marked_by) == reviewers and reviewers > 0,
                "agreement": ("all" if len(marked_by) == reviewers else "one" if len(marked_by) == 1 else "some"),
                "claim_links": sorted(links.values(), key=lambda entry: (entry["claim"], entry["stance"])),
                # each reviewer's grade of the quoted source, to accept one into the gold
                "grades": [
                    {
                        "assignment": assignment_id,
                        "span": span_id,
                        "source_reliability": grade[0],
                        "credibility": grade[1],
                        "note": grade[2],
                    }
                    for span_id, assignment_id, *_rest in rows
                    if (grade := grades_by_span.get(span_id)) is not None
                ],
            }
        )
    return result


def candidate_decisions(adjudication, merged: list[dict]) -> None:
    """Sets each candidate's `status`: accepted (in the gold as marked), edited (a gold span was made from
    its spans with other boundaries or label), rejected (an explicit rejection) or undecided."""
    gold_keys, edited_from, rejected = set(), set(), set()
    if adjudication is not None:
        gold_keys = set(adjudication.spans.order_by().values_list("start", "end", "label__name"))
        edited_from = set(
            GoldSpan.source_spans.through.objects.filter(goldspan__adjudication=adjudication).values_list(
                "span_id", flat=True
            )
        )
        rejected = set(adjudication.rejections.order_by().values_list("start", "end", "label__name"))
    for candidate in merged:
        key = (candidate["start"], candidate["end"], candidate["label"])
        if key in gold_keys:
            candidate["status"] = "accepted"
        elif key in rejected:
            candidate["status"] = "rejected"
        elif edited_from.intersection(candidate["spans"]):
            candidate["status"] = "edited"
        else:
            candidate["status"] = "undecided"


def _datetime(value) -> str | None:
    """ISO 8601 in the current time zone with "Z" for UTC: what the API's DateTimeField answers."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def gold_grade_data(rating) -> dict | None:
    if rating is None:
        return None
    return {
        "source_reliability": rating.source_reliability,
        "credibility": rating.credibility,
        "note": rating.note,
        "decided_by": rating.decided_by.username,
    }


def _gold_data(adjudication) -> tuple[list[dict], dict | None]:
    """The gold spans (GoldSpanOutput's fields) and the outlet's gold grade, read as rows: three statements."""
    links = defaultdict(list)
    for gold_id, claim_id, claim_text, stance, decider in (
        GoldClaimLink.objects.filter(gold_span__adjudication=adjudication)
        .order_by("gold_span_id", "id")
        .values_list("gold_span_id", "claim_id", "claim__text", "stance", "decided_by__username")
    ):
        links[gold_id].append({"claim": claim_id, "claim_text": claim_text, "stance": stance, "decided_by": decider})
    grades, outlet = {}, None
    for gold_id, letter, credibility, note, decider in (
        GoldReliability.objects.filter(adjudication=adjudication)
        .order_by("id")
        .values_list("gold_span_id", "source_reliability", "credibility", "note", "decided_by__username")
    ):
        grade = {"source_reliability": letter, "credibility": credibility, "note": note, "decided_by": decider}
        if gold_id is None:
            outlet = outlet or grade
        else:
            grades.setdefault(gold_id, grade)
    spans = [
        {
            "id": pk,
            "start": start,
            "end": end,
            "label": label,
            "text": text,
            "decision": decision,
            "decided_by": decider,
            "decided_at": _datetime(decided_at),
            "claim_links": links[pk],
            "reliability": grades.get(pk),
        }
        for pk, start, end, label, text, decision, decider, decided_at in GoldSpan.objects.filter(
            adjudication=adjudication
        )
        .order_by("start", "end", "id")
        .values_list("id", "start", "end", "label__name", "text", "decision", "decided_by__username", "decided_at")
    ]
    return spans, outlet


def adjudication_state(document) -> dict:
    """Everything the adjudication page needs: reviewers' work merged on the text, and the gold so far."""
    submitted = list(
        Assignment.objects.filter(document=document, status=AssignmentStatus.SUBMITTED)
        .order_by("id")
        .values_list("id", "reviewer__username")
    )
    adjudication = Adjudication.objects.filter(document=document).select_related("adjudicator").first()
    gold_spans, gold_reliability = _gold_data(adjudication) if adjudication is not None else ([], None)
    submitted_ids = [assignment_id for assignment_id, _name in submitted]
    ratings = ReliabilityRating.objects.filter(assignment_id__in=submitted_ids, span__isnull=True)
    merged = candidates(document)
    candidate_decisions(adjudication, merged)
    return {
        "document": {
            "id": document.id,
            "title": document.title,
            "text": document.text,
            "source": document.source.name if document.source else "",
        },
        "reviewers": [{"assignment": assignment_id, "reviewer": name} for assignment_id, name in submitted],
        "candidates": merged,
        "undecided": sum(1 for c in merged if c["status"] == "undecided"),
        "notes": [
            {
                "assignment": c.span.assignment_id,
                "span": c.span_id,
                "start": c.span.start,
                "end": c.span.end,
                "label": c.span.label.name,
                "text": c.text,
            }
            for c in SpanComment.objects.filter(span__assignment_id__in=submitted_ids, span__deleted_at__isnull=True)
            .select_related("span__label")
            .order_by("span__start", "id")
        ],
        "flags": [
            {"assignment": f.assignment_id, "kind": f.kind, "note": f.note}
            for f in DocumentFlag.objects.filter(assignment_id__in=submitted_ids).order_by("assignment_id", "id")
        ],
        "reliability": [
            {
                "assignment": r.assignment_id,
                "source_reliability": r.source_reliability,
                "credibility": r.credibility,
                "note": r.note,
            }
            for r in ratings
        ],
        "gold": {
            "status": adjudication.status if adjudication else None,
            "adjudicator": adjudication.adjudicator.username if adjudication else None,
            "decided_at": adjudication.decided_at if adjudication else None,
            "spans": gold_spans,
            "reliability": gold_reliability,
        },
    }


def adjudication_done(project) -> list[dict]:
    """Finalized documents, latest decision first: who decided and when (the adjudication page's "done")."""
    finals = (
        Adjudication.objects.filter(document__project=project, status=AdjudicationStatus.FINAL)
        .select_related("adjudicator", "document")
        .order_by("-decided_at", "-id")
    )
    return [
        {
            "id": a.document_id,
            "title": a.document.title,
            "adjudicator": a.recorded_adjudicator if a.imported and a.recorded_adjudicator else a.adjudicator.username,
            "decided_at": a.decided_at,
        }
        for a in finals
    ]


def adjudication_next(project, *, after_document_id: int | None = None) -> int | None:
    """The next document to adjudicate (the queue's first, lowest agreement), other than the one just done."""
    for row in adjudication_queue(project):
        if row["id"] != after_document_id:
            return row["id"]
    return None


__all__ = [
    "adjudication_done",
    "adjudication_next",
    "adjudication_state",
    "candidates",
    "submitted_spans",
]
