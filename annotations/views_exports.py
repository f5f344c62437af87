"""The exports page: managers start a gold export (the API does the work) and find past ones."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from annotations.access import access_project_by_slug
from annotations.api.exports import export_urls
from annotations.exporters import REGISTRY
from annotations.models import Role
from annotations.selectors.exports import exports_of_project

PAGE_EXPORTS = 50


@login_required
@require_GET
def exports_page(request, slug: str):
    project, membership = access_project_by_slug(request.user, slug, min_role=Role.MANAGER)
    jobs = list(exports_of_project(project)[:PAGE_EXPORTS])
    rows = []
    for job in jobs:
        counts = job.counts or {}
        rows.append(
            {
                "id": job.pk,
                "format": job.format,
                "status": job.status,
                "progress": job.progress,
                "include_majority": bool((job.options or {}).get("include_majority")),
                "documents": counts.get("documents"),
                "spans": counts.get("spans"),
                "claim_links": counts.get("claim_links"),
                "ratings": counts.get("ratings"),
                "sha256": job.sha256,
                "error": job.error,
                "created_at": job.created_at.isoformat(),
                "requested_by": job.requested_by.get_username() if job.requested_by_id else "",
                **export_urls(None, job),
            }
        )
    formats = [{"name": w.name, "title": w.title} for w in REGISTRY.values()]
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
