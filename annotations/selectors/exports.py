"""Reads for exports: the project's export jobs, for the API list and the exports page alike."""

from __future__ import annotations

from django.db.models import QuerySet

from annotations.models import ExportJob, Project


def exports_of_project(project: Project) -> QuerySet[ExportJob]:
    """The project's exports, newest first, with who asked for each."""
    return ExportJob.objects.filter(project=project).select_related("requested_by").order_by("-created_at", "-id")


__all__ = ["exports_of_project"]
