from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access import access_assignment, access_span
from annotations.api.fields import StrictCharField, StrictIntegerField
from annotations.api.pagination import Pagination
from annotations.models import Assignment, ClaimLink, ReliabilityRating, Span
from annotations.selectors.assignments import assignment_detail, assignments_of_reviewer
from annotations.services.assignments import assignment_submit
from annotations.services.spans import span_delete, span_get_or_create, span_update


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
        ]

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
        paginator = Pagination()
        page = paginator.paginate_queryset(assignments_of_reviewer(request.user), request, view=self)
        return paginator.get_paginated_response(AssignmentListOutput(page, many=True).data)


class AssignmentDetailApi(APIView):
    @extend_schema(responses=AssignmentOutput)
    def get(self, request, assignment_id: int):
        """The assignment with the document, its spans, claim links and reliability grades."""
        assignment = access_assignment(request.user, assignment_id)
        return Response(AssignmentOutput(assignment_detail(assignment)).data)


class AssignmentSpansApi(APIView):
    @extend_schema(request=SpanCreateInput, responses={201: SpanOutput, 200: SpanOutput})
    def post(self, request, assignment_id: int):
        """Add a span (its reviewer, until submitted). Offsets are code points of the stored text."""
        assignment = access_assignment(request.user, assignment_id, for_write=True)
        data = SpanCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        span, created = span_get_or_create(assignment=assignment, **data.validated_data)
        return Response(SpanOutput(span).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


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


class AssignmentSubmitApi(APIView):
    @extend_schema(request=None, responses=AssignmentSubmittedOutput)
    def post(self, request, assignment_id: int):
        """End the reviewer's work on this document; later edits get 409."""
        assignment = access_assignment(request.user, assignment_id, for_write=True)
        assignment = assignment_submit(assignment=assignment)
        return Response(AssignmentSubmittedOutput(assignment).data)
