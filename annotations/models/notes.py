"""Reviewers' notes for the adjudicator: a comment on one of their spans, a flag on a document."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class SpanComment(models.Model):
    """A reviewer's note on their own span ("the source is quoted second-hand", ...)."""

    span = models.ForeignKey("annotations.Span", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["span", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="span_comment_not_empty")]

    def __str__(self) -> str:
        return self.text[:80]


class DocumentFlagKind(models.TextChoices):
    UNCLEAR = "unclear", "Unclear"
    NOT_NEWS = "not_news", "Not news"
    DUPLICATE = "duplicate", "Duplicate"


class DocumentFlag(models.Model):
    """A reviewer's flag on the document of their assignment, with an optional note."""

    assignment = models.ForeignKey("annotations.Assignment", on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=16, choices=DocumentFlagKind.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assignment", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "kind"], name="document_flag_once_per_kind"),
            models.CheckConstraint(condition=Q(kind__in=DocumentFlagKind.values), name="document_flag_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on assignment {self.assignment_id}"
