"""The one place that decides who may fetch what.

Views, serializers and pages get projects (and later assignments, spans, links
and ratings) only through these functions. A missing object and one the user
may not see raise the same NotFound, so ids reveal nothing; a member whose role
is too low gets PermissionDenied.
"""

from __future__ import annotations

from django.db.models import QuerySet

from annotations.errors import NotFound, PermissionDenied
from annotations.models import Membership, Project, Role

# What each role may do, beyond what every member may do (read the project, its labels, its claims).
ROLE_RANK = {Role.REVIEWER: 1, Role.ADJUDICATOR: 2, Role.MANAGER: 3}


def membership_for(user, project_id) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        project_id = int(project_id)
    except (TypeError, ValueError):
        return None
    return Membership.objects.select_related("project").filter(project_id=project_id, user=user).first()


def access_project(user, project_id, *, min_role: str | None = None) -> tuple[Project, Membership]:
    """The project and the caller's membership; NotFound unless a member, PermissionDenied below `min_role`."""
    membership = membership_for(user, project_id)
    if membership is None:
        raise NotFound()
    if min_role is not None and ROLE_RANK[membership.role] < ROLE_RANK[min_role]:
        raise PermissionDenied()
    return membership.project, membership


def access_project_by_slug(user, slug: str, *, min_role: str | None = None) -> tuple[Project, Membership]:
    project_id = Project.objects.filter(slug=slug).values_list("id", flat=True).first()
    if project_id is None:
        raise NotFound()
    return access_project(user, project_id, min_role=min_role)


def projects_visible_to(user) -> QuerySet[Project]:
    if not getattr(user, "is_authenticated", False):
        return Project.objects.none()
    return Project.objects.filter(memberships__user=user)
