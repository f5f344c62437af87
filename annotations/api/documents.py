from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.api.fields import StrictCharField
from annotations.api.pagination import Pagination
from annotations.api.permissions import project_for
from annotations.models import Document, Role
from annotations.selectors.documents import document_list
from annotations.services.documents import document_create


class DocumentCreateInput(serializers.Serializer):
    text = StrictCharField(trim_whitespace=False, help_text="The article; stored as Unicode NFC.")
    title = StrictCharField(required=False, allow_blank=True, max_length=500, default="")
    source = StrictCharField(required=False, allow_blank=True, max_length=200, default="", help_text="Outlet name.")
    url = serializers.URLField(required=False, allow_blank=True, max_length=2000, default="")
    published_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    external_id = StrictCharField(required=False, allow_blank=True, max_length=200, default="")


class DocumentOutput(serializers.ModelSerializer):
    source = serializers.CharField(source="source.name", default="", read_only=True)
    length = serializers.IntegerField(read_only=True, help_text="Length in Unicode code points.")
    # A plain string in answers: the model's URLField would be declared as a URI *or* empty, which
    # OpenAPI's oneOf cannot express for "" (it matches both).
    url = serializers.CharField(read_only=True, help_text="The article's http(s) address, or empty.")

    class Meta:
        model = Document
        fields = ["id", "title", "source", "url", "published_at", "external_id", "sha256", "length", "created_at"]


class DocumentDetailOutput(DocumentOutput):
    class Meta(DocumentOutput.Meta):
        fields = [*DocumentOutput.Meta.fields, "text"]


class ProjectDocumentsApi(APIView):
    pagination_class = Pagination  # read by the schema: the list answers one page

    @extend_schema(responses=DocumentOutput(many=True))
    def get(self, request, project_id: int):
        """The project's documents (metadata only; managers and adjudicators)."""
        project, _ = project_for(request, project_id, min_role=Role.ADJUDICATOR)
        paginator = Pagination()
        page = paginator.paginate_queryset(document_list(project).defer("text"), request, view=self)
        return paginator.get_paginated_response(DocumentOutput(page, many=True).data)

    @extend_schema(request=DocumentCreateInput, responses={201: DocumentDetailOutput})
    def post(self, request, project_id: int):
        """Add one article (managers). 409 if the project already holds the same text."""
        project, _ = project_for(request, project_id, min_role=Role.MANAGER)
        data = DocumentCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        document = document_create(project=project, **data.validated_data)
        document.length = len(document.text)
        return Response(DocumentDetailOutput(document).data, status=status.HTTP_201_CREATED)
