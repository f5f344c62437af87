from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.api.permissions import project_for
from annotations.models import LabelType, Project
from annotations.selectors.projects import project_labels, project_list_for_user


class LabelOutput(serializers.ModelSerializer):
    class Meta:
        model = LabelType
        fields = ["id", "name", "name_ar", "name_en", "hotkey", "color", "order", "description"]


class ProjectListOutput(serializers.ModelSerializer):
    role = serializers.CharField(help_text="The caller's role in this project.")
    document_count = serializers.IntegerField()

    class Meta:
        model = Project
        fields = ["id", "slug", "name", "role", "overlap_k", "document_count"]


class ProjectDetailOutput(serializers.ModelSerializer):
    role = serializers.CharField(help_text="The caller's role in this project.")
    labels = LabelOutput(many=True, help_text="In order: the first has hotkey 1.")

    class Meta:
        model = Project
        fields = [
            "id",
            "slug",
            "name",
            "guidelines",
            "overlap_k",
            "lease_minutes",
            "snap_to_words",
            "role",
            "labels",
            "created_at",
        ]


class ProjectListApi(ListAPIView):
    """The projects the caller belongs to."""

    serializer_class = ProjectListOutput

    def get_queryset(self):
        return project_list_for_user(self.request.user)


class ProjectDetailApi(APIView):
    @extend_schema(responses=ProjectDetailOutput)
    def get(self, request, project_id: int):
        """One project with its ordered labels and the caller's role."""
        project, membership = project_for(request, project_id)
        project.role = membership.role
        project.labels = project_labels(project)
        return Response(ProjectDetailOutput(project).data)
