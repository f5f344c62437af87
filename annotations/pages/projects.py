"""Pages of a project: the home list, a project with its search, an assignment's workspace and the
agreement dashboard. Same access checks and selectors as the API."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from annotations.access import access_assignment, access_project_by_slug, sees_all_work
from annotations.api.assignments import NoteCommentOutput, NoteFlagOutput, ReliabilityOutput
from annotations.api.projects import LabelOutput
from annotations.i18n import localize_reasons
from annotations.models import Assignment, AssignmentStatus, Role
from annotations.selectors.agreement import agreement_dashboard
from annotations.selectors.assignments import assignment_span_comments, assignments_of_reviewer, workspace_spans
from annotations.selectors.documents import document_list
from annotations.selectors.projects import project_labels, project_list_for_user
from annotations.selectors.search import documents_matching, snippets


@login_required
@require_GET
def home(request):
    return render(
        request,
        "annotations/home.html",
        {"projects": project_list_for_user(request.user), "assignments": assignments_of_reviewer(request.user)[:50]},
    )


@login_required
@require_GET
def project_page(request, slug: str):
    project, membership = access_project_by_slug(request.user, slug)
    can_see_documents = sees_all_work(membership)
    query = request.GET.get("q", "")[:200]
    results = None
    if query.strip():
        mine = Prefetch("assignments", queryset=Assignment.objects.filter(reviewer=request.user), to_attr="mine")
        matching = documents_matching(membership, query).prefetch_related(mine)
        found = Paginator(matching, 20).get_page(request.GET.get("page"))
        for document in found:
            document.match_count, document.snippets = snippets(document.text, query)
            document.my_assignment = document.mine[0] if document.mine else None
        results = found
    page = None
    if can_see_documents and results is None:
        page = Paginator(document_list(project).defer("text", "search_text"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "annotations/project.html",
        {
            "project": project,
            "membership": membership,
            "labels": project_labels(project),
            "documents": page,
            "query": query,
            "results": results,
        },
    )


def workspace_flow_text() -> dict:
    """The sentences of workspace-flow.js and workspace-suggestions.js, translated here (no JS catalog yet)."""
    return {
        "skipReasonNeeded": _("Say why you skip this document."),
        "queueEmpty": _("Nothing is left for you in this project's queue. Thank you!"),
        "opening": _("Opening the next document…"),
        "backHome": _("Back to your projects"),
        "accept": _("Accept"),
        "reject": _("Reject"),
        "noSuggestions": _("No suggestions left."),
    }


# What workspace.js imports, directly or not (annotations/static/annotations/js/): preloaded by the page.
WORKSPACE_MODULES = [
    "workspace-state.js",
    "workspace-render.js",
    "workspace-actions.js",
    "textmodel.js",
    "selection.js",
    "evidence.js",
    "http.js",
    "labels.js",
]


@login_required
@require_GET
def workspace(request, assignment_id: int):
    """The annotation workspace: the article right-to-left, labels with hotkeys, the reviewer's spans."""
    detail = access_assignment(request.user, assignment_id)
    project = detail.document.project
    editable = detail.reviewer_id == request.user.pk and detail.status != AssignmentStatus.SUBMITTED
    # Built from values, not the API's serializers, and the spans compact (selectors.workspace_spans):
    # thousands of spans in milliseconds. Decoded, the same data as GET /api/assignments/{id}/
    # (tests/pages/test_bootstraps.py compares them).
    bootstrap = {
        "assignment": {
            "id": detail.id,
            "status": detail.status,
            "editable": editable,
            "reviewer": detail.reviewer.get_username(),
        },
        "document": {"id": detail.document.id, "title": detail.document.title, "text": detail.document.text},
        "labels": LabelOutput(project_labels(project), many=True).data,
        "spans": workspace_spans(detail),
        "ratings": ReliabilityOutput(detail.ratings.order_by("id"), many=True).data,
        "notes": {  # notes.js: the reviewer's flags and span notes, without a second request at load
            "comments": NoteCommentOutput(assignment_span_comments(detail), many=True).data,
            "flags": NoteFlagOutput(detail.flags.order_by("id"), many=True).data,
        },
        "snapToWords": project.snap_to_words,
        "urls": {
            "claims": f"/api/projects/{project.id}/claims/",
            "reliability": f"/api/assignments/{detail.id}/reliability/",
            "spans": f"/api/assignments/{detail.id}/spans/",
            "span": "/api/spans/",
            "submit": f"/api/assignments/{detail.id}/submit/",
            # workspace-flow.js (skip, next after submit) and workspace-suggestions.js
            "skip": f"/api/assignments/{detail.id}/skip/",
            "next": f"/api/projects/{project.id}/queue/next/",
            "home": "/",
            "suggestions": f"/api/assignments/{detail.id}/suggestions/",
            "suggestion": "/api/suggestions/",
        },
        "flowText": workspace_flow_text(),
    }
    return render(
        request,
        "annotations/workspace.html",
        {
            "assignment": detail,
            "project": project,
            "document": detail.document,
            "bootstrap": bootstrap,
            "editable": editable,
            "workspace_modules": WORKSPACE_MODULES,
        },
    )


@login_required
@require_GET
def agreement_dashboard_page(request, slug: str):
    """Agreement between reviewers (managers only: the numbers compare reviewers' labels)."""
    project, membership = access_project_by_slug(request.user, slug, min_role=Role.MANAGER)
    return render(
        request,
        "annotations/agreement_dashboard.html",
        {"project": project, "membership": membership, "data": localize_reasons(agreement_dashboard(project))},
    )
