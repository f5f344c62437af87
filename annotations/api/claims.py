from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access import (
    VERIFIER_ROLES,
    VERIFIERS_ONLY,
    access_assignment,
    access_claim,
    access_claim_link,
    access_span,
    require_role,
    sees_verdicts,
)
from annotations.api.assignments import ReliabilityOutput
from annotations.api.fields import StrictCharField, StrictIntegerField
from annotations.api.pagination import Pagination
from annotations.api.permissions import project_for
from annotations.models import Claim, ClaimLink, Role
from annotations.selectors.claims import (
    claim_evidence,
    claim_list,
    claim_origin_document,
    claim_verification_next,
    claims_disputed,
)
from annotations.services.claims import (
    claim_create,
    claim_link_create,
    claim_link_delete,
    claim_set_verdict,
    claim_verification_submit,
    claims_similar,
    reliability_set,
)


class ClaimOutput(serializers.ModelSerializer):
    class Meta:
        model = Claim
        fields = [
            "id",
            "text",
            "verdict",
            "rationale",
            "event_date",
            "place",
            "actor",
            "casualty_figure",
            "version",
            "created_at",
            "updated_at",
        ]


class ClaimListOutput(ClaimOutput):
    evidence_count = serializers.IntegerField(help_text="Evidence links you may see (blind review applies).")

    class Meta(ClaimOutput.Meta):
        fields = [*ClaimOutput.Meta.fields, "evidence_count"]


class ClaimCreateInput(serializers.Serializer):
    text = StrictCharField(max_length=2000, help_text="Arabic or English.")
    event_date = serializers.DateField(required=False, allow_null=True, default=None)
    place = StrictCharField(required=False, allow_blank=True, max_length=200, default="")
    actor = StrictCharField(required=False, allow_blank=True, max_length=200, default="")
    casualty_figure = StrictIntegerField(required=False, allow_null=True, min_value=0, max_value=10**7, default=None)
    force = serializers.BooleanField(
        required=False, default=False, help_text="Create even when a similar claim exists (otherwise 409 lists them)."
    )
    document = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        default=None,
        help_text="The document the claim is written from (one you work on): reviewers still drafting it "
        "do not see the claim until they submit it.",
    )


class VerdictInput(serializers.Serializer):
    verdict = StrictCharField(max_length=16)
    rationale = StrictCharField(required=False, allow_blank=True, max_length=4000, default="")
    version = StrictIntegerField(min_value=1)


class ClaimLinkInput(serializers.Serializer):
    claim = StrictIntegerField(min_value=1)
    stance = StrictCharField(max_length=16, help_text="supports, refutes or mentions")


class ClaimLinkWithTextOutput(serializers.ModelSerializer):
    claim_text = serializers.CharField(source="claim.text", read_only=True)

    class Meta:
        model = ClaimLink
        fields = ["id", "span", "claim", "claim_text", "stance"]


class ReliabilityInput(serializers.Serializer):
    source_reliability = StrictCharField(
        max_length=1, help_text="A (completely reliable) … E (unreliable), F (cannot be judged)"
    )
    credibility = StrictIntegerField(help_text="1 (confirmed) … 5 (improbable), 6 (cannot be judged)")
    note = StrictCharField(required=False, allow_blank=True, max_length=2000, default="")
    span = StrictIntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="One of your spans (a source quoted in the article); empty for the outlet.",
    )


class VerificationInput(serializers.Serializer):
    verdict = StrictCharField(max_length=16)
    rationale = StrictCharField(required=False, allow_blank=True, max_length=4000, default="")


# --- What claim_evidence (selectors.claims) gives, and the claim pages' extras, declared for the schema --------
class EvidenceDocumentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True)


class EvidenceSpanOutput(serializers.Serializer):
    id = serializers.IntegerField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    text = serializers.CharField()
    label = serializers.CharField()


class EvidenceOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text="The claim link.")
    stance = serializers.CharField()
    document = EvidenceDocumentOutput()
    source = serializers.CharField(allow_blank=True, help_text="The outlet's name, or empty.")
    span = EvidenceSpanOutput()
    reviewer = serializers.CharField()
    submitted = serializers.BooleanField()
    outlet_grade = serializers.CharField(allow_null=True, help_text="The reviewer's Admiralty code for the outlet.")
    span_grade = serializers.CharField(allow_null=True, help_text="The reviewer's code for the quoted source.")


# `from` is a Python keyword, hence the inline declaration.
VerdictChangeOutput = inline_serializer(
    "VerdictChangeOutput",
    fields={
        "from": serializers.CharField(),
        "to": serializers.CharField(),
        "rationale": serializers.CharField(allow_blank=True),
        "by": serializers.CharField(allow_null=True),
        "at": serializers.DateTimeField(),
    },
)


class VerificationOutput(serializers.Serializer):
    verifier = serializers.CharField()
    verdict = serializers.CharField()
    rationale = serializers.CharField(allow_blank=True)


class ClaimWithEvidenceOutput(ClaimOutput):
    evidence = EvidenceOutput(many=True, help_text="The evidence you may see (blind review applies).")

    class Meta(ClaimOutput.Meta):
        fields = [*ClaimOutput.Meta.fields, "evidence"]


class ClaimDetailOutput(ClaimWithEvidenceOutput):
    history = serializers.ListField(child=VerdictChangeOutput, help_text="Verdict changes, oldest first.")
    verifications = VerificationOutput(
        many=True,
        help_text="Verifiers' verdicts: managers; adjudicators once they gave their own verdict or cannot give one.",
    )

    class Meta(ClaimOutput.Meta):
        fields = [*ClaimWithEvidenceOutput.Meta.fields, "history", "verifications"]


class VerificationCreatedOutput(serializers.Serializer):
    id = serializers.IntegerField()
    verdict = serializers.CharField()


SIMILAR_CLAIMS = OpenApiResponse(
    {
        "type": "object",
        "properties": {
            "detail": {"type": "string"},
            "similar": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "text": {"type": "string"},
                        "verdict": {"type": "string"},
                    },
                    "required": ["id", "text", "verdict"],
                },
            },
        },
        "required": ["detail", "similar"],
    },
    description="Similar claims exist: they are listed; send `force` to create anyway.",
)


class ProjectClaimsApi(APIView):
    pagination_class = Pagination  # read by the schema: the list answers one page

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Search, ignoring Arabic spelling variants")],
        responses=ClaimListOutput(many=True),
    )
    def get(self, request, project_id: int):
        """The project's claim catalogue, newest first."""
        _, membership = project_for(request, project_id)
        paginator = Pagination()
        page = paginator.paginate_queryset(
            claim_list(membership, request.query_params.get("q", "")[:200]), request, view=self
        )
        return paginator.get_paginated_response(ClaimListOutput(page, many=True).data)

    @extend_schema(
        request=ClaimCreateInput,
        responses={201: ClaimOutput, 409: SIMILAR_CLAIMS},
    )
    def post(self, request, project_id: int):
        """Add a claim. A near-duplicate gets 409 with the `similar` claims first, unless `force` is true."""
        project, membership = project_for(request, project_id)
        data = ClaimCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["document"] = claim_origin_document(membership, values.pop("document"))
        claim = claim_create(project=project, created_by=request.user, membership=membership, **values)
        return Response(ClaimOutput(claim).data, status=status.HTTP_201_CREATED)


class ClaimSimilarApi(APIView):
    @extend_schema(parameters=[OpenApiParameter("text", str)], responses=ClaimOutput(many=True))
    def get(self, request, project_id: int):
        """Claims that say nearly the same as `text` (to offer before creating a new one)."""
        project, membership = project_for(request, project_id)
        text = request.query_params.get("text", "")[:2000]
        return Response(ClaimOutput(claims_similar(project=project, text=text, membership=membership), many=True).data)


class ClaimDetailApi(APIView):
    @extend_schema(responses=ClaimDetailOutput)
    def get(self, request, claim_id: int):
        """The claim, its verdict history and the evidence you may see."""
        claim, membership = access_claim(request.user, claim_id)
        history = [
            {
                "from": c.from_verdict,
                "to": c.to_verdict,
                "rationale": c.rationale,
                "by": c.changed_by.get_username() if c.changed_by else None,
                "at": c.changed_at,
            }
            for c in claim.verdict_changes.select_related("changed_by")
        ]
        verifications = []
        if sees_verdicts(membership, claim):
            verifications = [
                {"verifier": v.verifier.get_username(), "verdict": v.verdict, "rationale": v.rationale}
                for v in claim.verifications.select_related("verifier")
            ]
        return Response(
            {
                **ClaimOutput(claim).data,
                "history": history,
                "evidence": claim_evidence(claim, membership),
                "verifications": verifications,
            }
        )

    @extend_schema(request=VerdictInput, responses=ClaimOutput)
    def patch(self, request, claim_id: int):
        """Set the verdict with a rationale (adjudicators and managers); send the `version` you read."""
        claim, _ = access_claim(request.user, claim_id, min_role=Role.ADJUDICATOR)
        data = VerdictInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            ClaimOutput(claim_set_verdict(claim=claim, changed_by=request.user, **data.validated_data)).data
        )


class SpanClaimLinksApi(APIView):
    @extend_schema(request=ClaimLinkInput, responses={201: ClaimLinkWithTextOutput})
    def post(self, request, span_id: int):
        """Use your span as evidence for a claim of the project: supports, refutes or mentions."""
        span = access_span(request.user, span_id, for_write=True)
        data = ClaimLinkInput(data=request.data)
        data.is_valid(raise_exception=True)
        link = claim_link_create(span=span, claim_id=data.validated_data["claim"], stance=data.validated_data["stance"])
        return Response(ClaimLinkWithTextOutput(link).data, status=status.HTTP_201_CREATED)


class ClaimLinkDetailApi(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, link_id: int):
        """Remove your link (until you submit)."""
        claim_link_delete(link=access_claim_link(request.user, link_id, for_write=True))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AssignmentReliabilityApi(APIView):
    @extend_schema(request=ReliabilityInput, responses=ReliabilityOutput)
    def put(self, request, assignment_id: int):
        """Your Admiralty grade of the outlet (or, with `span`, of a source quoted in the article)."""
        assignment = access_assignment(request.user, assignment_id, for_write=True)
        data = ReliabilityInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        rating = reliability_set(
            assignment=assignment,
            source_reliability=values["source_reliability"],
            credibility=values["credibility"],
            note=values["note"],
            span_id=values["span"],
        )
        return Response(ReliabilityOutput(rating).data)


class ClaimQueueNextApi(APIView):
    @extend_schema(
        responses={200: ClaimWithEvidenceOutput, 204: OpenApiResponse(description="No claim awaits your verdict.")}
    )
    def get(self, request, project_id: int):
        """The next claim with evidence that awaits a verdict and that you have not judged yet."""
        _, membership = project_for(request, project_id)
        require_role(membership, roles=VERIFIER_ROLES, message=VERIFIERS_ONLY)
        claim = claim_verification_next(membership)
        if claim is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response({**ClaimOutput(claim).data, "evidence": claim_evidence(claim, membership)})


class ClaimVerificationsApi(APIView):
    @extend_schema(request=VerificationInput, responses={201: VerificationCreatedOutput})
    def post(self, request, claim_id: int):
        """Your verdict from the claim verification queue (once per claim; at most the project's m verifiers)."""
        claim, membership = access_claim(request.user, claim_id)
        require_role(membership, roles=VERIFIER_ROLES, message=VERIFIERS_ONLY)
        data = VerificationInput(data=request.data)
        data.is_valid(raise_exception=True)
        verification = claim_verification_submit(
            claim=claim, verifier=request.user, membership=membership, **data.validated_data
        )
        return Response(VerificationCreatedOutput(verification).data, status=status.HTTP_201_CREATED)


class DisputedClaimOutput(ClaimOutput):
    verifications = VerificationOutput(many=True, help_text="Every verifier's verdict (they disagree).")

    class Meta(ClaimOutput.Meta):
        fields = [*ClaimOutput.Meta.fields, "verifications"]


class ClaimsDisputedApi(APIView):
    pagination_class = Pagination  # read by the schema: the list answers one page

    @extend_schema(responses=DisputedClaimOutput(many=True))
    def get(self, request, project_id: int):
        """Claims whose verifiers disagree (adjudicators and managers): decide them with PATCH /api/claims/{id}/."""
        project, _ = project_for(request, project_id, min_role=Role.ADJUDICATOR)
        paginator = Pagination()
        page = paginator.paginate_queryset(claims_disputed(project), request, view=self)
        rows = [
            {
                **ClaimOutput(claim).data,
                "verifications": [
                    {"verifier": v.verifier.get_username(), "verdict": v.verdict, "rationale": v.rationale}
                    for v in claim.verifications.select_related("verifier")
                ],
            }
            for claim in page
        ]
        return paginator.get_paginated_response(rows)
