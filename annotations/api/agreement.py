"""Agreement runs: managers request one (202, debounced), list them, read one, download its tables.

Results name reviewers and compare their labels, so every route is for the project's managers only:
a reviewer must never learn another reviewer's labels (blind review), and a run of a project you
manage nothing in does not exist for you (404).
"""

from __future__ import annotations

import csv
import io
import re

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access import access_agreement_run
from annotations.agreement.report import as_report
from annotations.api.pagination import Pagination
from annotations.api.permissions import project_for
from annotations.models import AgreementRun, Role
from annotations.selectors.agreement import agreement_runs_of_project
from annotations.services.agreement_runs import agreement_run_request


class AgreementRunCreatedOutput(serializers.ModelSerializer):
    class Meta:
        model = AgreementRun
        fields = ["id", "status", "progress", "rerun_requested"]


class AgreementRunListOutput(serializers.ModelSerializer):
    summary = serializers.SerializerMethodField(help_text="The headline figures of a finished run.")

    class Meta:
        model = AgreementRun
        fields = [
            "id",
            "status",
            "progress",
            "reason",
            "enqueued",
            "rerun_requested",
            "error",
            "summary",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_summary(self, run) -> dict:
        return getattr(run, "summary", None) or {}


class AgreementRunOutput(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id")

    class Meta:
        model = AgreementRun
        fields = [
            "id",
            "project",
            "status",
            "progress",
            "reason",
            "enqueued",
            "rerun_requested",
            "results",
            "error",
            "timings",
            "input_fingerprint",
            "created_at",
            "started_at",
            "finished_at",
        ]


class ProjectAgreementRunsApi(APIView):
    pagination_class = Pagination  # read by the schema: the list answers one page

    @extend_schema(responses=AgreementRunListOutput(many=True))
    def get(self, request, project_id: int):
        """The project's agreement runs, newest first, with their summaries (managers)."""
        project, _ = project_for(request, project_id, min_role=Role.MANAGER)
        paginator = Pagination()
        runs = agreement_runs_of_project(project)
        page = paginator.paginate_queryset(runs, request, view=self)
        summaries = dict(
            AgreementRun.objects.filter(pk__in=[run.pk for run in page]).values_list("pk", "results__summary")
        )
        for run in page:
            run.summary = summaries.get(run.pk)
        return paginator.get_paginated_response(AgreementRunListOutput(page, many=True).data)

    @extend_schema(request=None, responses={202: AgreementRunCreatedOutput})
    def post(self, request, project_id: int):
        """Compute the project's agreement in the background (managers). Debounced: while a run is
        pending the same run is answered; while one is running, one more run follows it."""
        project, _ = project_for(request, project_id, min_role=Role.MANAGER)
        run = agreement_run_request(project=project, requested_by=request.user, reason="manual")
        run.refresh_from_db(fields=["status", "progress", "rerun_requested"])
        return Response(AgreementRunCreatedOutput(run).data, status=status.HTTP_202_ACCEPTED)


class AgreementRunDetailApi(APIView):
    @extend_schema(responses=AgreementRunOutput)
    def get(self, request, run_id: int):
        """One run: `status` (pending, running, done, failed), `progress` 0..1, `results`, `error`."""
        return Response(AgreementRunOutput(access_agreement_run(request.user, run_id)).data)


# --- CSV ------------------------------------------------------------------------------------------------
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")


def _cell(value):
    """Numbers as numbers; a string that a spreadsheet would run as a formula gets a leading '."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(round(value, 6))
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def agreement_results_csv(run: AgreementRun) -> str:
    """The run's tables one after another, each under a `# table` line, with the reasons for nulls."""
    results = as_report(run.results)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def table(name, header, rows):
        writer.writerow([f"# {name}"])
        writer.writerow(header)
        for row in rows:
            writer.writerow([_cell(v) for v in row])
        writer.writerow([])

    def reason(holder, *keys):
        reasons = holder.get("reasons") or {}
        return "; ".join(f"{key}: {reasons[key]}" for key in keys if key in reasons)

    project = results.get("project") or {}
    f1 = project.get("span_f1") or {}
    ci = project.get("token_alpha_ci") or {}
    rows = [("token_alpha", project.get("token_alpha"), reason(project, "token_alpha"))]
    rows += [("token_alpha_ci_low", ci.get("low"), ""), ("token_alpha_ci_high", ci.get("high"), "")] if ci else []
    for mode in ("exact", "overlap"):
        part = f1.get(mode) or {}
        for key in ("micro", "macro", "pooled"):
            rows.append((f"{mode}_f1_{key}", part.get(key), reason(part, key)))
    reliability = results.get("reliability") or {}
    for key in ("source_reliability", "credibility"):
        part = reliability.get(key) or {}
        rows.append((f"{key}_alpha", part.get("alpha"), reason(part, "alpha")))
    claims = results.get("claims") or {}
    rows.append(("stance_alpha", claims.get("stance_alpha"), reason(claims, "stance_alpha")))
    rows.append(("verdict_alpha", claims.get("verdict_alpha"), reason(claims, "verdict_alpha")))
    table("project", ["coefficient", "value", "undefined because"], rows)
    table(
        "labels",
        ["label", "token_alpha", "exact_f1", "overlap_f1", "spans", "undefined because"],
        [
            (
                r["label"],
                r.get("token_alpha"),
                r.get("exact_f1"),
                r.get("overlap_f1"),
                r.get("spans"),
                reason(r, "token_alpha", "exact_f1", "overlap_f1"),
            )
            for r in results.get("labels") or []
        ],
    )
    table(
        "reviewer pairs",
        ["reviewer_a", "reviewer_b", "documents", "token_alpha", "exact_f1", "overlap_f1", "undefined because"],
        [
            (
                *r["reviewers"],
                r.get("documents"),
                r.get("token_alpha"),
                r.get("exact_f1"),
                r.get("overlap_f1"),
                reason(r, "token_alpha", "exact_f1", "overlap_f1"),
            )
            for r in results.get("pairs") or []
        ],
    )
    table(
        "documents",
        ["document", "title", "reviewers", "tokens", "token_alpha", "overlap_f1", "undefined because"],
        [
            (
                r["document"],
                r.get("title", ""),
                r.get("reviewers"),
                r.get("tokens"),
                r.get("token_alpha"),
                r.get("overlap_f1"),
                reason(r, "token_alpha", "overlap_f1"),
            )
            for r in results.get("documents") or []
        ],
    )
    return out.getvalue()


class AgreementRunCsvApi(APIView):
    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY})
    def get(self, request, run_id: int):
        """The run's tables as a CSV download (project, labels, reviewer pairs, documents)."""
        run = access_agreement_run(request.user, run_id)
        response = HttpResponse(agreement_results_csv(run), content_type="text/csv; charset=utf-8")
        slug = re.sub(r"[^A-Za-z0-9_-]", "", run.project.slug) or "project"
        response["Content-Disposition"] = f'attachment; filename="agreement-{slug}-{run.pk}.csv"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox"
        return response
