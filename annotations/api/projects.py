from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.api.fields import StrictCharField, StrictIntegerField
from annotations.api.permissions import project_for
from annotations.models import LabelType, Project, Role
from annotations.selectors.projects import project_labels, project_list_for_user
from annotations.services.projects import project_create, project_update


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
            "claim_verifiers",
            "role",
            "labels",
            "created_at",
        ]


class LabelInput(serializers.Serializer):
    """A label's fields; the service checks them (unique name and hotkey, colour contrast)."""

    name = StrictCharField(max_length=64, help_text="Stable identifier used by the API and exports.")
    name_ar = StrictCharField(max_length=64, required=False, allow_blank=True)
    name_en = StrictCharField(max_length=64, required=False, allow_blank=True)
    color = StrictCharField(max_length=7, required=False, help_text="#rrggbb, at least 2:1 against white.")
    hotkey = StrictCharField(max_length=1, required=False, allow_blank=True, trim_whitespace=False)
    order = StrictIntegerField(required=False, min_value=0, max_value=32767)
    description = StrictCharField(max_length=2000, required=False, allow_blank=True)


class ProjectSettingsInput(serializers.Serializer):
    name = StrictCharField(max_length=200, required=False)
    overlap_k = StrictIntegerField(required=False, min_value=1, max_value=20)
    lease_minutes = StrictIntegerField(required=False, min_value=1, max_value=7 * 24 * 60)
    snap_to_words = serializers.BooleanField(required=False)
    claim_verifiers = StrictIntegerField(required=False, min_value=1, max_value=20)
    guidelines = StrictCharField(
        required=False, allow_blank=True, max_length=100_000, help_text="Markdown (rendered without raw HTML)."
    )


class ProjectCreateInput(ProjectSettingsInput):
    slug = serializers.SlugField(max_length=64)
    name = StrictCharField(max_length=200)
    labels = LabelInput(many=True, required=False, help_text="In order: the first gets hotkey 1 in the workspace.")


def _detail(project: Project, role: str) -> dict:
    project.role = role
    project.labels = project_labels(project)
    return ProjectDetailOutput(project).data


class ProjectListApi(ListAPIView):
    """The projects the caller belongs to."""

    serializer_class = ProjectListOutput

    def get_queryset(self):
        return project_list_for_user(self.request.user)

    @extend_schema(request=ProjectCreateInput, responses={201: ProjectDetailOutput})
    def post(self, request):
        """Create a project (holders of the permission `annotations.add_project`); you become its manager."""
        data = ProjectCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        project = project_create(creator=request.user, **data.validated_data)
        return Response(_detail(project, Role.MANAGER), status=status.HTTP_201_CREATED)


class ProjectDetailApi(APIView):
    @extend_schema(responses=ProjectDetailOutput)
    def get(self, request, project_id: int):
        """One project with its ordered labels and the caller's role."""
        project, membership = project_for(request, project_id)
        return Response(_detail(project, membership.role))

    @extend_schema(request=ProjectSettingsInput, responses=ProjectDetailOutput)
    def patch(self, request, project_id: int):
        """Change the project's settings and guidelines (managers); the slug stays."""
        project, membership = project_for(request, project_id, min_role=Role.MANAGER)
        data = ProjectSettingsInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        project = project_update(project=project, actor=request.user, **data.validated_data)
        return Response(_detail(project, membership.role))
