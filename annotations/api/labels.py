"""A project's label set: list, add, edit, delete (409 when in use), merge."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access import access_label
from annotations.api.fields import StrictIntegerField
from annotations.api.pagination import Pagination, paginated
from annotations.api.permissions import project_for
from annotations.api.projects import LabelInput, LabelOutput
from annotations.errors import ApplicationError
from annotations.models import LabelType, Role
from annotations.selectors.projects import project_labels
from annotations.services.projects import label_create, label_delete, label_merge, label_update


class LabelMergeInput(serializers.Serializer):
    into = StrictIntegerField(help_text="The id of the label (same project) that takes over every span.")


class LabelMergeOutput(serializers.Serializer):
    into = LabelOutput()
    spans = serializers.IntegerField()
    gold_spans = serializers.IntegerField()
    predictions = serializers.IntegerField()
    duplicates = serializers.IntegerField(help_text="Spans dropped: the same span already had the target label.")


class ProjectLabelsApi(APIView):
    pagination_class = Pagination

    @extend_schema(responses=LabelOutput(many=True))
    def get(self, request, project_id: int):
        """The project's labels in order (every member)."""
        project, _ = project_for(request, project_id)
        return paginated(request, self, project_labels(project), LabelOutput)

    @extend_schema(request=LabelInput, responses={201: LabelOutput})
    def post(self, request, project_id: int):
        """Add a label (managers). Names and hotkeys are unique in the project; pale colours are refused."""
        project, _ = project_for(request, project_id, min_role=Role.MANAGER)
        data = LabelInput(data=request.data)
        data.is_valid(raise_exception=True)
        label = label_create(project=project, actor=request.user, **data.validated_data)
        return Response(LabelOutput(label).data, status=status.HTTP_201_CREATED)


class LabelDetailApi(APIView):
    @extend_schema(request=LabelInput, responses=LabelOutput)
    def patch(self, request, label_id: int):
        """Rename, recolour, reorder or rebind a label (managers); its spans follow."""
        label = access_label(request.user, label_id)
        data = LabelInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        return Response(LabelOutput(label_update(label=label, actor=request.user, **data.validated_data)).data)

    @extend_schema(responses={204: OpenApiResponse(description="Deleted.")})
    def delete(self, request, label_id: int):
        """Delete an unused label (managers); 409 naming how many spans use it otherwise."""
        label = access_label(request.user, label_id)
        label_delete(label=label, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LabelMergeApi(APIView):
    @extend_schema(request=LabelMergeInput, responses=LabelMergeOutput)
    def post(self, request, label_id: int):
        """Move every span of this label to `into` and delete this one, in one transaction (managers)."""
        label = access_label(request.user, label_id)
        data = LabelMergeInput(data=request.data)
        data.is_valid(raise_exception=True)
        into = LabelType.objects.filter(pk=data.validated_data["into"], project_id=label.project_id).first()
        if into is None:
            raise ApplicationError("No such label.", fields={"into": ["No label of this project has this id."]})
        moved = label_merge(label=label, into=into, actor=request.user)
        return Response(LabelMergeOutput({"into": into, **moved}).data)
