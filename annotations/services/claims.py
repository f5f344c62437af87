"""Claims, evidence links and Admiralty grades: what turns highlighting into verification."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from rapidfuzz.distance import Indel

from annotations.access import claims_visible_q, may_verify
from annotations.errors import ApplicationError, Conflict, PermissionDenied
from annotations.models import (
    Assignment,
    Claim,
    ClaimLink,
    ClaimSimilarityKey,
    ClaimVerdictChange,
    ClaimVerification,
    Membership,
    Project,
    ReliabilityRating,
    Span,
    Stance,
    Verdict,
)
from annotations.models.reliability import SourceReliability
from annotations.models.validation import validate_claim
from annotations.services.agreement_runs import agreement_run_request
from annotations.services.audit import audit_record, grade_values
from annotations.services.spans import assignment_check_open
from annotations.text.words import search_words, similarity_keys

SIMILARITY = 0.8  # word sequences this alike (rapidfuzz Indel, normalised) are offered as the same claim
MAX_CANDIDATES = 50  # claims sharing the most similarity keys, scored with rapidfuzz


def claims_similar(*, project: Project, text: str, limit: int = 5, membership: Membership | None = None) -> list[Claim]:
    """Claims of the project that say nearly the same thing, word by word, ignoring Arabic spelling variants
    and proclitics (annotations.text.words).

    Candidates are the claims sharing the most locality-sensitive keys with `text` (an index lookup on
    ClaimSimilarityKey, never a scan of every claim); each is scored by rapidfuzz's normalised Indel
    similarity of the two word sequences, and kept from SIMILARITY up."""
    words = search_words(text.strip())
    keys = similarity_keys(words)
    if not keys:
        return []
    candidates = list(
        ClaimSimilarityKey.objects.filter(project=project, key__in=keys)
        .values("claim_id")
        .annotate(shared=Count("id"))
        .order_by("-shared", "claim_id")
        .values_list("claim_id", flat=True)[:MAX_CANDIDATES]
    )
    found = Claim.objects.filter(pk__in=candidates)
    if membership is not None:
        found = found.filter(claims_visible_q(membership))
    scored = []
    for claim in found.only("id", "text", "search_words", "verdict"):
        score = Indel.normalized_similarity(words, claim.search_words.split())
        if score >= SIMILARITY:
            scored.append((score, claim.pk, claim))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [claim for _score, _keys, claim in scored[:limit]]


def claim_create(
    *,
    project: Project,
    text: str,
    created_by,
    event_date: dt.date | None = None,
    place: str = "",
    actor: str = "",
    casualty_figure: int | None = None,
    force: bool = False,
    document=None,
    membership: Membership | None = None,
) -> Claim:
    """A new claim; Conflict (409) listing near-duplicates first, unless `force`. The claim rules are
    annotations.models.validation's, shared with import_gold and the admin."""
    values = validate_claim(text=text, place=place, actor=actor)
    text = values.text
    if not force:
        similar = claims_similar(project=project, text=text, membership=membership)
        if similar:
            raise Conflict(
                _("A similar claim already exists; link to it, or create yours anyway with force."),
                extra={"similar": [{"id": c.pk, "text": c.text, "verdict": c.verdict} for c in similar]},
            )
    return Claim.objects.create(
        project=project,
        text=text,
        created_by=created_by,
        event_date=event_date,
        place=values.place,
        actor=values.actor,
        casualty_figure=casualty_figure,
        document=document,
    )


def claim_set_verdict(*, claim: Claim, verdict: str, rationale: str, changed_by, version: int) -> Claim:
    """Sets the verdict (adjudicators and managers) and keeps the change in the claim's history."""
    if verdict not in Verdict.values:
        raise ApplicationError(
            _("Bad verdict."), fields={"verdict": [_("Choose one of: %s.") % ", ".join(Verdict.values)]}
        )
    with transaction.atomic():
        current = Claim.objects.select_for_update().get(pk=claim.pk)
        if current.version != version:
            raise Conflict(_("This claim was changed since you loaded it."), extra={"version": current.version})
        ClaimVerdictChange.objects.create(
            claim=current,
            from_verdict=current.verdict,
            to_verdict=verdict,
            rationale=rationale or "",
            changed_by=changed_by,
        )
        Claim.objects.filter(pk=current.pk).update(
            verdict=verdict, rationale=rationale or "", version=F("version") + 1, updated_at=timezone.now()
        )
        audit_record(
            project_id=current.project_id,
            actor_id=changed_by.pk,
            kind="claim.verdict_changed",
            object_id=current.pk,
            before={"verdict": current.verdict, "rationale": current.rationale},
            after={"verdict": verdict, "rationale": rationale or ""},
        )
    return Claim.objects.get(pk=claim.pk)


def claim_for_project(project_id: int, claim_id, *, membership: Membership | None = None) -> Claim:
    """A claim of the project (and, with `membership`, one that member may see: a hidden claim is unknown)."""
    claim = None
    if isinstance(claim_id, int) and not isinstance(claim_id, bool):
        claims = Claim.objects.filter(pk=claim_id, project_id=project_id)
        if membership is not None:
            claims = claims.filter(claims_visible_q(membership))
        claim = claims.first()
    if claim is None:
        raise ApplicationError(_("Unknown claim."), fields={"claim": [_("No such claim in this project.")]})
    return claim


def claim_link_create(*, span: Span, claim_id, stance: str) -> ClaimLink:
    """The reviewer's span as evidence for a claim of the same project. Linking again changes the stance."""
    if stance not in Stance.values:
        raise ApplicationError(
            _("Bad stance."), fields={"stance": [_("Choose one of: %s.") % ", ".join(Stance.values)]}
        )
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update(of=("self",)).select_related("document").get(pk=span.assignment_id)
        )
        assignment_check_open(assignment)
        membership = Membership.objects.filter(
            project_id=assignment.document.project_id, user_id=assignment.reviewer_id
        ).first()
        claim = claim_for_project(assignment.document.project_id, claim_id, membership=membership)
        earlier = ClaimLink.objects.filter(span=span, claim=claim).values("stance").first()
        link, created = ClaimLink.all_objects.update_or_create(span=span, claim=claim, defaults={"stance": stance})
        audit_record(
            project_id=assignment.document.project_id,
            document_id=assignment.document_id,
            actor_id=assignment.reviewer_id,
            kind="claim_link.created" if created else "claim_link.changed",
            object_id=link.pk,
            before={"span": span.pk, "claim": claim.pk, **earlier} if earlier else None,
            after={"span": span.pk, "claim": claim.pk, "stance": stance},
        )
    return link


def claim_link_delete(*, link: ClaimLink) -> None:
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().select_related("document").get(pk=link.span.assignment_id)
        assignment_check_open(assignment)
        audit_record(
            project_id=assignment.document.project_id,
            document_id=assignment.document_id,
            actor_id=assignment.reviewer_id,
            kind="claim_link.deleted",
            object_id=link.pk,
            before={"span": link.span_id, "claim": link.claim_id, "stance": link.stance},
        )
        link.delete()


def reliability_set(
    *, assignment: Assignment, source_reliability, credibility, note: str = "", span_id=None
) -> ReliabilityRating:
    """The reviewer's Admiralty grade of the article's outlet, or of a source quoted in it (one of their spans)."""
    errors = {}
    if source_reliability not in SourceReliability.values:
        errors["source_reliability"] = [_("Choose a grade from A (completely reliable) to F (cannot be judged).")]
    if isinstance(credibility, bool) or not isinstance(credibility, int) or not 1 <= credibility <= 6:
        errors["credibility"] = [_("Choose a grade from 1 (confirmed) to 6 (cannot be judged).")]
    if errors:
        raise ApplicationError(_("Bad grade."), fields=errors)
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().select_related("document").get(pk=assignment.pk)
        assignment_check_open(locked)
        span = None
        if span_id is not None:
            span = Span.objects.filter(pk=span_id, assignment=locked).first() if isinstance(span_id, int) else None
            if span is None:
                raise ApplicationError(
                    _("Unknown span."), fields={"span": [_("Not one of your spans in this document.")]}
                )
        earlier = ReliabilityRating.objects.filter(assignment=locked, span=span).first()
        try:
            rating, _created = ReliabilityRating.all_objects.update_or_create(
                assignment=locked,
                span=span,
                defaults={
                    "source_reliability": source_reliability,
                    "credibility": credibility,
                    "note": (note or "")[:2000],
                },
            )
        except IntegrityError:  # pragma: no cover - the row lock serializes writers
            raise Conflict(_("The grade changed meanwhile; reload.")) from None
        audit_record(
            project_id=locked.document.project_id,
            document_id=locked.document_id,
            actor_id=locked.reviewer_id,
            kind="reliability.set",
            object_id=rating.pk,
            before=grade_values(earlier) if earlier else None,
            after=grade_values(rating),
        )
    return rating


def claim_verification_submit(
    *, claim: Claim, verifier, verdict: str, rationale: str = "", membership: Membership | None = None
) -> ClaimVerification:
    """A verifier's verdict from the claim verification queue; at most `claim_verifiers` per claim, once each.
    Never on a claim the verifier created or linked, nor without evidence they may see (access.may_verify)."""
    if verdict not in Verdict.values or verdict == Verdict.UNVERIFIED:
        choices = [v for v in Verdict.values if v != Verdict.UNVERIFIED]
        raise ApplicationError(_("Bad verdict."), fields={"verdict": [_("Choose one of: %s.") % ", ".join(choices)]})
    with transaction.atomic():
        locked = Claim.objects.select_for_update().select_related("project").get(pk=claim.pk)
        if ClaimVerification.objects.filter(claim=locked, verifier=verifier).exists():
            raise Conflict(_("You already gave a verdict on this claim."))
        if ClaimVerification.objects.filter(claim=locked).count() >= locked.project.claim_verifiers:
            raise Conflict(_("This claim already has all its verifiers."))
        if membership is None:
            membership = Membership.objects.select_related("project").get(project=locked.project, user=verifier)
        if not may_verify(membership, locked):
            raise PermissionDenied(
                gettext(
                    "You cannot verify this claim: you created or linked it, or it has no evidence you may see yet."
                )
            )
        verification = ClaimVerification.objects.create(
            claim=locked,
            verifier=verifier,
            verdict=verdict,
            rationale=(rationale or "")[:4000],
            submitted_at=timezone.now(),
        )
        audit_record(
            project_id=locked.project_id,
            actor_id=verifier.pk,
            kind="claim.verified",
            object_id=locked.pk,
            after={"verdict": verdict, "rationale": verification.rationale},
        )
        # verdicts are agreement data too: a debounced recompute after commit
        agreement_run_request(project=locked.project, reason="verdict")
    return verification
