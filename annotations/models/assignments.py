from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AssignmentStatus(models.TextChoices):
    LEASED = "leased", _("Leased")
    SUBMITTED = "submitted", _("Submitted")
    SKIPPED = "skipped", _("Skipped")
    EXPIRED = "expired", _("Lease expired")


class Assignment(models.Model):
    """One reviewer's work on one document."""

    # db_index=False: the unique (document, reviewer) and the (reviewer, status) index serve these columns
    document = models.ForeignKey(
        "annotations.Document", on_delete=models.CASCADE, related_name="assignments", db_index=False
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments", db_index=False
    )
    status = models.CharField(max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.LEASED)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    skip_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["document", "id"]
        constraints = [
            models.UniqueConstraint(fields=["document", "reviewer"], name="assignment_unique_reviewer_per_document"),
            models.CheckConstraint(condition=Q(status__in=AssignmentStatus.values), name="assignment_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=AssignmentStatus.SUBMITTED) | Q(submitted_at__isnull=False),
                name="assignment_submitted_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["reviewer", "status"], name="assignment_reviewer_status_idx"),
            models.Index(fields=["status", "lease_expires_at"], name="assignment_lease_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.document} for {self.reviewer} ({self.status})"

    @property
    def is_submitted(self) -> bool:
        return self.status == AssignmentStatus.SUBMITTED


class AssignmentWork(models.Model):
    """A stamp of an assignment's work (its spans, their claim links, its grades) that changes whenever
    any of those rows is inserted, updated or deleted, however it is written (the services, `.update()`,
    `bulk_create`, raw SQL): database triggers write it (migration 0019), the application never does.
    The agreement job fingerprints each document's work from these stamps (30,000 rows for a project of
    10,000 documents x 3 reviewers) instead of reading every span, claim link and grade.

    A stamp is a value the assignment's work never had before: on PostgreSQL the next value of a
    sequence, on SQLite a random 64-bit integer. No row: nothing was written since the triggers exist.
    No foreign key: the triggers may touch an assignment being deleted in the same transaction."""

    assignment_id = models.BigIntegerField(primary_key=True)
    stamp = models.BigIntegerField()

    def __str__(self) -> str:
        return f"Work stamp {self.stamp} of assignment {self.assignment_id}"
