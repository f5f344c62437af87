from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse

from annotations.api import (
    adjudication,
    assignments,
    audit,
    auth,
    documents,
    imports,
    labels,
    members,
    notes,
    projects,
    queue,
)
from annotations.api import agreement as agreement_api
from annotations.api import claims as claims_api
from annotations.api import exports as exports_api


@extend_schema(exclude=True)
@api_view(["GET"])
@permission_classes([AllowAny])
def api_root(request, format=None):
    """Entry points of the API; everything else is reached from the projects."""
    return Response(
        {
            "projects": reverse("api:project-list", request=request, format=format),
            "token": reverse("api:token", request=request, format=format),
            "schema": reverse("api-schema", request=request, format=format),
            "docs": reverse("api-docs", request=request, format=format),
        }
    )


app_name = "api"
urlpatterns = [
    path("", api_root, name="root"),
    path("auth/token/", auth.TokenApi.as_view(), name="token"),
    path("projects/", projects.ProjectListApi.as_view(), name="project-list"),
    path("projects/<int:project_id>/", projects.ProjectDetailApi.as_view(), name="project-detail"),
    path("projects/<int:project_id>/documents/", documents.ProjectDocumentsApi.as_view(), name="project-documents"),
    path("projects/<int:project_id>/labels/", labels.ProjectLabelsApi.as_view(), name="project-labels"),
    path("labels/<int:label_id>/", labels.LabelDetailApi.as_view(), name="label-detail"),
    path("labels/<int:label_id>/merge/", labels.LabelMergeApi.as_view(), name="label-merge"),
    path("projects/<int:project_id>/members/", members.ProjectMembersApi.as_view(), name="project-members"),
    path("memberships/<int:membership_id>/", members.MembershipDetailApi.as_view(), name="membership-detail"),
    path("projects/<int:project_id>/imports/", imports.ProjectImportsApi.as_view(), name="project-imports"),
    path("imports/<int:import_id>/", imports.ImportDetailApi.as_view(), name="import-detail"),
    path("documents/<int:document_id>/", documents.DocumentDetailApi.as_view(), name="document-detail"),
    path("documents/<int:document_id>/restore/", documents.DocumentRestoreApi.as_view(), name="document-restore"),
    path(
        "assignments/<int:assignment_id>/release/", documents.AssignmentReleaseApi.as_view(), name="assignment-release"
    ),
    path(
        "assignments/<int:assignment_id>/suggestions/",
        imports.AssignmentSuggestionsApi.as_view(),
        name="assignment-suggestions",
    ),
    path("suggestions/<int:prediction_id>/accept/", imports.SuggestionAcceptApi.as_view(), name="suggestion-accept"),
    path("suggestions/<int:prediction_id>/reject/", imports.SuggestionRejectApi.as_view(), name="suggestion-reject"),
    path("assignments/", assignments.MyAssignmentsApi.as_view(), name="assignment-list"),
    path("assignments/<int:assignment_id>/", assignments.AssignmentDetailApi.as_view(), name="assignment-detail"),
    path("assignments/<int:assignment_id>/spans/", assignments.AssignmentSpansApi.as_view(), name="assignment-spans"),
    path(
        "assignments/<int:assignment_id>/submit/", assignments.AssignmentSubmitApi.as_view(), name="assignment-submit"
    ),
    path("spans/<int:span_id>/", assignments.SpanDetailApi.as_view(), name="span-detail"),
    path("spans/<int:span_id>/restore/", assignments.SpanRestoreApi.as_view(), name="span-restore"),
    path("spans/<int:span_id>/comments/", notes.SpanCommentsApi.as_view(), name="span-comments"),
    path("assignments/<int:assignment_id>/flags/", notes.DocumentFlagsApi.as_view(), name="document-flags"),
    path(
        "assignments/<int:assignment_id>/flags/<slug:kind>/",
        notes.DocumentFlagDetailApi.as_view(),
        name="document-flag-detail",
    ),
    path("projects/<int:project_id>/queue/next/", queue.QueueNextApi.as_view(), name="queue-next"),
    path("projects/<int:project_id>/audit/", audit.ProjectAuditApi.as_view(), name="project-audit"),
    path("assignments/<int:assignment_id>/skip/", queue.AssignmentSkipApi.as_view(), name="assignment-skip"),
    path("projects/<int:project_id>/progress/", queue.ProjectProgressApi.as_view(), name="project-progress"),
    path(
        "projects/<int:project_id>/adjudication/",
        adjudication.AdjudicationQueueApi.as_view(),
        name="adjudication-queue",
    ),
    path(
        "projects/<int:project_id>/adjudication/done/",
        adjudication.AdjudicationDoneApi.as_view(),
        name="adjudication-done",
    ),
    path("documents/<int:document_id>/adjudication/", adjudication.AdjudicationApi.as_view(), name="adjudication"),
    path(
        "documents/<int:document_id>/adjudication/reopen/",
        adjudication.ReopenApi.as_view(),
        name="adjudication-reopen",
    ),
    path("documents/<int:document_id>/adjudication/spans/", adjudication.GoldSpansApi.as_view(), name="gold-spans"),
    path(
        "documents/<int:document_id>/adjudication/rejections/",
        adjudication.RejectionsApi.as_view(),
        name="gold-rejections",
    ),
    path(
        "documents/<int:document_id>/adjudication/accept-agreed/",
        adjudication.AcceptAgreedApi.as_view(),
        name="accept-agreed",
    ),
    path(
        "documents/<int:document_id>/adjudication/reliability/",
        adjudication.GoldReliabilityApi.as_view(),
        name="gold-reliability",
    ),
    path("documents/<int:document_id>/adjudication/finalize/", adjudication.FinalizeApi.as_view(), name="finalize"),
    path("gold-spans/<int:gold_span_id>/", adjudication.GoldSpanDetailApi.as_view(), name="gold-span-detail"),
    path(
        "gold-spans/<int:gold_span_id>/reliability/",
        adjudication.GoldSpanReliabilityApi.as_view(),
        name="gold-span-reliability",
    ),
    path("projects/<int:project_id>/claims/", claims_api.ProjectClaimsApi.as_view(), name="claims"),
    path("projects/<int:project_id>/claims/similar/", claims_api.ClaimSimilarApi.as_view(), name="claims-similar"),
    path("projects/<int:project_id>/claims/disputed/", claims_api.ClaimsDisputedApi.as_view(), name="claims-disputed"),
    path(
        "projects/<int:project_id>/claims/queue/next/", claims_api.ClaimQueueNextApi.as_view(), name="claim-queue-next"
    ),
    path("claims/<int:claim_id>/", claims_api.ClaimDetailApi.as_view(), name="claim-detail"),
    path(
        "claims/<int:claim_id>/verifications/", claims_api.ClaimVerificationsApi.as_view(), name="claim-verifications"
    ),
    path("spans/<int:span_id>/claim-links/", claims_api.SpanClaimLinksApi.as_view(), name="span-claim-links"),
    path("claim-links/<int:link_id>/", claims_api.ClaimLinkDetailApi.as_view(), name="claim-link-detail"),
    path(
        "assignments/<int:assignment_id>/reliability/",
        claims_api.AssignmentReliabilityApi.as_view(),
        name="assignment-reliability",
    ),
    path(
        "gold-spans/<int:gold_span_id>/claim-links/", adjudication.GoldClaimLinksApi.as_view(), name="gold-claim-links"
    ),
    path(
        "projects/<int:project_id>/agreement-runs/",
        agreement_api.ProjectAgreementRunsApi.as_view(),
        name="agreement-runs",
    ),
    path("agreement-runs/<int:run_id>/", agreement_api.AgreementRunDetailApi.as_view(), name="agreement-run-detail"),
    path(
        "agreement-runs/<int:run_id>/results.csv", agreement_api.AgreementRunCsvApi.as_view(), name="agreement-run-csv"
    ),
    path("projects/<int:project_id>/exports/", exports_api.ProjectExportsApi.as_view(), name="exports"),
    path("exports/<int:export_id>/", exports_api.ExportDetailApi.as_view(), name="export-detail"),
    path("exports/<int:export_id>/download/", exports_api.ExportDownloadApi.as_view(), name="export-download"),
]
