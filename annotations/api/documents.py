from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access import access_assignment, access_document, access_project
from annotations.api.fields import StrictCharField
from annotations.api.pagination import Pagination, paginated
from annotations.api.permissions import project_for
from annotations.models import Document, Role
from annotations.selectors.documents import document_list
from annotations.services.documents import (
    document_archive,
    document_create,
    document_restore,
)
from annotations.services.projects import assignment_release


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


# One instance for every answer: a ModelSerializer builds its fields from the model once per instance,
# which cost more than the rest of the answer (to_representation keeps no state between calls).
_DOCUMENT_CREATED = DocumentDetailOutput()


class ProjectDocumentsApi(APIView):
    pagination_class = Pagination  # read by the schema: the list answers one page

    @extend_schema(responses=DocumentOutput(many=True))
    def get(self, request, project_id: int):
        """The project's documents (metadata only; managers and adjudicators)."""
        project, _ = project_for(request, project_id, min_role=Role.ADJUDICATOR)
        return paginated(request, self, document_list(project).defer("text"), DocumentOutput)

    @extend_schema(request=DocumentCreateInput, responses={201: DocumentDetailOutput})
    def post(self, request, project_id: int):
        """Add one article (managers). 409 if the project already holds the same text."""
        project, _ = project_for(request, project_id, min_role=Role.MANAGER)
        data = DocumentCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        document = document_create(project=project, check_length=True, **data.validated_data)
        document.length = len(document.text)
        return Response(_DOCUMENT_CREATED.to_representation(document), status=status.HTTP_201_CREATED)


class DocumentArchiveOutput(DocumentOutput):
    class Meta(DocumentOutput.Meta):
        fields = [*DocumentOutput.Meta.fields, "archived_at"]


def _with_length(document: Document) -> Document:
    document.length = len(document.text)
    return document


class DocumentDetailApi(APIView):
    @extend_schema(responses=DocumentDetailOutput)
    def get(self, request, document_id: int):
        """One document with its text (adjudicators and managers)."""
        document = access_document(request.user, document_id)
        return Response(DocumentDetailOutput(_with_length(document)).data)

    @extend_schema(responses={200: DocumentArchiveOutput})
    def delete(self, request, document_id: int):
        """Archive the document (managers): out of queues and exports, its history kept. Restore undoes it."""
        document = access_document(request.user, document_id, min_role=Role.MANAGER)
        return Response(
            DocumentArchiveOutput(_with_length(document_archive(document=document, actor=request.user))).data
        )


class DocumentRestoreApi(APIView):
    @extend_schema(request=None, responses=DocumentArchiveOutput)
    def post(self, request, document_id: int):
        """Bring an archived document back into the queues and exports (managers)."""
        document = access_document(request.user, document_id, min_role=Role.MANAGER)
        return Response(
            DocumentArchiveOutput(_with_length(document_restore(document=document, actor=request.user))).data
        )


class ReleaseOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    released = serializers.BooleanField(help_text="False when the lease was no longer open.")


class AssignmentReleaseApi(APIView):
    @extend_schema(request=None, responses=ReleaseOutput)
    def post(self, request, assignment_id: int):
        """Take an open lease back from its reviewer (managers): the document returns to the queue."""
        assignment = access_assignment(request.user, assignment_id)
        access_project(request.user, assignment.document.project_id, min_role=Role.MANAGER)
        released = assignment_release(assignment=assignment, actor=request.user, reason="reassigned")
        assignment.refresh_from_db(fields=["status"])
        return Response(ReleaseOutput({"id": assignment.pk, "status": assignment.status, "released": released}).data)
