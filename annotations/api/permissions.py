"""Role checks for DRF views, built on annotations.access (the only place that decides access)."""

from __future__ import annotations

from annotations.access import access_project
from annotations.models import Membership, Project


def project_for(request, project_id, *, min_role: str | None = None) -> tuple[Project, Membership]:
    """The project if the caller is a member with at least `min_role`; raises NotFound / PermissionDenied."""
    return access_project(request.user, project_id, min_role=min_role)
