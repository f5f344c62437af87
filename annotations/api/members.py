"""A project's members: list, add by username or e-mail, change role or quota, remove."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access import access_membership
from annotations.api.fields import StrictCharField, StrictIntegerField
from annotations.api.pagination import Pagination, paginated
from annotations.api.permissions import project_for
from annotations.models import Membership, Role
from annotations.services.projects import membership_add, membership_remove, membership_update


class MembershipOutput(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    email = serializers.CharField(source="user.email")

    class Meta:
        model = Membership
        fields = ["id", "username", "email", "role", "quota", "created_at"]


class MembershipCreateInput(serializers.Serializer):
    username = StrictCharField(required=False, allow_blank=True, max_length=150)
    email = serializers.EmailField(required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices)
    quota = StrictIntegerField(required=False, allow_null=True, min_value=0)

    def validate(self, attrs):
        if not attrs.get("username") and not attrs.get("email"):
            raise serializers.ValidationError({"username": ["Give a username or an e-mail address."]})
        return attrs


class MembershipUpdateInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    quota = StrictIntegerField(required=False, allow_null=True, min_value=0)


class ProjectMembersApi(APIView):
    pagination_class = Pagination

    @extend_schema(responses=MembershipOutput(many=True))
    def get(self, request, project_id: int):
        """The project's members with their roles and quotas (managers)."""
        project, _ = project_for(request, project_id, min_role=Role.MANAGER)
        members = Membership.objects.filter(project=project).select_related("user").order_by("role", "user__username")
        return paginated(request, self, members, MembershipOutput)

    @extend_schema(request=MembershipCreateInput, responses={201: MembershipOutput})
    def post(self, request, project_id: int):
        """Add an existing account by `username` or `email` with a `role` (managers); 409 if already a member."""
        project, _ = project_for(request, project_id, min_role=Role.MANAGER)
        data = MembershipCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = membership_add(project=project, actor=request.user, **data.validated_data)
        return Response(MembershipOutput(membership).data, status=status.HTTP_201_CREATED)


class MembershipDetailApi(APIView):
    @extend_schema(request=MembershipUpdateInput, responses=MembershipOutput)
    def patch(self, request, membership_id: int):
        """Change a member's role or quota (managers); a project keeps at least one manager (409)."""
        membership = access_membership(request.user, membership_id)
        data = MembershipUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        updated = membership_update(membership=membership, actor=request.user, **data.validated_data)
        return Response(MembershipOutput(updated).data)

    @extend_schema(responses={204: OpenApiResponse(description="Removed; their open leases went back to the queue.")})
    def delete(self, request, membership_id: int):
        """Remove a member (managers): their open leases return to the queue, their submitted work stays."""
        membership = access_membership(request.user, membership_id)
        membership_remove(membership=membership, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
