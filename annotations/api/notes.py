"""Reviewers' notes for the adjudicator: a comment on their span, a flag on their document."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access import access_assignment, access_span
from annotations.api.fields import StrictCharField
from annotations.models import DocumentFlag, DocumentFlagKind, SpanComment
from annotations.services.notes import document_flag_remove, document_flag_set, span_comment_create


class SpanCommentInput(serializers.Serializer):
    text = StrictCharField(max_length=2000)


class SpanCommentOutput(serializers.ModelSerializer):
    class Meta:
        model = SpanComment
        fields = ["id", "span", "text", "created_at"]


class DocumentFlagInput(serializers.Serializer):
    kind = StrictCharField(max_length=16, help_text=f"One of: {', '.join(DocumentFlagKind.values)}.")
    note = StrictCharField(required=False, allow_blank=True, max_length=2000, default="")


class DocumentFlagOutput(serializers.ModelSerializer):
    class Meta:
        model = DocumentFlag
        fields = ["id", "kind", "note", "created_at"]


class SpanCommentsApi(APIView):
    @extend_schema(request=SpanCommentInput, responses={201: SpanCommentOutput})
    def post(self, request, span_id: int):
        """A note on your span for the adjudicator (until you submit)."""
        span = access_span(request.user, span_id, for_write=True)
        data = SpanCommentInput(data=request.data)
        data.is_valid(raise_exception=True)
        comment = span_comment_create(span=span, text=data.validated_data["text"])
        return Response(SpanCommentOutput(comment).data, status=status.HTTP_201_CREATED)


class DocumentFlagsApi(APIView):
    @extend_schema(request=DocumentFlagInput, responses={201: DocumentFlagOutput})
    def post(self, request, assignment_id: int):
        """Flag your document for the adjudicator: unclear, not_news or duplicate (again: changes the note)."""
        assignment = access_assignment(request.user, assignment_id, for_write=True)
        data = DocumentFlagInput(data=request.data)
        data.is_valid(raise_exception=True)
        flag = document_flag_set(assignment=assignment, **data.validated_data)
        return Response(DocumentFlagOutput(flag).data, status=status.HTTP_201_CREATED)


class DocumentFlagDetailApi(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, assignment_id: int, kind: str):
        """Take your flag back (until you submit)."""
        assignment = access_assignment(request.user, assignment_id, for_write=True)
        document_flag_remove(assignment=assignment, kind=kind)
        return Response(status=status.HTTP_204_NO_CONTENT)
