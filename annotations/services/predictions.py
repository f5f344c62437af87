"""A reviewer's decisions on imported suggestions: accept (it becomes their own span) or reject.

A suggestion is never a reviewer's work until accepted, so agreement and exports (which read spans)
never count one; the decision is kept per assignment so a suggestion is offered once."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from annotations.errors import Conflict
from annotations.models import Assignment, Prediction, PredictionDecision, PredictionReview, Span
from annotations.services.audit import audit_record
from annotations.services.spans import assignment_check_open, span_get_or_create


def _decide(*, prediction: Prediction, assignment: Assignment, decision: str, span: Span | None = None):
    try:
        with transaction.atomic():
            review = PredictionReview.objects.create(
                prediction=prediction, assignment=assignment, decision=decision, span=span
            )
    except IntegrityError:
        raise Conflict(_("You already decided on this suggestion.")) from None
    audit_record(
        project_id=assignment.document.project_id,
        document_id=assignment.document_id,
        actor_id=assignment.reviewer_id,
        kind=f"prediction.{decision}",
        object_id=prediction.pk,
        after={
            "start": prediction.start,
            "end": prediction.end,
            "label": prediction.label.name,
            "span": span and span.pk,
        },
    )
    return review


def prediction_accept(*, prediction: Prediction, assignment: Assignment) -> Span:
    """The suggestion becomes the reviewer's span (the same span if they had already marked it)."""
    with transaction.atomic():
        span, _created = span_get_or_create(
            assignment=assignment, start=prediction.start, end=prediction.end, label=prediction.label.name
        )
        _decide(prediction=prediction, assignment=assignment, decision=PredictionDecision.ACCEPTED, span=span)
    return span


def prediction_reject(*, prediction: Prediction, assignment: Assignment) -> None:
    with transaction.atomic():
        locked = Assignment.objects.select_for_update(of=("self",)).select_related("document").get(pk=assignment.pk)
        assignment_check_open(locked)
        _decide(prediction=prediction, assignment=locked, decision=PredictionDecision.REJECTED)
