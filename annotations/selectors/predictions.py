from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from annotations.models import Assignment, Prediction, PredictionReview


def suggestions_open(assignment: Assignment) -> QuerySet[Prediction]:
    """The document's suggestions this reviewer has not decided on yet, in text order."""
    decided = PredictionReview.objects.filter(prediction=OuterRef("pk"), assignment=assignment)
    return (
        Prediction.objects.filter(document_id=assignment.document_id)
        .filter(~Exists(decided))
        .select_related("label")
        .order_by("start", "end", "id")
    )
