from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access import access_assignment, access_span
from annotations.api.fields import StrictCharField, StrictIntegerField
from annotations.api.pagination import Pagination, paginated
from annotations.models import Assignment, ClaimLink, DocumentFlag, ReliabilityRating, Span, SpanComment
from annotations.selectors.assignments import assignment_data, assignment_span_comments, assignments_of_reviewer
from annotations.services.assignments import assignment_submit
from annotations.services.spans import span_delete, span_restore, span_save, span_update


class SpanCreateInput(serializers.Serializer):
    start = StrictIntegerField(min_value=0, max_value=2**31 - 1, help_text="Code point offset into the NFC text.")
    end = StrictIntegerField(min_value=1, max_value=2**31 - 1, help_text="Exclusive code point offset.")
    label = StrictCharField(max_length=64, help_text="The label's name.")
    quote = StrictCharField(required=False, trim_whitespace=False, help_text="If sent, must equal text[start:end].")


class SpanUpdateInput(serializers.Serializer):
    version = StrictIntegerField(min_value=1, help_text="The version you read; 409 if the span changed since.")
    start = StrictIntegerField(required=False, min_value=0, max_value=2**31 - 1)
    end = StrictIntegerField(required=False, min_value=1, max_value=2**31 - 1)
    label = StrictCharField(required=False, max_length=64)
    quote = StrictCharField(required=False, trim_whitespace=False)

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
        return attrs


class ClaimLinkOutput(serializers.ModelSerializer):
    claim_text = serializers.CharField(source="claim.text", read_only=True)

    class Meta:
        model = ClaimLink
        fields = ["id", "claim", "claim_text", "stance"]


class SpanOutput(serializers.ModelSerializer):
    label = serializers.CharField(source="label.name")
    claim_links = ClaimLinkOutput(many=True, read_only=True)

    class Meta:
        model = Span
        fields = ["id", "start", "end", "label", "text", "version", "claim_links"]


class ReliabilityOutput(serializers.ModelSerializer):
    class Meta:
        model = ReliabilityRating
        fields = ["id", "span", "source_reliability", "credibility", "note"]


class NoteCommentOutput(serializers.ModelSerializer):
    class Meta:
        model = SpanComment
        fields = ["id", "span", "text", "created_at"]


class NoteFlagOutput(serializers.ModelSerializer):
    class Meta:
        model = DocumentFlag
        fields = ["id", "kind", "note", "created_at"]


class DocumentInAssignmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField()
    sha256 = serializers.CharField()
    url = serializers.CharField()
    source = serializers.CharField(source="source.name", default="")
    published_at = serializers.DateTimeField(allow_null=True)


class AssignmentOutput(serializers.ModelSerializer):
    project = serializers.IntegerField(source="document.project_id")
    reviewer = serializers.CharField(source="reviewer.username")
    document = DocumentInAssignmentOutput()
    spans = SpanOutput(many=True)
    reliability = serializers.SerializerMethodField()
    ratings = ReliabilityOutput(many=True, help_text="The outlet grade and grades of attributed-source spans.")
    comments = serializers.SerializerMethodField()
    flags = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "project",
            "reviewer",
            "status",
            "lease_expires_at",
            "submitted_at",
            "version",
            "document",
            "spans",
            "reliability",
            "ratings",
            "comments",
            "flags",
        ]

    @extend_schema_field(NoteCommentOutput(many=True))
    def get_comments(self, assignment) -> list[dict]:
        """The reviewer's notes on their spans, for the adjudicator."""
        return NoteCommentOutput(assignment_span_comments(assignment), many=True).data

    @extend_schema_field(NoteFlagOutput(many=True))
    def get_flags(self, assignment) -> list[dict]:
        """The reviewer's flags on the document (unclear, not_news, duplicate)."""
        return NoteFlagOutput(assignment.flags.order_by("id"), many=True).data

    def get_reliability(self, assignment) -> dict | None:
        """The outlet's grade (the rating without a span), or null."""
        for rating in assignment.ratings.all():
            if rating.span_id is None:
                return ReliabilityOutput(rating).data
        return None


class AssignmentListOutput(serializers.ModelSerializer):
    project = serializers.IntegerField(source="document.project_id")
    document = serializers.IntegerField(source="document_id")
    title = serializers.CharField(source="document.title")
    span_count = serializers.IntegerField()

    class Meta:
        model = Assignment
        fields = ["id", "project", "document", "title", "status", "lease_expires_at", "submitted_at", "span_count"]


class AssignmentSubmittedOutput(serializers.ModelSerializer):
    class Meta:
        model = Assignment
        fields = ["id", "status", "submitted_at"]


class MyAssignmentsApi(APIView):
    pagination_class = Pagination  # read by the schema: the list answers one page

    @extend_schema(responses=AssignmentListOutput(many=True))
    def get(self, request):
        """The caller's own assignments, open ones first."""
        return paginated(request, self, assignments_of_reviewer(request.user), AssignmentListOutput)


class AssignmentDetailApi(APIView):
    @extend_schema(responses=AssignmentOutput)
    def get(self, request, assignment_id: int):
        """The assignment with the document, its spans, claim links and reliability grades."""
        assignment = access_assignment(request.user, assignment_id)
        return Response(assignment_data(assignment.pk))


class AssignmentSpansApi(APIView):
    @extend_schema(request=SpanCreateInput, responses={201: SpanOutput, 200: SpanOutput})
    def post(self, request, assignment_id: int):
        """Add a span (its reviewer, until submitted). Offsets are code points of the stored text."""
        data = SpanCreateInput(data=request.data)
        if not data.is_valid():
            access_assignment(request.user, assignment_id, for_write=True)  # 404 first for whoever may not write
            raise serializers.ValidationError(data.errors)
        # span_save checks the access rule itself, in its one locked read of the assignment.
        span, created = span_save(user=request.user, assignment_id=assignment_id, **data.validated_data)
        if created:  # SpanOutput's fields, built directly: a new span has no claim links yet
            body = {
                "id": span.pk,
                "start": span.start,
                "end": span.end,
                "label": span.label.name,
                "text": span.text,
                "version": span.version,
                "claim_links": [],
            }
            return Response(body, status=status.HTTP_201_CREATED)
        return Response(SpanOutput(span).data)


class SpanDetailApi(APIView):
    @extend_schema(request=SpanUpdateInput, responses=SpanOutput)
    def patch(self, request, span_id: int):
        """Move or relabel a span; send the `version` you read (409 if it changed since)."""
        span = access_span(request.user, span_id, for_write=True)
        data = SpanUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(SpanOutput(span_update(span=span, **data.validated_data)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, span_id: int):
        """Remove a span (its reviewer, until submitted)."""
        span_delete(span=access_span(request.user, span_id, for_write=True))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RestoredSpanOutput(SpanOutput):
    ratings = ReliabilityOutput(many=True, help_text="The span's quoted-source grade, back with it.")

    class Meta(SpanOutput.Meta):
        fields = [*SpanOutput.Meta.fields, "ratings"]


class SpanRestoreApi(APIView):
    @extend_schema(request=None, responses=RestoredSpanOutput)
    def post(self, request, span_id: int):
        """Undo a delete: the span comes back with the same id, its claim links and its grade."""
        span = span_restore(span=access_span(request.user, span_id, for_write=True, deleted=True))
        return Response(RestoredSpanOutput(span).data)


class AssignmentSubmitApi(APIView):
    @extend_schema(request=None, responses=AssignmentSubmittedOutput)
    def post(self, request, assignment_id: int):
        """End the reviewer's work on this document; later edits get 409."""
        assignment = access_assignment(request.user, assignment_id, for_write=True)
        assignment = assignment_submit(assignment=assignment)
        return Response(AssignmentSubmittedOutput(assignment).data)
