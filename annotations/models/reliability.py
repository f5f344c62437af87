"""The Admiralty (NATO) system for grading sources and information.

Source reliability A (completely reliable) .. E (unreliable), F (cannot be judged);
information credibility 1 (confirmed) .. 5 (improbable), 6 (cannot be judged).
"""

from django.db import models
from django.db.models import Q


class SourceReliability(models.TextChoices):
    A = "A", "A: completely reliable / موثوق تماماً"
    B = "B", "B: usually reliable / موثوق عادةً"
    C = "C", "C: fairly reliable / موثوق إلى حد ما"
    D = "D", "D: not usually reliable / غير موثوق عادةً"
    E = "E", "E: unreliable / غير موثوق"
    F = "F", "F: reliability cannot be judged / لا يمكن الحكم على موثوقيته"


class Credibility(models.IntegerChoices):
    CONFIRMED = 1, "1: confirmed by other sources / مؤكدة من مصادر أخرى"
    PROBABLY_TRUE = 2, "2: probably true / صحيحة على الأرجح"
    POSSIBLY_TRUE = 3, "3: possibly true / صحيحة احتمالاً"
    DOUBTFUL = 4, "4: doubtful / مشكوك فيها"
    IMPROBABLE = 5, "5: improbable / مستبعدة"
    CANNOT_BE_JUDGED = 6, "6: truth cannot be judged / لا يمكن الحكم على صحتها"


def admiralty_constraints(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(source_reliability__in=SourceReliability.values), name=f"{prefix}_reliability_a_to_f"
        ),
        models.CheckConstraint(
            condition=Q(credibility__gte=1, credibility__lte=6), name=f"{prefix}_credibility_1_to_6"
        ),
    ]


class LiveRatings(models.Manager):
    """Outlet grades and grades of spans not deleted (a deleted span's grade comes back with it on undo)."""

    def get_queryset(self):
        return super().get_queryset().filter(Q(span__isnull=True) | Q(span__deleted_at__isnull=True))


class ReliabilityRating(models.Model):
    """A reviewer's grade of the article's outlet, or of a source quoted inside it (a span)."""

    assignment = models.ForeignKey("annotations.Assignment", on_delete=models.CASCADE, related_name="ratings")
    span = models.ForeignKey(
        "annotations.Span",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="ratings",
        help_text="Empty for the article's outlet; a span for a source attributed inside the article.",
    )
    source_reliability = models.CharField(max_length=1, choices=SourceReliability.choices)
    credibility = models.PositiveSmallIntegerField(choices=Credibility.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LiveRatings()
    all_objects = models.Manager()  # noqa: DJ012 - a manager, not a field

    class Meta:
        ordering = ["assignment", "id"]
        base_manager_name = "all_objects"
        constraints = [
            *admiralty_constraints("rating"),
            models.UniqueConstraint(
                fields=["assignment"], condition=Q(span__isnull=True), name="rating_one_outlet_grade_per_assignment"
            ),
            models.UniqueConstraint(
                fields=["assignment", "span"], condition=Q(span__isnull=False), name="rating_one_grade_per_span"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        return f"{self.source_reliability}{self.credibility}"
