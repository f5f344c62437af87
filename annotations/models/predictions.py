"""Suggestions from a model or another tool, imported with the articles: never any reviewer's work.

A reviewer accepts one (it becomes their own span) or rejects it; the decision is kept per assignment,
so a suggestion is shown to each reviewer once. Agreement and exports read spans only, never these."""

from django.db import models
from django.db.models import Q

from .spans import span_constraints


class Prediction(models.Model):
    document = models.ForeignKey("annotations.Document", on_delete=models.CASCADE, related_name="predictions")
    label = models.ForeignKey("annotations.LabelType", on_delete=models.PROTECT, related_name="predictions")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.TextField(help_text="document.text[start:end]")
    score = models.FloatField(null=True, blank=True)
    import_job = models.ForeignKey(
        "annotations.ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="predictions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document", "start", "end", "id"]
        constraints = [
            *span_constraints("prediction"),
            models.UniqueConstraint(
                fields=["document", "start", "end", "label"], name="prediction_unique_per_document"
            ),
        ]

    def __str__(self) -> str:
        return f"Suggested {self.label_id} [{self.start}, {self.end})"


class PredictionDecision(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class PredictionReview(models.Model):
    """One reviewer's decision on one suggestion (within their assignment)."""

    prediction = models.ForeignKey(Prediction, on_delete=models.CASCADE, related_name="reviews")
    assignment = models.ForeignKey(
        "annotations.Assignment", on_delete=models.CASCADE, related_name="prediction_reviews"
    )
    decision = models.CharField(max_length=16, choices=PredictionDecision.choices)
    span = models.ForeignKey("annotations.Span", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prediction", "assignment"], name="prediction_review_once"),
            models.CheckConstraint(
                condition=Q(decision__in=PredictionDecision.values), name="prediction_decision_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision} suggestion {self.prediction_id} in assignment {self.assignment_id}"
