"""Adjudication: an adjudicator turns k reviewers' submitted work on a document into its gold.

Every gold record names who decided it. Gold can change until the adjudication is finalized; a
second finalize (another adjudicator at the same moment) is a Conflict naming the first decider.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from annotations.errors import ApplicationError, Conflict
from annotations.models import (
    Adjudication,
    AdjudicationStatus,
    Assignment,
    AssignmentStatus,
    CandidateRejection,
    Claim,
    Document,
    GoldClaimLink,
    GoldDecision,
    GoldReliability,
    GoldSpan,
    LabelType,
    ReliabilityRating,
    Span,
    Stance,
)
from annotations.models.reliability import SourceReliability
from annotations.selectors.adjudication import candidates, submitted_spans
from annotations.services.audit import audit_record, span_values
from annotations.services.spans import label_for, span_check_offsets


def _audit(document: Document, adjudicator, kind: str, object_id=None, *, before=None, after=None) -> None:
    audit_record(
        project_id=document.project_id,
        document_id=document.pk,
        actor_id=adjudicator.pk,
        kind=kind,
        object_id=object_id,
        before=before,
        after=after,
    )


def document_check_ready(document: Document) -> None:
    if document.submitted_count < document.project.overlap_k:
        raise Conflict(
            _(
                "This document has %(submitted)s of %(needed)s submissions; "
                "it can be adjudicated once every reviewer has submitted."
            )
            % {"submitted": document.submitted_count, "needed": document.project.overlap_k}
        )


def _adjudication_for_write(document: Document, adjudicator) -> Adjudication:
    """The document's adjudication, created on first use; Conflict once final.

    Every write to a document's gold first locks the document row, so two adjudicators' simultaneous
    requests run one after the other. (Locking the adjudication row joined to its adjudicator made a
    concurrent finalize, which changes the adjudicator, hide the row from the waiting request: a 500.)"""
    document_check_ready(document)
    Document.objects.select_for_update().filter(pk=document.pk).values_list("pk").first()
    adjudication, _created = Adjudication.objects.select_related("adjudicator").get_or_create(
        document=document, defaults={"adjudicator": adjudicator}
    )
    if adjudication.status == AdjudicationStatus.FINAL:
        raise Conflict(_already_decided(adjudication))
    return adjudication


def _already_decided(adjudication: Adjudication) -> str:
    return (
        f"Gold for this document was already decided by {adjudication.adjudicator.get_username()} "
        f"at {adjudication.decided_at:%Y-%m-%d %H:%M} UTC."
    )


def _decision_for(reviewer_spans: list[Span], start: int, end: int, label: LabelType) -> tuple[str, list[Span]]:
    exact = [s for s in reviewer_spans if (s.start, s.end, s.label_id) == (start, end, label.pk)]
    if exact:
        return GoldDecision.ACCEPTED, exact
    overlapping = [s for s in reviewer_spans if s.start < end and start < s.end]
    return (GoldDecision.EDITED, overlapping) if overlapping else (GoldDecision.ADDED, [])


def gold_span_create(*, document: Document, adjudicator, start, end, label, quote=None) -> GoldSpan:
    """Puts [start, end) with `label` into the gold: accepted (a reviewer marked exactly that), edited
    (it changes reviewers' overlapping spans) or added. Idempotent for the same span."""
    with transaction.atomic():
        adjudication = _adjudication_for_write(document, adjudicator)
        text = document.text
        span_check_offsets(text, start, end, quote)
        probe = Assignment(document=document)
        label_type = label_for(probe, label)
        existing = GoldSpan.objects.filter(adjudication=adjudication, start=start, end=end, label=label_type).first()
        if existing is not None:
            return existing
        decision, sources = _decision_for(submitted_spans(document), start, end, label_type)
        gold = GoldSpan.objects.create(
            adjudication=adjudication,
            label=label_type,
            start=start,
            end=end,
            text=text[start:end],
            decision=decision,
            decided_by=adjudicator,
        )
        gold.source_spans.set(sources)
        # accepting or editing a candidate takes back an earlier rejection of it
        CandidateRejection.objects.filter(adjudication=adjudication, start=start, end=end, label=label_type).delete()
        _audit(document, adjudicator, "gold_span.created", gold.pk, after={**span_values(gold), "decision": decision})
    return gold


def gold_span_update(*, gold_span: GoldSpan, adjudicator, start=None, end=None, label=None) -> GoldSpan:
    """Moves a gold span's boundaries or relabels it; its decision and source spans follow (accepted when a
    reviewer marked exactly that, else edited or added). Conflict when the same gold span already exists."""
    document = gold_span.adjudication.document
    with transaction.atomic():
        adjudication = _adjudication_for_write(document, adjudicator)
        current = GoldSpan.objects.select_related("label").get(pk=gold_span.pk)
        new_start = current.start if start is None else start
        new_end = current.end if end is None else end
        span_check_offsets(document.text, new_start, new_end)
        label_type = current.label if label is None else label_for(Assignment(document=document), label)
        twin = GoldSpan.objects.filter(adjudication=adjudication, start=new_start, end=new_end, label=label_type)
        if twin.exclude(pk=current.pk).exists():
            raise Conflict(gettext("This span is already in the gold."))
        decision, sources = _decision_for(submitted_spans(document), new_start, new_end, label_type)
        before = span_values(current)
        current.start, current.end, current.label = new_start, new_end, label_type
        current.text = document.text[new_start:new_end]
        current.decision = decision
        current.decided_by = adjudicator
        current.save(update_fields=["start", "end", "label", "text", "decision", "decided_by"])
        current.source_spans.set(sources)
        _audit(
            document,
            adjudicator,
            "gold_span.changed",
            current.pk,
            before=before,
            after={**span_values(current), "decision": decision},
        )
    return current


def gold_candidate_reject(*, document: Document, adjudicator, start, end, label) -> CandidateRejection:
    """The adjudicator rejects a reviewers' candidate: kept as a decision (and out of the gold if it was in)."""
    with transaction.atomic():
        adjudication = _adjudication_for_write(document, adjudicator)
        label_type = label_for(Assignment(document=document), label)
        if not any((c["start"], c["end"], c["label"]) == (start, end, label_type.name) for c in candidates(document)):
            raise ApplicationError(
                gettext("Not a candidate."),
                fields={"start": [gettext("No reviewer marked this span with this label.")]},
            )
        GoldSpan.objects.filter(adjudication=adjudication, start=start, end=end, label=label_type).delete()
        rejection, _created = CandidateRejection.objects.get_or_create(
            adjudication=adjudication,
            start=start,
            end=end,
            label=label_type,
            defaults={"decided_by": adjudicator},
        )
        _audit(
            document,
            adjudicator,
            "gold_candidate.decided",
            rejection.pk,
            after={"start": start, "end": end, "label": label_type.name, "decision": "rejected"},
        )
    return rejection


def gold_span_delete(*, gold_span: GoldSpan, adjudicator) -> None:
    with transaction.atomic():
        document = gold_span.adjudication.document
        _adjudication_for_write(document, adjudicator)
        _audit(document, adjudicator, "gold_span.deleted", gold_span.pk, before=span_values(gold_span))
        gold_span.delete()


def gold_accept_agreed(*, document: Document, adjudicator) -> dict[str, int]:
    """One action: every span all reviewers marked identically joins the gold, with the claim links
    they all made to it and, if they all gave the same grade to the source quoted there, that grade; and
    the outlet's grade if they all gave the same. Set-based: a fixed number of statements whatever the
    number of spans (reads of the merged work, then one INSERT per kind of record)."""
    with transaction.atomic():
        adjudication = _adjudication_for_write(document, adjudicator)
        agreed = [candidate for candidate in candidates(document) if candidate["agreed"]]
        reviewers = Assignment.objects.filter(document=document, status=AssignmentStatus.SUBMITTED).count()
        label_ids = dict(LabelType.objects.filter(project_id=document.project_id).values_list("name", "pk"))
        gold_by_key = {
            (start, end, label_id): pk
            for pk, start, end, label_id in GoldSpan.objects.filter(adjudication=adjudication).values_list(
                "pk", "start", "end", "label_id"
            )
        }
        new_gold = [
            GoldSpan(
                adjudication=adjudication,
                start=candidate["start"],
                end=candidate["end"],
                label_id=label_ids[candidate["label"]],
                text=candidate["text"],
                decision=GoldDecision.ACCEPTED,
                decided_by=adjudicator,
            )
            for candidate in agreed
            if (candidate["start"], candidate["end"], label_ids[candidate["label"]]) not in gold_by_key
        ]
        created = GoldSpan.objects.bulk_create(new_gold)
        if created and created[0].pk is None:  # a backend that cannot return ids from a bulk INSERT
            created = list(
                GoldSpan.objects.filter(adjudication=adjudication, pk__gt=max(gold_by_key.values(), default=0))
            )
        new_ids = {gold.pk for gold in created}
        gold_by_key.update({(gold.start, gold.end, gold.label_id): gold.pk for gold in created})
        sources, span_grades, links = [], [], []
        graded_gold = set(
            GoldReliability.objects.filter(adjudication=adjudication, gold_span__isnull=False).values_list(
                "gold_span_id", flat=True
            )
        )
        linked = set(
            GoldClaimLink.objects.filter(gold_span__adjudication=adjudication).values_list("gold_span_id", "claim_id")
        )
        for candidate in agreed:
            gold_id = gold_by_key[(candidate["start"], candidate["end"], label_ids[candidate["label"]])]
            if gold_id in new_ids:
                sources += [GoldSpan.source_spans.through(goldspan_id=gold_id, span_id=pk) for pk in candidate["spans"]]
            # the quoted source's grade joins too when every reviewer gave this span the same grade
            grades = {(g["source_reliability"], g["credibility"]) for g in candidate["grades"]}
            if len(candidate["grades"]) == reviewers and len(grades) == 1 and gold_id not in graded_gold:
                letter, credibility = grades.pop()
                span_grades.append(
                    GoldReliability(
                        adjudication=adjudication,
                        gold_span_id=gold_id,
                        source_reliability=letter,
                        credibility=credibility,
                        decided_by=adjudicator,
                    )
                )
            # a link joins the gold when every reviewer linked this span to that claim with that stance
            for entry in candidate["claim_links"]:
                if len(set(entry["assignments"])) == reviewers and (gold_id, entry["claim"]) not in linked:
                    linked.add((gold_id, entry["claim"]))
                    links.append(
                        GoldClaimLink(
                            gold_span_id=gold_id,
                            claim_id=entry["claim"],
                            stance=entry["stance"],
                            decided_by=adjudicator,
                        )
                    )
        GoldSpan.source_spans.through.objects.bulk_create(sources)
        GoldReliability.objects.bulk_create(span_grades)
        GoldClaimLink.objects.bulk_create(links)
        reliability = _outlet_grade_agreed(document, adjudication, adjudicator, reviewers)
        counts = {
            "spans": len(created),
            "claim_links": len(links),
            "reliability": int(reliability),
            "span_grades": len(span_grades),
        }
        _audit(document, adjudicator, "gold.agreed_accepted", adjudication.pk, after=counts)
    return counts


def _outlet_grade_agreed(document: Document, adjudication: Adjudication, adjudicator, reviewers: int) -> bool:
    """The outlet's gold grade, when every reviewer gave the same one and there is none yet."""
    grades = list(
        ReliabilityRating.objects.filter(
            assignment__document=document, assignment__status=AssignmentStatus.SUBMITTED, span__isnull=True
        ).values_list("source_reliability", "credibility")
    )
    if len(grades) != reviewers or len(set(grades)) != 1:
        return False
    source_reliability, credibility = grades[0]
    _reliability, created = GoldReliability.objects.get_or_create(
        adjudication=adjudication,
        gold_span=None,
        defaults={"source_reliability": source_reliability, "credibility": credibility, "decided_by": adjudicator},
    )
    return created


def gold_reliability_set(
    *, document: Document, adjudicator, source_reliability, credibility, note="", gold_span: GoldSpan | None = None
) -> GoldReliability:
    """The gold grade of the outlet or, with `gold_span`, of the source quoted there (accepting a reviewer's
    grade is setting the same values)."""
    if source_reliability not in SourceReliability.values:
        raise ApplicationError(_("Bad grade."), fields={"source_reliability": [_("Choose a grade from A to F.")]})
    if isinstance(credibility, bool) or not isinstance(credibility, int) or not 1 <= credibility <= 6:
        raise ApplicationError(_("Bad grade."), fields={"credibility": [_("Choose a grade from 1 to 6.")]})
    with transaction.atomic():
        adjudication = _adjudication_for_write(document, adjudicator)
        earlier = GoldReliability.objects.filter(adjudication=adjudication, gold_span=gold_span).first()
        rating, _created = GoldReliability.objects.update_or_create(
            adjudication=adjudication,
            gold_span=gold_span,
            defaults={
                "source_reliability": source_reliability,
                "credibility": credibility,
                "note": note or "",
                "decided_by": adjudicator,
            },
        )
        _audit(
            document,
            adjudicator,
            "gold_reliability.set",
            rating.pk,
            before={"grade": earlier.source_reliability + str(earlier.credibility)} if earlier else None,
            after={
                "grade": source_reliability + str(credibility),
                "note": note or "",
                "gold_span": gold_span.pk if gold_span else None,
            },
        )
    return rating


def gold_claim_link_create(*, gold_span: GoldSpan, adjudicator, claim_id, stance) -> GoldClaimLink:
    if stance not in Stance.values:
        raise ApplicationError(
            _("Bad stance."), fields={"stance": [_("Choose one of: %s.") % ", ".join(Stance.values)]}
        )
    document = gold_span.adjudication.document
    claim = (
        Claim.objects.filter(pk=claim_id, project_id=document.project_id).first() if isinstance(claim_id, int) else None
    )
    if claim is None:
        raise ApplicationError(_("Unknown claim."), fields={"claim": [_("No such claim in this project.")]})
    with transaction.atomic():
        _adjudication_for_write(document, adjudicator)
        link, _created = GoldClaimLink.objects.update_or_create(
            gold_span=gold_span, claim=claim, defaults={"stance": stance, "decided_by": adjudicator}
        )
        after = {"gold_span": gold_span.pk, "claim": claim.pk, "stance": stance}
        _audit(document, adjudicator, "gold_claim_link.created", link.pk, after=after)
    return link


def adjudication_finalize(*, document: Document, adjudicator) -> Adjudication:
    """The gold is decided. Exactly one of two simultaneous finalizations wins; the other gets 409."""
    with transaction.atomic():
        adjudication = _adjudication_for_write(document, adjudicator)
        adjudication.status = AdjudicationStatus.FINAL
        adjudication.adjudicator = adjudicator
        adjudication.decided_at = timezone.now()
        adjudication.version += 1
        try:
            adjudication.save(update_fields=["status", "adjudicator", "decided_at", "version", "updated_at"])
        except IntegrityError:  # pragma: no cover - guarded by the row lock
            raise Conflict(_("Gold for this document changed meanwhile; reload.")) from None
        _audit(document, adjudicator, "adjudication.finalized", adjudication.pk, after={"status": "final"})
    return adjudication


def adjudication_reopen(*, document: Document, manager, reason: str) -> Adjudication:
    """A manager reopens finalized gold, saying why (kept in the audit trail); it is back in the queue."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            gettext("Say why the gold is reopened."), fields={"reason": [gettext("A reason is required.")]}
        )
    with transaction.atomic():
        Document.objects.select_for_update().filter(pk=document.pk).values_list("pk").first()
        adjudication = Adjudication.objects.select_related("adjudicator").filter(document=document).first()
        if adjudication is None or adjudication.status != AdjudicationStatus.FINAL:
            raise Conflict(gettext("This document's gold is not final; there is nothing to reopen."))
        before = {
            "status": adjudication.status,
            "adjudicator": adjudication.adjudicator.get_username(),
            "decided_at": adjudication.decided_at.isoformat(),
        }
        adjudication.status = AdjudicationStatus.IN_PROGRESS
        adjudication.decided_at = None
        adjudication.version += 1
        adjudication.save(update_fields=["status", "decided_at", "version", "updated_at"])
        _audit(
            document,
            manager,
            "adjudication.reopened",
            adjudication.pk,
            before=before,
            after={"status": adjudication.status, "reason": reason[:2000]},
        )
    return adjudication
