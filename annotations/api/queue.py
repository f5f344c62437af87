from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access import ONLY_REVIEWERS, access_assignment, require_role
from annotations.api.fields import StrictCharField
from annotations.api.permissions import project_for
from annotations.models import Assignment, Role
from annotations.selectors.queue import project_progress
from annotations.services.queue import assignment_current_lease, assignment_lease_next, assignment_skip


class QueueDocumentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField()


class QueueNextOutput(serializers.ModelSerializer):
    document = QueueDocumentOutput()
    workspace_url = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = ["id", "status", "lease_expires_at", "document", "workspace_url"]

    def get_workspace_url(self, assignment) -> str:
        return f"/assignments/{assignment.id}/"


class SkipInput(serializers.Serializer):
    reason = StrictCharField(max_length=2000, help_text="Why you pass on this document (shown to managers).")


class SkippedOutput(serializers.ModelSerializer):
    class Meta:
        model = Assignment
        fields = ["id", "status"]


class QueueNextApi(APIView):
    """Taking a document changes state, so it is a POST: a GET (which a cross-site link can trigger) only reads."""

    def _reviewer_project(self, request, project_id: int):
        project, membership = project_for(request, project_id)
        require_role(membership, roles=[Role.REVIEWER], message=ONLY_REVIEWERS)
        return project

    @staticmethod
    def _answer(assignment):
        if assignment is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(QueueNextOutput(assignment).data)

    @extend_schema(request=None, responses={200: QueueNextOutput, 204: OpenApiResponse(description="Nothing left.")})
    def post(self, request, project_id: int):
        """Lease your next document (the same one again while your lease is open); 204 when none is left."""
        project = self._reviewer_project(request, project_id)
        return self._answer(assignment_lease_next(project=project, reviewer=request.user))

    @extend_schema(responses={200: QueueNextOutput, 204: OpenApiResponse(description="You hold no open lease.")})
    def get(self, request, project_id: int):
        """Your open lease in this project, if you hold one (204 otherwise). Never takes a document: POST does."""
        project = self._reviewer_project(request, project_id)
        return self._answer(assignment_current_lease(project=project, reviewer=request.user))


class AssignmentSkipApi(APIView):
    @extend_schema(request=SkipInput, responses=SkippedOutput)
    def post(self, request, assignment_id: int):
        """Pass on a document with a reason; it goes back to the queue for others."""
        assignment = access_assignment(request.user, assignment_id, for_write=True)
        data = SkipInput(data=request.data)
        data.is_valid(raise_exception=True)
        skipped = assignment_skip(assignment=assignment, reason=data.validated_data["reason"])
        return Response(SkippedOutput(skipped).data)


class ReviewerProgressOutput(serializers.Serializer):
    reviewer = serializers.CharField()
    done = serializers.IntegerField()
    skipped = serializers.IntegerField()
    open = serializers.IntegerField()
    expired = serializers.IntegerField()
    quota = serializers.IntegerField(allow_null=True)
    median_minutes = serializers.FloatField(allow_null=True, help_text="Median time from lease to submit.")


class DocumentProgressOutput(serializers.Serializer):
    total = serializers.IntegerField()
    waiting = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    submitted = serializers.IntegerField()
    adjudicated = serializers.IntegerField()


class ProgressOutput(serializers.Serializer):
    documents = DocumentProgressOutput()
    reviewers = ReviewerProgressOutput(many=True)


class ProjectProgressApi(APIView):
    @extend_schema(responses=ProgressOutput)
    def get(self, request, project_id: int):
        """Documents by state and each reviewer's figures (adjudicators and managers)."""
        project, _ = project_for(request, project_id, min_role=Role.ADJUDICATOR)
        return Response(ProgressOutput(project_progress(project)).data)
