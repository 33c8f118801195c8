"""`/api/keys`: the organisation's API keys (admin only). A secret is only ever shown once."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.accounts import api_keys
from core.accounts.models import Role
from core.accounts.serializers import ApiKeyCreateRequest, api_key_json
from core.api.base import TenantAPIView
from core.api.body import validated
from core.api.ids import parse_id
from core.audit.services import record


class ApiKeysView(TenantAPIView):
    roles = {"get": Role.ADMIN, "post": Role.ADMIN}

    @extend_schema(summary="List API keys (never their secrets)", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        keys = api_keys.keys_of(request.user.org_id)
        return Response({"keys": [api_key_json(key) for key in keys]})

    @extend_schema(
        summary="Create an API key; the secret is in this response only",
        request=ApiKeyCreateRequest,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        body = validated(ApiKeyCreateRequest, request)
        api_key, secret = api_keys.create(
            request.user.org_id, body["name"], body["role"], created_by_id=request.user.user_id
        )
        record(request, "apikey.create", target=api_key.prefix, detail=f"Role: {api_key.role}")
        return Response({**api_key_json(api_key), "apiKey": secret}, status=201)


class ApiKeyDetailView(TenantAPIView):
    roles = {"delete": Role.ADMIN}

    @extend_schema(summary="Revoke an API key", responses=OpenApiTypes.OBJECT)
    def delete(self, request, key_id: str):
        api_key = api_keys.revoke(request.user.org_id, parse_id(key_id, "key"))
        record(request, "apikey.revoke", target=api_key.prefix)
        return Response({"ok": True})
