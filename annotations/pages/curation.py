"""Pages of curation beyond the adjudication page itself: reopening finalized gold (managers)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from annotations.access import access_document_for_adjudication, access_project
from annotations.errors import ApplicationError
from annotations.models import Role
from annotations.services.adjudication import adjudication_reopen


@login_required
@require_POST
def adjudication_reopen_page(request, document_id: int):
    """The "Reopen" form of the adjudication queue's done list: back to the queue with a message."""
    document = access_document_for_adjudication(request.user, document_id)
    access_project(request.user, document.project_id, min_role=Role.MANAGER)
    try:
        adjudication_reopen(document=document, manager=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, _("Gold reopened; the document is back in the queue."))
    except ApplicationError as exc:
        messages.warning(request, " ".join(sum(exc.fields.values(), [])) if exc.fields else exc.message)
    return redirect("adjudication-queue-page", slug=document.project.slug)
