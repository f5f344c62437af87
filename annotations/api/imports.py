"""Web import (multipart upload -> a job) and the suggestions that came with it."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access import access_assignment, access_import, access_prediction
from annotations.api.assignments import SpanOutput
from annotations.api.pagination import Pagination, paginated
from annotations.api.permissions import project_for
from annotations.errors import ApplicationError, NotFound
from annotations.models import ImportJob, Prediction, Role
from annotations.selectors.predictions import suggestions_open
from annotations.services.imports import import_request, upload_check_size
from annotations.services.predictions import prediction_accept, prediction_reject


class ImportCreateInput(serializers.Serializer):
    file = serializers.FileField(help_text=".txt, .jsonl (optional `spans` suggestions), .csv with a text column, .zip")


class ImportLineErrorOutput(serializers.Serializer):
    line = serializers.IntegerField(allow_null=True, help_text="1-based; for a zip, the member's position.")
    message = serializers.CharField()


class ImportCountsOutput(serializers.Serializer):
    imported = serializers.IntegerField(required=False)
    duplicates = serializers.IntegerField(required=False)
    rejected = serializers.IntegerField(required=False)
    predictions = serializers.IntegerField(required=False, help_text="Suggestions stored with the articles.")


class ImportCreatedOutput(serializers.ModelSerializer):
    class Meta:
        model = ImportJob
        fields = ["id", "status"]


class ImportOutput(serializers.ModelSerializer):
    counts = ImportCountsOutput()
    errors = ImportLineErrorOutput(many=True, help_text="Every bad line; with any, nothing was imported.")
    requested_by = serializers.CharField(source="requested_by.username", default=None, allow_null=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "status",
            "progress",
            "file_name",
            "counts",
            "errors",
            "error",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
        ]


class ProjectImportsApi(APIView):
    parser_classes = [MultiPartParser]
    pagination_class = Pagination

    @extend_schema(responses=ImportOutput(many=True))
    def get(self, request, project_id: int):
        """The project's imports, newest first (managers)."""
        project, _ = project_for(request, project_id, min_role=Role.MANAGER)
        jobs = ImportJob.objects.filter(project=project).select_related("requested_by").defer("data")
        return paginated(request, self, jobs.order_by("-created_at", "-id"), ImportOutput)

    @extend_schema(request={"multipart/form-data": ImportCreateInput}, responses={202: ImportCreatedOutput})
    def post(self, request, project_id: int):
        """Upload a file of articles (managers): 202, then poll GET /api/imports/{id}/. 413 over the size limit."""
        project, _ = project_for(request, project_id, min_role=Role.MANAGER)
        upload = request.FILES.get("file")
        if upload is None:
            raise ApplicationError("Choose a file.", fields={"file": ["No file was submitted."]})
        upload_check_size(upload.size)  # before reading it
        job = import_request(project=project, requested_by=request.user, file_name=upload.name, data=upload.read())
        job.refresh_from_db(fields=["status"])
        return Response(ImportCreatedOutput(job).data, status=status.HTTP_202_ACCEPTED)


class ImportDetailApi(APIView):
    @extend_schema(responses=ImportOutput)
    def get(self, request, import_id: int):
        """An import's status, progress, counts and every bad line (managers of its project)."""
        return Response(ImportOutput(access_import(request.user, import_id)).data)


class SuggestionOutput(serializers.ModelSerializer):
    label = serializers.CharField(source="label.name")

    class Meta:
        model = Prediction
        fields = ["id", "start", "end", "label", "text", "score"]


class AssignmentSuggestionsApi(APIView):
    pagination_class = Pagination

    @extend_schema(responses=SuggestionOutput(many=True))
    def get(self, request, assignment_id: int):
        """The document's imported suggestions that this reviewer has not accepted or rejected yet."""
        assignment = access_assignment(request.user, assignment_id)
        return paginated(request, self, suggestions_open(assignment), SuggestionOutput)


def _own_assignment(request, prediction_id):
    prediction, assignment = access_prediction(request.user, prediction_id, for_write=True)
    if assignment is None:
        raise NotFound()
    return prediction, assignment


class SuggestionAcceptApi(APIView):
    @extend_schema(request=None, responses={201: SpanOutput})
    def post(self, request, prediction_id: int):
        """Accept a suggestion: it becomes your span (its reviewer only; 409 once decided or submitted)."""
        prediction, assignment = _own_assignment(request, prediction_id)
        span = prediction_accept(prediction=prediction, assignment=assignment)
        return Response(SpanOutput(span).data, status=status.HTTP_201_CREATED)


class SuggestionRejectApi(APIView):
    @extend_schema(request=None, responses={204: OpenApiResponse(description="Rejected; not offered again.")})
    def post(self, request, prediction_id: int):
        """Reject a suggestion (its reviewer only); it is not offered to you again."""
        prediction, assignment = _own_assignment(request, prediction_id)
        prediction_reject(prediction=prediction, assignment=assignment)
        return Response(status=status.HTTP_204_NO_CONTENT)
