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


def audit_entries_filtered(project: Project, filters: dict) -> QuerySet[AuditEntry]:
    """`audit_entries` with the validated filters of the API and the page (user, kind, document, since, until)."""
    return audit_entries(
        project,
        username=filters.get("user"),
        kind=filters.get("kind"),
        document_id=filters.get("document"),
        since=filters.get("since"),
        until=filters.get("until"),
    )


def audit_records(project: Project, *, until, pseudonym=None):
    """The project's audit trail up to `until`, oldest first, as plain dicts for an export file; actor
    names through `pseudonym` when given. Streamed (no full list in memory)."""
    entries = (
        AuditEntry.objects.filter(project=project, created_at__lte=until)
        .select_related("actor")
        .order_by("created_at", "id")
    )
    for entry in entries.iterator(chunk_size=2000):
        actor = entry.actor.get_username() if entry.actor_id else None
        yield {
            "at": entry.created_at.isoformat(),
            "actor": pseudonym(actor) if (pseudonym and actor) else actor,
            "kind": entry.kind,
            "document": entry.document_id,
            "object_id": entry.object_id,
            "before": entry.before,
            "after": entry.after,
        }
