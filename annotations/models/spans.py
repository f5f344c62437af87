from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact

from .validation import as_field_errors, validate_span_offsets


def span_constraints(prefix: str) -> list[models.BaseConstraint]:
    """Offsets are code points of the document text: 0 <= start < end, and text is that slice."""
    return [
        models.CheckConstraint(condition=Q(start__gte=0), name=f"{prefix}_start_not_negative"),
        models.CheckConstraint(condition=Q(start__lt=F("end")), name=f"{prefix}_start_before_end"),
        models.CheckConstraint(condition=Exact(Length("text"), F("end") - F("start")), name=f"{prefix}_text_length"),
    ]


class LiveSpans(models.Manager):
    """Spans not deleted: what every reader sees (a deleted span waits for undo, with its links and grades)."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class Span(models.Model):
    """A reviewer's highlighted [start, end) range of a document, with one label. Deleting one only sets
    `deleted_at` (undo restores it with the same id, its claim links and its grade)."""

    assignment = models.ForeignKey("annotations.Assignment", on_delete=models.CASCADE, related_name="spans")
    label = models.ForeignKey("annotations.LabelType", on_delete=models.PROTECT, related_name="spans")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.TextField(help_text="document.text[start:end], kept for exports and checks")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = LiveSpans()
    all_objects = models.Manager()  # noqa: DJ012 - a manager, not a field

    class Meta:
        ordering = ["assignment", "start", "end", "id"]
        base_manager_name = "all_objects"
        constraints = [
            *span_constraints("span"),
            # The same span twice is a double key press or a retried save, never two annotations
            # (a deleted span waiting for undo does not count).
            models.UniqueConstraint(
                fields=["assignment", "start", "end", "label"],
                condition=Q(deleted_at__isnull=True),
                name="span_unique_per_assignment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label.name} [{self.start}, {self.end})"

    def clean(self):
        # The one span validation; the stored text is always the document's own slice.
        if self.assignment_id is not None and self.start is not None and self.end is not None:
            text = self.assignment.document.text
            as_field_errors(lambda: validate_span_offsets(text, self.start, self.end))
            self.text = text[self.start : self.end]
