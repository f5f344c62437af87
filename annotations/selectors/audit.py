"""Reading the audit trail (managers only: it shows every reviewer's work)."""

from __future__ import annotations

from django.db.models import QuerySet

from annotations.models import AuditEntry, Project


def audit_entries(
    project: Project, *, username=None, kind=None, document_id=None, since=None, until=None
) -> QuerySet[AuditEntry]:
    """Newest first, filtered by who, what, which document and when."""
    entries = AuditEntry.objects.filter(project=project).select_related("actor")
    if username:
        entries = entries.filter(actor__username=username)
    if kind:
        entries = entries.filter(kind=kind)
    if document_id is not None:
        entries = entries.filter(document_id=document_id)
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    if until is not None:
        entries = entries.filter(created_at__lt=until)
    return entries.order_by("-created_at", "-id")
