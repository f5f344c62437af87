"""Pages for verification: the claim catalogue, a claim with its evidence, the claim verification
queue and an outlet's grades. Forms post back here; the same services as the API do the work."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from annotations.access import (
    VERIFIER_ROLES,
    VERIFIERS_ONLY,
    access_claim,
    access_project_by_slug,
    has_role,
    require_role,
    sees_all_work,
    sees_verdicts,
)
from annotations.errors import ApplicationError
from annotations.models import Role, Source, Verdict
from annotations.selectors.claims import (
    claim_evidence,
    claim_list,
    claim_verification_next,
    claims_awaiting_verdict_from,
    source_grades,
)
from annotations.services.claims import claim_set_verdict, claim_verification_submit


def _error_text(exc: ApplicationError) -> str:
    if exc.fields:
        return " ".join(" ".join(m if isinstance(m, list) else [m]) for m in exc.fields.values())
    return exc.message


@login_required
@require_http_methods(["GET"])
def claims_page(request, slug: str):
    project, membership = access_project_by_slug(request.user, slug)
    query = request.GET.get("q", "")[:200]
    page = Paginator(claim_list(membership, query), 30).get_page(request.GET.get("page"))
    awaiting = claims_awaiting_verdict_from(membership).count() if has_role(membership, roles=VERIFIER_ROLES) else None
    return render(
        request,
        "annotations/claims.html",
        {"project": project, "membership": membership, "claims": page, "query": query, "awaiting": awaiting},
    )


@login_required
@require_http_methods(["GET", "POST"])
def claim_page(request, claim_id: int):
    claim, membership = access_claim(request.user, claim_id)
    can_decide = sees_all_work(membership)
    if request.method == "POST":
        require_role(membership, min_role=Role.ADJUDICATOR)
        try:
            version = int(request.POST.get("version", "0"))
            claim_set_verdict(
                claim=claim,
                verdict=request.POST.get("verdict", ""),
                rationale=request.POST.get("rationale", ""),
                changed_by=request.user,
                version=version,
            )
            messages.success(request, _("Verdict saved."))
        except (ApplicationError, ValueError) as exc:
            messages.warning(
                request, _error_text(exc) if isinstance(exc, ApplicationError) else _("Reload and try again.")
            )
        return redirect("claim-page", claim_id=claim.id)
    return render(
        request,
        "annotations/claim.html",
        {
            "claim": claim,
            "project": claim.project,
            "membership": membership,
            "can_decide": can_decide,
            "evidence": claim_evidence(claim, membership),
            "verdicts": Verdict.choices,
            "history": claim.verdict_changes.select_related("changed_by"),
            "verifications": claim.verifications.select_related("verifier") if sees_verdicts(membership, claim) else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def claim_verify_page(request, slug: str):
    """The claim verification queue: the next claim with evidence awaiting a verdict."""
    project, membership = access_project_by_slug(request.user, slug)
    require_role(membership, roles=VERIFIER_ROLES, message=VERIFIERS_ONLY)
    if request.method == "POST":
        claim, _membership = access_claim(request.user, request.POST.get("claim"))
        try:
            claim_verification_submit(
                claim=claim,
                verifier=request.user,
                verdict=request.POST.get("verdict", ""),
                rationale=request.POST.get("rationale", ""),
                membership=membership,
            )
            messages.success(request, _("Thank you: your verdict is recorded."))
        except ApplicationError as exc:
            messages.warning(request, _error_text(exc))
        return redirect("claim-verify-page", slug=slug)
    claim = claim_verification_next(membership)
    return render(
        request,
        "annotations/claim_verify.html",
        {
            "project": project,
            "claim": claim,
            "evidence": claim_evidence(claim, membership) if claim else [],
            "verdicts": [choice for choice in Verdict.choices if choice[0] != Verdict.UNVERIFIED],
        },
    )


@login_required
@require_http_methods(["GET"])
def source_page(request, slug: str, source_id: int):
    project, membership = access_project_by_slug(request.user, slug, min_role=Role.ADJUDICATOR)
    source = get_object_or_404(Source, pk=source_id, documents__project=project)
    return render(request, "annotations/source.html", {"project": project, "grades": source_grades(project, source)})
