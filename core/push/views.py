"""`/api/push/register` (register and unregister a device, spec §3.2, §14.31) and
`/api/push/tokens` (the caller's own registrations). Any role may manage its own devices."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from core.accounts.models import Role
from core.api.base import TenantAPIView
from core.api.body import json_object
from core.audit.services import record
from core.push import services

JSON = OpenApiTypes.OBJECT


class PushBadRequest(exceptions.APIException):
    status_code = 400


def _token(request):
    body = json_object(request) if request.body else {}
    return body.get("token", request.query_params.get("token"))


def _mask(token: str) -> str:
    return token[:18] + "..." if len(token) > 18 else token


class PushRegisterView(TenantAPIView):
    roles = {"post": Role.VIEWER, "delete": Role.VIEWER}

    @extend_schema(summary="Register this device's Expo push token", request=JSON,
                   responses=JSON)  # fmt: skip
    def post(self, request):
        try:
            row = services.register(request.user.org_id, request.user, _token(request))
        except services.PushTokenInvalid as exc:
            raise PushBadRequest(str(exc)) from None
        record(request, "push.register", target=_mask(row.token))
        return Response({"ok": True})

    @extend_schema(summary="Unregister an Expo push token (body or query: token)", request=JSON,
                   responses=JSON)  # fmt: skip
    def delete(self, request):
        try:
            token = _token(request)
            removed = services.unregister(request.user.org_id, request.user, token)
        except services.PushTokenInvalid as exc:
            raise PushBadRequest(str(exc)) from None
        if removed:
            record(request, "push.unregister", target=_mask(token))
        return Response({"ok": True, "removed": bool(removed)})


class PushTokensView(TenantAPIView):
    roles = {"get": Role.VIEWER}

    @extend_schema(operation_id="push_tokens_list", summary="The caller's registered tokens",
                   responses=JSON)  # fmt: skip
    def get(self, request):
        rows = services.tokens_of(request.user.org_id, request.user)
        return Response(
            {
                "tokens": [
                    {
                        "token": row.token,
                        "server_name": row.server_name,
                        "created_at": row.created_at.isoformat().replace("+00:00", "Z"),
                        "updated_at": row.updated_at.isoformat().replace("+00:00", "Z"),
                    }
                    for row in rows
                ]
            }
        )
