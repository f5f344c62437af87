"""Gold: what an adjudicator decided for a document, and who decided each part."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .claims import Stance
from .reliability import admiralty_constraints
from .spans import span_constraints
from .validation import as_field_errors, validate_span_offsets


class AdjudicationStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    FINAL = "final", _("Final")


class Adjudication(models.Model):
    document = models.OneToOneField("annotations.Document", on_delete=models.CASCADE, related_name="adjudication")
    adjudicator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="adjudications")
    status = models.CharField(max_length=16, choices=AdjudicationStatus.choices, default=AdjudicationStatus.IN_PROGRESS)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Set by import_gold (the round trip keeps what the file said): the document's resolution, its k
    # reviewers (majority), the adjudicator's and deciders' names as recorded (None allowed), and its
    # agreement figures. When `imported`, exports use these instead of the importing user.
    # database defaults too, so that code not knowing these columns (a rolling deploy) can still insert
    imported = models.BooleanField(default=False, db_default=False)
    resolution = models.CharField(max_length=16, default="adjudicated", db_default="adjudicated")
    reviewers = models.PositiveSmallIntegerField(null=True, blank=True)
    recorded_adjudicator = models.CharField(max_length=150, null=True, blank=True)
    recorded_agreement = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=AdjudicationStatus.values), name="adjudication_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=AdjudicationStatus.FINAL) | Q(decided_at__isnull=False),
                name="adjudication_final_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Gold for {self.document} ({self.status})"


class GoldDecision(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted as marked")
    EDITED = "edited", _("Edited by the adjudicator")
    ADDED = "added", _("Added by the adjudicator")
    MAJORITY = "majority", _("Kept by majority vote (imported)")


class GoldSpan(models.Model):
    adjudication = models.ForeignKey(Adjudication, on_delete=models.CASCADE, related_name="spans")
    label = models.ForeignKey("annotations.LabelType", on_delete=models.PROTECT, related_name="gold_spans")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.TextField()
    decision = models.CharField(max_length=16, choices=GoldDecision.choices, default=GoldDecision.ACCEPTED)
    source_spans = models.ManyToManyField(
        "annotations.Span", blank=True, related_name="gold_spans", help_text="Reviewer spans this was taken from."
    )
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    votes = models.PositiveIntegerField(null=True, blank=True)  # imported majority rows
    recorded_decider = models.CharField(max_length=150, null=True, blank=True)  # imported: the name in the file

    class Meta:
        ordering = ["adjudication", "start", "end", "id"]
        constraints = [
            *span_constraints("gold_span"),
            models.UniqueConstraint(fields=["adjudication", "start", "end", "label"], name="gold_span_unique"),
        ]

    def __str__(self) -> str:
        return f"gold {self.text} [{self.start}, {self.end})"

    def clean(self):
        # The one span validation; the stored text is always the document's own slice.
        if self.adjudication_id is not None and self.start is not None and self.end is not None:
            text = self.adjudication.document.text
            as_field_errors(lambda: validate_span_offsets(text, self.start, self.end))
            self.text = text[self.start : self.end]


class GoldClaimLink(models.Model):
    gold_span = models.ForeignKey(GoldSpan, on_delete=models.CASCADE, related_name="claim_links")
    claim = models.ForeignKey("annotations.Claim", on_delete=models.CASCADE, related_name="gold_links")
    stance = models.CharField(max_length=16, choices=Stance.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    votes = models.PositiveIntegerField(null=True, blank=True)  # imported majority rows
    recorded_decider = models.CharField(max_length=150, null=True, blank=True)  # imported: the name in the file

    class Meta:
        ordering = ["gold_span", "id"]
        constraints = [
            models.UniqueConstraint(fields=["gold_span", "claim"], name="gold_link_unique_span_claim"),
            models.CheckConstraint(condition=Q(stance__in=Stance.values), name="gold_link_stance_valid"),
        ]

    def __str__(self) -> str:
        return f"gold span {self.gold_span_id} {self.stance} claim {self.claim_id}"


class GoldReliability(models.Model):
    adjudication = models.ForeignKey(Adjudication, on_delete=models.CASCADE, related_name="ratings")
    gold_span = models.ForeignKey(GoldSpan, null=True, blank=True, on_delete=models.CASCADE, related_name="ratings")
    source_reliability = models.CharField(max_length=1)
    credibility = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    votes = models.PositiveIntegerField(null=True, blank=True)  # imported majority rows
    recorded_decider = models.CharField(max_length=150, null=True, blank=True)  # imported: the name in the file

    class Meta:
        verbose_name_plural = "gold reliability grades"
        constraints = [
            *admiralty_constraints("gold_rating"),
            models.UniqueConstraint(
                fields=["adjudication"], condition=Q(gold_span__isnull=True), name="gold_rating_one_outlet_grade"
            ),
            models.UniqueConstraint(
                fields=["adjudication", "gold_span"], condition=Q(gold_span__isnull=False), name="gold_rating_per_span"
            ),
        ]

    def __str__(self) -> str:
        return f"gold {self.source_reliability}{self.credibility}"


class CandidateRejection(models.Model):
    """An adjudicator's explicit "no" to a reviewers' candidate span (start, end, label): with accepted and
    edited candidates (read from the gold), every candidate ends decided."""

    adjudication = models.ForeignKey(Adjudication, on_delete=models.CASCADE, related_name="rejections")
    label = models.ForeignKey("annotations.LabelType", on_delete=models.CASCADE, related_name="+")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["adjudication", "start", "end", "label"], name="candidate_rejection_unique")
        ]

    def __str__(self) -> str:
        return f"rejected [{self.start}, {self.end}) {self.label_id}"
