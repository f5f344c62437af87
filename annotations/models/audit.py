from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """Who changed what, when, with the values before and after. Written by annotations.services.audit
    in the same transaction as the change it records, so the trail and the data never disagree."""

    # db_index=False here and below: the indexes in Meta begin with this column and serve its lookups
    # (a second single-column index only costs every INSERT; issue 17)
    project = models.ForeignKey(
        "annotations.Project", on_delete=models.CASCADE, related_name="audit_entries", db_index=False
    )
    document = models.ForeignKey(
        "annotations.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
        db_index=False,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty for the system (a lease that lapsed).",
    )
    kind = models.CharField(max_length=48, help_text='What happened, e.g. "span.created".')
    object_id = models.BigIntegerField(null=True, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["project", "-created_at"], name="audit_project_time_idx"),
            models.Index(fields=["project", "actor", "-created_at"], name="audit_project_actor_idx"),
            models.Index(fields=["project", "kind", "-created_at"], name="audit_project_kind_idx"),
            models.Index(fields=["document", "-created_at"], name="audit_document_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.actor_id or 'system'} at {self.created_at:%Y-%m-%d %H:%M}"
