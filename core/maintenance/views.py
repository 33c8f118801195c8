"""`/api/maintenance`: read (any role) and switch (admin) maintenance mode (spec §3.2)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.accounts.models import Role
from core.api.base import TenantAPIView
from core.api.body import json_object
from core.audit.services import record
from core.maintenance.services import set_state, state_of


class MaintenanceView(TenantAPIView):
    roles = {"get": Role.VIEWER, "post": Role.ADMIN}

    @extend_schema(
        summary="Maintenance mode: `{enabled, since, by}`", responses=OpenApiTypes.OBJECT
    )
    def get(self, request):
        return Response(state_of(request.user.org_id).as_json())

    @extend_schema(
        summary="Switch maintenance mode (only a literal `enabled: true` turns it on)",
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request):
        body = json_object(request) if request.body else {}  # no body: off (spec §14.18)
        enabled = body.get("enabled") is True
        state = set_state(request.user.org_id, enabled, request.user.audit_name)
        record(request, "maintenance.toggle", detail="enabled" if enabled else "disabled")
        return Response(state.as_json())
