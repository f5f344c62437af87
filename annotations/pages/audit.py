"""The audit trail page: managers read who changed what, with the same filters as the API."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotations.access import access_project_by_slug
from annotations.api.audit import AuditFilterInput
from annotations.models import Membership, Role
from annotations.selectors.audit import audit_entries_filtered
from annotations.services.audit import KINDS


@login_required
@require_GET
def audit_page(request, slug: str):
    project, membership = access_project_by_slug(request.user, slug, min_role=Role.MANAGER)
    filters = AuditFilterInput(data={key: value for key, value in request.GET.items() if value and key != "page"})
    errors = {} if filters.is_valid() else filters.errors
    values = filters.validated_data if not errors else {}
    entries = audit_entries_filtered(project, values)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    members = Membership.objects.filter(project=project).select_related("user").order_by("user__username")
    return render(
        request,
        "annotations/audit.html",
        {
            "project": project,
            "membership": membership,
            "page": page,
            "errors": errors,
            "kinds": KINDS,
            "usernames": [m.user.get_username() for m in members],
            "current": request.GET,
            "query": query.urlencode(),
        },
    )
