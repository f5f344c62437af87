"""The exports page: managers start a gold export (the API does the work) and find past ones."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from annotations.access import access_project_by_slug
from annotations.api.exports import ExportOutput
from annotations.exporters import REGISTRY
from annotations.i18n import format_title
from annotations.models import Role
from annotations.selectors.exports import exports_of_project

PAGE_EXPORTS = 50
COUNT_COLUMNS = ("documents", "spans", "claim_links", "ratings")


@login_required
@require_GET
def exports_page(request, slug: str):
    project, membership = access_project_by_slug(request.user, slug, min_role=Role.MANAGER)
    jobs = list(exports_of_project(project)[:PAGE_EXPORTS])
    # The API's serializer (no request: relative URLs), with the counts flat for the table's columns.
    rows = [{**ExportOutput(job).data, **{key: (job.counts or {}).get(key) for key in COUNT_COLUMNS}} for job in jobs]
    formats = [{"name": w.name, "title": format_title(w.name, w.title)} for w in REGISTRY.values()]
    data = {
        "project": {"id": project.pk, "slug": project.slug},
        "api": reverse("api:exports", kwargs={"project_id": project.pk}),
        "detail": reverse("api:export-detail", kwargs={"export_id": 0}),
        "formats": formats,
    }
    return render(
        request,
        "annotations/exports.html",
        {"project": project, "membership": membership, "exports": rows, "formats": formats, "data": data},
    )
