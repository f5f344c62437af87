from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from annotations.api.pagination import Pagination, paginated
from annotations.api.permissions import project_for
from annotations.models import AuditEntry, Role
from annotations.selectors.audit import audit_entries_filtered
from annotations.services.audit import KINDS


class AuditFilterInput(serializers.Serializer):
    user = serializers.CharField(required=False, max_length=150, help_text="Only this username's changes.")
    kind = serializers.ChoiceField(required=False, choices=KINDS)
    document = serializers.IntegerField(required=False, min_value=1)
    since = serializers.DateTimeField(required=False, help_text="ISO 8601; from this moment on.")
    until = serializers.DateTimeField(required=False, help_text="ISO 8601; before this moment.")

    def validate(self, values):
        if values.get("since") and values.get("until") and values["since"] >= values["until"]:
            raise serializers.ValidationError({"until": [_("Must be later than since.")]})
        return values


class AuditEntryOutput(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField(help_text="Username; null for the system (a lapsed lease).")

    class Meta:
        model = AuditEntry
        fields = ["id", "created_at", "actor", "kind", "document", "object_id", "before", "after"]

    def get_actor(self, entry) -> str | None:
        return entry.actor.get_username() if entry.actor_id else None


class ProjectAuditApi(APIView):
    pagination_class = Pagination  # read by the schema: the list answers one page

    @extend_schema(parameters=[AuditFilterInput], responses=AuditEntryOutput(many=True))
    def get(self, request, project_id: int):
        """Who changed what and when, with the values before and after; newest first (managers)."""
        project, _membership = project_for(request, project_id, min_role=Role.MANAGER)
        filters = AuditFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        entries = audit_entries_filtered(project, values)
        return paginated(request, self, entries, AuditEntryOutput)
