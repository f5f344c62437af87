from __future__ import annotations

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery

from annotations.access import projects_visible_to
from annotations.models import LabelType, Membership, Project


def project_list_for_user(user) -> QuerySet[Project]:
    """The caller's projects, each annotated with the caller's `role` and its `document_count`."""
    role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
    return (
        projects_visible_to(user)
        .annotate(role=Subquery(role), document_count=Count("documents", distinct=True))
        .prefetch_related(Prefetch("label_types", queryset=LabelType.objects.order_by("order", "id")))
        .order_by("name", "id")
    )


def project_labels(project: Project) -> list[LabelType]:
    return list(project.label_types.order_by("order", "id"))
