"""Running a project in the browser: create and edit it, its labels, members, uploads and documents.

The forms post here and call the same services as the API (annotations.services.projects, imports,
documents); a refusal comes back as a message on the page, never a 500."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from annotations.access import access_assignment, access_document, access_project_by_slug, sees_all_work
from annotations.errors import ApplicationError, PermissionDenied
from annotations.models import Assignment, LabelType, Membership, Role
from annotations.selectors.documents import DOCUMENT_STATUSES, documents_for_desk
from annotations.selectors.projects import project_labels
from annotations.services.documents import document_archive, document_restore
from annotations.services.projects import (
    assignment_release,
    can_create_projects,
    label_create,
    label_delete,
    label_merge,
    label_next_color,
    label_update,
    membership_add,
    membership_remove,
    membership_update,
    project_create,
    project_update,
)

SETTINGS_FIELDS = ("name", "overlap_k", "lease_minutes", "claim_verifiers", "guidelines")


def _refusal_text(exc: ApplicationError) -> str:
    """One sentence for the page: the field messages, or the refusal's own message."""
    if not exc.fields:
        return exc.message
    parts = []
    for name, found in exc.fields.items():
        found = [found] if isinstance(found, str) else found
        parts.append(f"{name}: {' '.join(str(message) for message in found)}")
    return " ".join(parts)


def _int_or_raw(value: str):
    """Form fields arrive as text: whole numbers become ints, anything else is left for the service to refuse."""
    value = (value or "").strip()
    try:
        return int(value)
    except ValueError:
        return value


def _id_of(value) -> int | None:
    """A row id from a form field; None for anything else (the lookup then finds nothing)."""
    value = _int_or_raw(value)
    return value if isinstance(value, int) else None


def _settings_from(post) -> dict:
    values = {}
    for name in SETTINGS_FIELDS:
        if name in post:
            values[name] = (
                _int_or_raw(post[name]) if name in ("overlap_k", "lease_minutes", "claim_verifiers") else post[name]
            )
    values["snap_to_words"] = post.get("snap_to_words") == "on"
    return values


@login_required
@require_http_methods(["GET", "POST"])
def project_create_page(request):
    if not can_create_projects(request.user):
        raise PermissionDenied(_("You may not create projects; ask an administrator for the permission."))
    values = {
        "slug": "",
        "name": "",
        "overlap_k": 2,
        "lease_minutes": 30,
        "claim_verifiers": 1,
        "guidelines": "",
        "snap_to_words": True,
    }
    if request.method == "POST":
        values = {**values, "slug": request.POST.get("slug", "").strip(), **_settings_from(request.POST)}
        try:
            project = project_create(creator=request.user, **values)
        except ApplicationError as exc:
            messages.error(request, _refusal_text(exc))
        else:
            messages.success(request, _("Project created. Now add its labels."))
            return redirect("labels-page", slug=project.slug)
    return render(request, "annotations/project_form.html", {"values": values, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
def project_settings_page(request, slug: str):
    project, membership = access_project_by_slug(request.user, slug, min_role=Role.MANAGER)
    values = {name: getattr(project, name) for name in (*SETTINGS_FIELDS, "snap_to_words")}
    if request.method == "POST":
        values = _settings_from(request.POST)
        try:
            project_update(project=project, actor=request.user, **values)
        except ApplicationError as exc:
            messages.error(request, _refusal_text(exc))
        else:
            messages.success(request, _("Settings saved."))
            return redirect("project", slug=project.slug)
    return render(request, "annotations/project_form.html", {"values": values, "creating": False, "project": project})


LABEL_FORM_FIELDS = ("name", "name_ar", "name_en", "color", "hotkey", "description")


@login_required
@require_http_methods(["GET", "POST"])
def labels_page(request, slug: str):
    """The label editor: add, edit, delete (refused while in use), merge; drag to reorder (the API's PATCH)."""
    project, membership = access_project_by_slug(request.user, slug, min_role=Role.MANAGER)
    if request.method == "POST":
        action = request.POST.get("action")
        values = {name: request.POST[name] for name in LABEL_FORM_FIELDS if name in request.POST}
        try:
            if action == "create":
                label_create(project=project, actor=request.user, **values)
                messages.success(request, _("Label added."))
            else:
                label = LabelType.objects.filter(project=project, pk=_id_of(request.POST.get("label"))).first()
                if label is None:
                    raise ApplicationError(_("No such label."))
                if action == "update":
                    label_update(label=label, actor=request.user, **values)
                    messages.success(request, _("Label saved."))
                elif action == "delete":
                    label_delete(label=label, actor=request.user)
                    messages.success(request, _("Label deleted."))
                elif action == "merge":
                    into = LabelType.objects.filter(project=project, pk=_id_of(request.POST.get("into"))).first()
                    if into is None:
                        raise ApplicationError(_("Choose the label to merge into."))
                    moved = label_merge(label=label, into=into, actor=request.user)
                    messages.success(request, _("Merged: %(spans)d span(s) moved.") % {"spans": moved["spans"]})
                else:
                    raise ApplicationError(_("Unknown action."))
        except ApplicationError as exc:
            messages.error(request, _refusal_text(exc))
        return redirect("labels-page", slug=project.slug)
    labels = project_labels(project)
    return render(
        request,
        "annotations/labels.html",
        {
            "project": project,
            "membership": membership,
            "labels": labels,
            "default_color": label_next_color(project).lower(),
            "api": {
                "label": reverse("api:label-detail", kwargs={"label_id": 0}),
                "saved": _("Order saved."),
                "failed": _("The order could not be saved:"),
            },
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def members_page(request, slug: str):
    project, membership = access_project_by_slug(request.user, slug, min_role=Role.MANAGER)
    if request.method == "POST":
        action = request.POST.get("action")
        quota_text = request.POST.get("quota", "").strip()
        quota = _int_or_raw(quota_text) if quota_text else None
        try:
            if action == "add":
                who = request.POST.get("who", "").strip()
                key = "email" if "@" in who else "username"
                membership_add(
                    project=project, actor=request.user, **{key: who}, role=request.POST.get("role", ""), quota=quota
                )
                messages.success(request, _("Member added."))
            else:
                target = Membership.objects.filter(project=project, pk=_id_of(request.POST.get("membership"))).first()
                if target is None:
                    raise ApplicationError(_("No such member."))
                if action == "update":
                    membership_update(
                        membership=target, actor=request.user, role=request.POST.get("role", ""), quota=quota
                    )
                    messages.success(request, _("Member saved."))
                elif action == "remove":
                    released = membership_remove(membership=target, actor=request.user)
                    messages.success(
                        request,
                        _("Member removed; %(count)d open lease(s) went back to the queue.") % {"count": released},
                    )
                else:
                    raise ApplicationError(_("Unknown action."))
        except ApplicationError as exc:
            messages.error(request, _refusal_text(exc))
        return redirect("members-page", slug=project.slug)
    members = Membership.objects.filter(project=project).select_related("user").order_by("role", "user__username")
    return render(
        request,
        "annotations/members.html",
        {"project": project, "membership": membership, "members": members, "roles": Role.choices},
    )


@login_required
@require_GET
def import_page(request, slug: str):
    """Upload a file of articles: the API's import job, a progress bar and the table of bad lines."""
    project, membership = access_project_by_slug(request.user, slug, min_role=Role.MANAGER)
    data = {
        "api": reverse("api:project-imports", kwargs={"project_id": project.pk}),
        "detail": reverse("api:import-detail", kwargs={"import_id": 0}),
        "documents": reverse("documents-page", kwargs={"slug": project.slug}),
        # the page's sentences, translated here (no JavaScript catalog yet)
        "text": {
            "uploading": _("Uploading…"),
            "pending": _("Waiting for a worker…"),
            "running": _("Importing…"),
            "done": _("Imported."),
            "failed": _("Nothing was imported."),
            "counts": _("%(imported)s imported, %(duplicates)s duplicates skipped, %(predictions)s suggestions."),
            "choose": _("Choose a file first."),
        },
    }
    return render(request, "annotations/import.html", {"project": project, "membership": membership, "data": data})


@login_required
@require_http_methods(["GET", "POST"])
def documents_page(request, slug: str):
    """Managers and adjudicators: documents by state, searchable; managers archive and restore."""
    project, membership = access_project_by_slug(request.user, slug, min_role=Role.ADJUDICATOR)
    if request.method == "POST":
        if membership.role != Role.MANAGER:
            raise PermissionDenied()
        document = access_document(request.user, request.POST.get("document"), min_role=Role.MANAGER)
        if request.POST.get("action") == "restore":
            document_restore(document=document, actor=request.user)
            messages.success(request, _("Document restored."))
        else:
            document_archive(document=document, actor=request.user)
            messages.success(request, _("Document archived: it left the queues and exports."))
        return redirect(request.POST.get("next") or reverse("documents-page", kwargs={"slug": project.slug}))
    status = request.GET.get("status", "")
    query = request.GET.get("q", "")[:200]
    page = Paginator(documents_for_desk(project, status=status, query=query), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "annotations/documents.html",
        {
            "project": project,
            "membership": membership,
            "documents": page,
            "status": status,
            "query": query,
            "statuses": DOCUMENT_STATUSES,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_view_page(request, document_id: int):
    """A read-only view of one document with every reviewer's work (adjudicators and managers only)."""
    document = access_document(request.user, document_id)
    project = document.project
    _project, membership = access_project_by_slug(request.user, project.slug, min_role=Role.ADJUDICATOR)
    if request.method == "POST":  # reassign: take a lease back
        if membership.role != Role.MANAGER:
            raise PermissionDenied()
        assignment = access_assignment(request.user, request.POST.get("assignment"))
        if assignment.document_id != document.pk:
            return HttpResponseNotAllowed(["GET"])
        if assignment_release(assignment=assignment, actor=request.user, reason="reassigned"):
            messages.success(request, _("Lease released: the document is back in the queue."))
        else:
            messages.info(request, _("That lease was no longer open."))
        return redirect("document-view-page", document_id=document.pk)
    assignments = (
        Assignment.objects.filter(document=document)
        .select_related("reviewer")
        .prefetch_related("spans__label")
        .order_by("created_at", "id")
    )
    return render(
        request,
        "annotations/document_view.html",
        {
            "project": project,
            "membership": membership,
            "document": document,
            "assignments": assignments,
            "sees_all": sees_all_work(membership),
        },
    )
