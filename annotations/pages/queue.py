"""Pages of the queues: "Next document" for reviewers, the adjudication queue and adjudication page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from annotations.access import ONLY_REVIEWERS, access_document_for_adjudication, access_project_by_slug, require_role
from annotations.api.projects import LabelOutput
from annotations.models import Role
from annotations.selectors.adjudication import adjudication_done, adjudication_state
from annotations.selectors.claims import claims_disputed
from annotations.selectors.projects import project_labels
from annotations.selectors.queue import adjudication_queue, project_progress
from annotations.services.queue import assignment_lease_next


@login_required
@require_POST
def queue_next_page(request, slug: str):
    """The "Next document" button: lease the next document and open it in the workspace."""
    project, membership = access_project_by_slug(request.user, slug)
    require_role(membership, roles=[Role.REVIEWER], message=ONLY_REVIEWERS)
    assignment = assignment_lease_next(project=project, reviewer=request.user)
    if assignment is None:
        messages.info(request, _("Nothing is left for you in this project's queue. Thank you!"))
        return redirect("home")
    return redirect("workspace", assignment_id=assignment.id)


@login_required
@require_GET
def adjudication_queue_page(request, slug: str):
    project, membership = access_project_by_slug(request.user, slug, min_role=Role.ADJUDICATOR)
    return render(
        request,
        "annotations/adjudication_queue.html",
        {
            "project": project,
            "membership": membership,
            "queue": adjudication_queue(project),
            "done": adjudication_done(project),
            "disputed_claims": claims_disputed(project),
            "progress": project_progress(project),
        },
    )


@login_required
@require_GET
def adjudication_page(request, document_id: int):
    document = access_document_for_adjudication(request.user, document_id)
    if document.submitted_count < document.project.overlap_k:
        messages.warning(request, _("This document is not ready: not every reviewer has submitted."))
        return redirect("adjudication-queue-page", slug=document.project.slug)
    bootstrap = {
        **adjudication_state(document),
        "snapToWords": document.project.snap_to_words,
        "labels": LabelOutput(project_labels(document.project), many=True).data,
        "urls": {
            "state": f"/api/documents/{document.id}/adjudication/",
            "spans": f"/api/documents/{document.id}/adjudication/spans/",
            "rejections": f"/api/documents/{document.id}/adjudication/rejections/",
            "goldSpan": "/api/gold-spans/",
            "acceptAgreed": f"/api/documents/{document.id}/adjudication/accept-agreed/",
            "reliability": f"/api/documents/{document.id}/adjudication/reliability/",
            "finalize": f"/api/documents/{document.id}/adjudication/finalize/",
            "queuePage": reverse("adjudication-queue-page", kwargs={"slug": document.project.slug}),
        },
    }
    return render(
        request,
        "annotations/adjudication.html",
        {"document": document, "project": document.project, "bootstrap": bootstrap},
    )
