from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access import access_document_for_adjudication, access_gold_span, access_project
from annotations.api.fields import StrictCharField, StrictIntegerField
from annotations.api.pagination import Pagination, paginated
from annotations.api.permissions import project_for
from annotations.models import GoldSpan, Role
from annotations.selectors.adjudication import adjudication_done, adjudication_next, adjudication_state, gold_grade_data
from annotations.selectors.queue import adjudication_queue
from annotations.services.adjudication import (
    adjudication_finalize,
    adjudication_reopen,
    document_check_ready,
    gold_accept_agreed,
    gold_candidate_reject,
    gold_claim_link_create,
    gold_reliability_set,
    gold_span_create,
    gold_span_delete,
    gold_span_update,
)


class AdjudicationQueueItemOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text="Document id.")
    title = serializers.CharField()
    agreement = serializers.FloatField(
        allow_null=True,
        help_text="Token-level alpha from the latest agreement run, "
        "or (for a document the run has not seen) mean pairwise overlap span F1.",
    )
    agreement_measure = serializers.ChoiceField(choices=["token_alpha", "overlap_f1"])
    in_progress = serializers.BooleanField()


class GoldClaimLinkOutput(serializers.Serializer):
    claim = serializers.IntegerField()
    claim_text = serializers.CharField()
    stance = serializers.CharField()
    decided_by = serializers.CharField()


GOLD_GRADE_SCHEMA = {
    "type": "object",
    "nullable": True,
    "properties": {
        "source_reliability": {"type": "string"},
        "credibility": {"type": "integer"},
        "note": {"type": "string"},
        "decided_by": {"type": "string"},
    },
    "required": ["source_reliability", "credibility", "note", "decided_by"],
}


class GoldSpanOutput(serializers.ModelSerializer):
    label = serializers.CharField(source="label.name")
    decided_by = serializers.CharField(source="decided_by.username")
    claim_links = serializers.SerializerMethodField()
    reliability = serializers.SerializerMethodField()

    class Meta:
        model = GoldSpan
        fields = [
            "id",
            "start",
            "end",
            "label",
            "text",
            "decision",
            "decided_by",
            "decided_at",
            "claim_links",
            "reliability",
        ]

    @extend_schema_field({**GOLD_GRADE_SCHEMA, "description": "The quoted source's gold grade, or null."})
    def get_reliability(self, gold) -> dict | None:
        return gold_grade_data(gold.ratings.select_related("decided_by").first())

    @extend_schema_field(GoldClaimLinkOutput(many=True))
    def get_claim_links(self, gold) -> list[dict]:
        return [
            {
                "claim": link.claim_id,
                "claim_text": link.claim.text,
                "stance": link.stance,
                "decided_by": link.decided_by.username,
            }
            for link in gold.claim_links.all()
        ]


class GoldSpanInput(serializers.Serializer):
    start = StrictIntegerField(min_value=0, max_value=2**31 - 1)
    end = StrictIntegerField(min_value=1, max_value=2**31 - 1)
    label = StrictCharField(max_length=64)
    quote = StrictCharField(required=False, trim_whitespace=False)


class GoldSpanUpdateInput(serializers.Serializer):
    start = StrictIntegerField(required=False, min_value=0, max_value=2**31 - 1)
    end = StrictIntegerField(required=False, min_value=1, max_value=2**31 - 1)
    label = StrictCharField(required=False, max_length=64)


class RejectionInput(serializers.Serializer):
    start = StrictIntegerField(min_value=0, max_value=2**31 - 1)
    end = StrictIntegerField(min_value=1, max_value=2**31 - 1)
    label = StrictCharField(max_length=64)


class RejectionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    label = serializers.CharField(source="label.name")


class GoldReliabilityInput(serializers.Serializer):
    source_reliability = StrictCharField(max_length=1)
    credibility = StrictIntegerField(min_value=1, max_value=6)
    note = StrictCharField(required=False, allow_blank=True, max_length=2000, default="")


class GoldClaimLinkInput(serializers.Serializer):
    claim = StrictIntegerField(min_value=1)
    stance = StrictCharField(max_length=16)


class GoldClaimLinkCreatedOutput(serializers.Serializer):
    id = serializers.IntegerField()
    claim = serializers.IntegerField(source="claim_id")
    stance = serializers.CharField()


class GoldReliabilityOutput(serializers.Serializer):
    source_reliability = serializers.CharField()
    credibility = serializers.IntegerField()
    note = serializers.CharField(allow_blank=True)


class FinalizedOutput(serializers.Serializer):
    status = serializers.CharField()
    adjudicator = serializers.CharField()
    decided_at = serializers.DateTimeField()
    next = serializers.IntegerField(allow_null=True, help_text="The next document to adjudicate, or null.")


class AdjudicationDoneOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text="Document id.")
    title = serializers.CharField(allow_blank=True)
    adjudicator = serializers.CharField(allow_null=True, help_text="Who decided the gold.")
    decided_at = serializers.DateTimeField()


class ReopenInput(serializers.Serializer):
    reason = StrictCharField(max_length=2000, help_text="Why the gold is reopened (kept in the audit trail).")


class ReopenedOutput(serializers.Serializer):
    status = serializers.CharField()
    version = serializers.IntegerField()


# --- The adjudication state (adjudication_state's dict), declared for the schema -----------------------
class StateDocumentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField(allow_blank=True)
    text = serializers.CharField()
    source = serializers.CharField(allow_blank=True, help_text="The outlet's name, or empty.")


class StateReviewerOutput(serializers.Serializer):
    assignment = serializers.IntegerField()
    reviewer = serializers.CharField()


class CandidateClaimLinkOutput(serializers.Serializer):
    claim = serializers.IntegerField()
    claim_text = serializers.CharField()
    stance = serializers.CharField()
    assignments = serializers.ListField(child=serializers.IntegerField(), help_text="Who made this link.")


class CandidateGradeOutput(GoldReliabilityOutput):
    assignment = serializers.IntegerField()
    span = serializers.IntegerField(help_text="The reviewer's span.")


class CandidateOutput(serializers.Serializer):
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    label = serializers.CharField()
    text = serializers.CharField()
    assignments = serializers.ListField(child=serializers.IntegerField(), help_text="Who marked this span.")
    spans = serializers.ListField(child=serializers.IntegerField(), help_text="The reviewers' span ids.")
    agreed = serializers.BooleanField(help_text="Every reviewer marked exactly this span.")
    agreement = serializers.ChoiceField(choices=["all", "some", "one"], help_text="How many reviewers marked it.")
    status = serializers.ChoiceField(
        choices=["accepted", "edited", "rejected", "undecided"], help_text="The adjudicator's decision so far."
    )
    claim_links = CandidateClaimLinkOutput(many=True)
    grades = CandidateGradeOutput(many=True, help_text="Each reviewer's grade of the quoted source on this span.")


class ReviewerReliabilityOutput(GoldReliabilityOutput):
    assignment = serializers.IntegerField()


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "description": "The outlet's gold grade, or null while there is none.",
        "properties": {
            "source_reliability": {"type": "string"},
            "credibility": {"type": "integer"},
            "note": {"type": "string"},
            "decided_by": {"type": "string"},
        },
        "required": ["source_reliability", "credibility", "note", "decided_by"],
    }
)
class NullableGoldReliabilityField(serializers.DictField):
    """A nested serializer with allow_null becomes allOf + nullable, which OpenAPI 3.0 validators reject for null."""


class GoldStateOutput(serializers.Serializer):
    status = serializers.CharField(allow_null=True, help_text="null until the adjudication starts.")
    adjudicator = serializers.CharField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    spans = GoldSpanOutput(many=True)
    reliability = NullableGoldReliabilityField(allow_null=True)


class StateNoteOutput(serializers.Serializer):
    assignment = serializers.IntegerField()
    span = serializers.IntegerField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    label = serializers.CharField()
    text = serializers.CharField()


class StateFlagOutput(serializers.Serializer):
    assignment = serializers.IntegerField()
    kind = serializers.CharField()
    note = serializers.CharField(allow_blank=True)


class AdjudicationStateOutput(serializers.Serializer):
    document = StateDocumentOutput()
    reviewers = StateReviewerOutput(many=True)
    candidates = CandidateOutput(many=True)
    undecided = serializers.IntegerField(help_text="Candidates neither accepted, edited nor rejected yet.")
    notes = StateNoteOutput(many=True, help_text="The reviewers' notes on their spans.")
    flags = StateFlagOutput(many=True, help_text="The reviewers' flags on the document.")
    reliability = ReviewerReliabilityOutput(many=True, help_text="The reviewers' outlet grades.")
    gold = GoldStateOutput()


class AcceptedCountsOutput(serializers.Serializer):
    spans = serializers.IntegerField()
    claim_links = serializers.IntegerField()
    reliability = serializers.IntegerField(help_text="1 when the reviewers' common outlet grade joined the gold.")
    span_grades = serializers.IntegerField(help_text="Quoted-source grades every reviewer gave alike, now gold.")


class AcceptAgreedOutput(AdjudicationStateOutput):
    added = AcceptedCountsOutput()


NOT_READY = OpenApiResponse(
    {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]},
    description="Not every reviewer has submitted yet.",
)


class AdjudicationQueueApi(APIView):
    pagination_class = Pagination  # read by the schema: the list answers one page

    @extend_schema(responses=AdjudicationQueueItemOutput(many=True))
    def get(self, request, project_id: int):
        """Documents ready for adjudication, lowest reviewer agreement first."""
        project, _ = project_for(request, project_id, min_role=Role.ADJUDICATOR)
        return paginated(request, self, adjudication_queue(project), AdjudicationQueueItemOutput)


class AdjudicationApi(APIView):
    @extend_schema(responses={200: AdjudicationStateOutput, 409: NOT_READY})
    def get(self, request, document_id: int):
        """The reviewers' spans merged on the text (who marked what, what all agreed on) and the gold so far."""
        document = access_document_for_adjudication(request.user, document_id)
        document_check_ready(document)
        return Response(adjudication_state(document))


class GoldSpansApi(APIView):
    @extend_schema(request=GoldSpanInput, responses={201: GoldSpanOutput})
    def post(self, request, document_id: int):
        """Accept a reviewer's span into the gold, or add / edit one (same offsets rules as spans)."""
        document = access_document_for_adjudication(request.user, document_id)
        data = GoldSpanInput(data=request.data)
        data.is_valid(raise_exception=True)
        gold = gold_span_create(document=document, adjudicator=request.user, **data.validated_data)
        return Response(GoldSpanOutput(gold).data, status=status.HTTP_201_CREATED)


class GoldSpanDetailApi(APIView):
    @extend_schema(request=GoldSpanUpdateInput, responses=GoldSpanOutput)
    def patch(self, request, gold_span_id: int):
        """Move a gold span's boundaries or relabel it (the curation keys: Shift+arrows, drag handles, 1-9)."""
        gold = access_gold_span(request.user, gold_span_id)
        data = GoldSpanUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            GoldSpanOutput(gold_span_update(gold_span=gold, adjudicator=request.user, **data.validated_data)).data
        )

    @extend_schema(responses={204: None})
    def delete(self, request, gold_span_id: int):
        """Take a span out of the gold (reject it)."""
        gold_span_delete(gold_span=access_gold_span(request.user, gold_span_id), adjudicator=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RejectionsApi(APIView):
    @extend_schema(request=RejectionInput, responses={201: RejectionOutput})
    def post(self, request, document_id: int):
        """Reject a reviewers' candidate span (it leaves the gold if it was in; accepting it later undoes this)."""
        document = access_document_for_adjudication(request.user, document_id)
        data = RejectionInput(data=request.data)
        data.is_valid(raise_exception=True)
        rejection = gold_candidate_reject(document=document, adjudicator=request.user, **data.validated_data)
        return Response(RejectionOutput(rejection).data, status=status.HTTP_201_CREATED)


class GoldClaimLinksApi(APIView):
    @extend_schema(request=GoldClaimLinkInput, responses={201: GoldClaimLinkCreatedOutput})
    def post(self, request, gold_span_id: int):
        """Link a gold span to a claim of the project with a stance."""
        gold = access_gold_span(request.user, gold_span_id)
        data = GoldClaimLinkInput(data=request.data)
        data.is_valid(raise_exception=True)
        link = gold_claim_link_create(
            gold_span=gold,
            adjudicator=request.user,
            claim_id=data.validated_data["claim"],
            stance=data.validated_data["stance"],
        )
        return Response(GoldClaimLinkCreatedOutput(link).data, status=status.HTTP_201_CREATED)


class AcceptAgreedApi(APIView):
    @extend_schema(request=None, responses=AcceptAgreedOutput)
    def post(self, request, document_id: int):
        """One action: everything all reviewers marked identically joins the gold."""
        document = access_document_for_adjudication(request.user, document_id)
        added = gold_accept_agreed(document=document, adjudicator=request.user)
        return Response({"added": added, **adjudication_state(document)})


class GoldReliabilityApi(APIView):
    @extend_schema(request=GoldReliabilityInput, responses=GoldReliabilityOutput)
    def put(self, request, document_id: int):
        """The outlet's gold grade (Admiralty A-F, 1-6)."""
        document = access_document_for_adjudication(request.user, document_id)
        data = GoldReliabilityInput(data=request.data)
        data.is_valid(raise_exception=True)
        rating = gold_reliability_set(document=document, adjudicator=request.user, **data.validated_data)
        return Response(GoldReliabilityOutput(rating).data)


class GoldSpanReliabilityApi(APIView):
    @extend_schema(request=GoldReliabilityInput, responses=GoldReliabilityOutput)
    def put(self, request, gold_span_id: int):
        """The gold grade of the source quoted in this gold span: accept a reviewer's, or set your own."""
        gold = access_gold_span(request.user, gold_span_id)
        data = GoldReliabilityInput(data=request.data)
        data.is_valid(raise_exception=True)
        rating = gold_reliability_set(
            document=gold.adjudication.document, adjudicator=request.user, gold_span=gold, **data.validated_data
        )
        return Response(GoldReliabilityOutput(rating).data)


class FinalizeApi(APIView):
    @extend_schema(request=None, responses=FinalizedOutput)
    def post(self, request, document_id: int):
        """The gold is decided; later changes get 409."""
        document = access_document_for_adjudication(request.user, document_id)
        adjudication = adjudication_finalize(document=document, adjudicator=request.user)
        return Response(
            FinalizedOutput(
                {
                    "status": adjudication.status,
                    "adjudicator": request.user.username,
                    "decided_at": adjudication.decided_at,
                    "next": adjudication_next(document.project, after_document_id=document.id),
                }
            ).data
        )


class AdjudicationDoneApi(APIView):
    pagination_class = Pagination  # read by the schema: the list answers one page

    @extend_schema(responses=AdjudicationDoneOutput(many=True))
    def get(self, request, project_id: int):
        """Finalized documents, latest first: who decided and when."""
        project, _ = project_for(request, project_id, min_role=Role.ADJUDICATOR)
        return paginated(request, self, adjudication_done(project), AdjudicationDoneOutput)


class ReopenApi(APIView):
    @extend_schema(request=ReopenInput, responses=ReopenedOutput)
    def post(self, request, document_id: int):
        """Reopen finalized gold (managers), with a reason recorded in the audit trail."""
        document = access_document_for_adjudication(request.user, document_id)
        access_project(request.user, document.project_id, min_role=Role.MANAGER)
        data = ReopenInput(data=request.data)
        data.is_valid(raise_exception=True)
        adjudication = adjudication_reopen(
            document=document, manager=request.user, reason=data.validated_data["reason"]
        )
        return Response(ReopenedOutput(adjudication).data)
