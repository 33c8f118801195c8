"""`/api/webhooks`: the organisation's outbound webhooks (admin only, spec §3.7 and §14.35)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from core.accounts.models import Role
from core.api.base import TenantAPIView
from core.api.body import enabled_unless_false, json_object_or_empty
from core.api.ids import parse_id
from core.audit.services import record
from core.http.pagination import page_params
from core.webhooks import services
from core.webhooks.presenters import delivery_json, webhook_json
from core.webhooks.selectors import deliveries_of, get_webhook, webhooks_of

ADMIN_ONLY = {"get": Role.ADMIN, "post": Role.ADMIN, "put": Role.ADMIN, "patch": Role.ADMIN,
              "delete": Role.ADMIN}  # fmt: skip
DEFAULT_DELIVERY_LIMIT = 50
JSON = OpenApiTypes.OBJECT


def webhook_id_of(raw: str) -> int:
    return parse_id(raw, "webhook")


class WebhookListView(TenantAPIView):
    roles = ADMIN_ONLY

    @extend_schema(
        summary="List webhooks (header values masked)",
        operation_id="webhooks_list",
        responses=JSON,
    )
    def get(self, request):
        webhooks = webhooks_of(request.user.org_id)
        return Response({"webhooks": [webhook_json(webhook) for webhook in webhooks]})

    @extend_schema(
        summary="Create a webhook; its signing secret is in this response only",
        request=JSON,
        responses={201: JSON},
    )
    def post(self, request):
        webhook, secret = services.create_webhook(
            request.user.org_id, json_object_or_empty(request)
        )
        record(request, "webhook.create", target=webhook.name, detail={"id": webhook.pk})
        return Response({**webhook_json(webhook), "secret": secret}, status=201)


class WebhookDetailView(TenantAPIView):
    roles = ADMIN_ONLY

    @extend_schema(summary="One webhook", request=JSON, responses=JSON)
    def get(self, request, webhook_id: str):
        return Response(webhook_json(get_webhook(request.user.org_id, webhook_id_of(webhook_id))))

    @extend_schema(summary="Change some fields of a webhook", request=JSON, responses=JSON)
    def patch(self, request, webhook_id: str):
        return self._update(request, webhook_id, replace=False)

    @extend_schema(
        summary="Replace a webhook (name and url required)", request=JSON, responses=JSON
    )
    def put(self, request, webhook_id: str):
        return self._update(request, webhook_id, replace=True)

    def _update(self, request, webhook_id: str, *, replace: bool):
        webhook = services.update_webhook(
            request.user.org_id,
            webhook_id_of(webhook_id),
            json_object_or_empty(request),
            replace=replace,
        )
        record(request, "webhook.update", target=webhook.name, detail={"id": webhook.pk})
        return Response(webhook_json(webhook))

    @extend_schema(summary="Delete a webhook and its delivery log", request=JSON, responses=JSON)
    def delete(self, request, webhook_id: str):
        webhook = services.delete_webhook(request.user.org_id, webhook_id_of(webhook_id))
        record(request, "webhook.delete", target=webhook.name, detail={"id": int(webhook_id)})
        return Response({"ok": True})


class WebhookToggleView(TenantAPIView):
    roles = ADMIN_ONLY

    @extend_schema(
        summary="Enable or disable (`enabled`: anything but false enables)",
        request=JSON,
        responses=JSON,
    )
    def put(self, request, webhook_id: str):
        enabled = enabled_unless_false(request)
        webhook = services.set_enabled(request.user.org_id, webhook_id_of(webhook_id), enabled)
        record(request, "webhook.toggle", target=webhook.name, detail={"enabled": enabled})
        return Response({"ok": True, "enabled": webhook.enabled})


class WebhookTestView(TenantAPIView):
    roles = ADMIN_ONLY

    @extend_schema(
        summary="Send a signed `webhook.test` delivery now and report the outcome",
        request=JSON,
        responses=JSON,
    )
    def post(self, request, webhook_id: str):
        outcome = services.test_fire(request.user.org_id, webhook_id_of(webhook_id))
        row = outcome.row
        record(request, "webhook.test", target=row.webhook.name, detail={"success": row.success})
        result = {
            "ok": row.success,
            "delivery_id": str(row.delivery_id),
            "status_code": row.status_code,
            "latency_ms": row.latency_ms,
        }
        if row.success:
            return Response(result)
        return Response({"error": row.error, **result}, status=status.HTTP_502_BAD_GATEWAY)


class WebhookSecretView(TenantAPIView):
    roles = ADMIN_ONLY

    @extend_schema(
        summary="Replace the signing secret; the new one is in this response only",
        request=JSON,
        responses=JSON,
    )
    def post(self, request, webhook_id: str):
        webhook, secret = services.rotate_secret(request.user.org_id, webhook_id_of(webhook_id))
        record(request, "webhook.secret.rotate", target=webhook.name, detail={"id": webhook.pk})
        return Response({"id": webhook.pk, "secret": secret})


class WebhookDeliveriesView(TenantAPIView):
    roles = ADMIN_ONLY

    @extend_schema(
        summary="Delivery log of a webhook, newest attempt first",
        responses=JSON,
        parameters=[
            OpenApiParameter("limit", int, description="1-500, default 50"),
            OpenApiParameter("offset", int, description="Default 0"),
        ],
    )
    def get(self, request, webhook_id: str):
        webhook = get_webhook(request.user.org_id, webhook_id_of(webhook_id))
        limit, offset = page_params(request.query_params, default_limit=DEFAULT_DELIVERY_LIMIT)
        rows = deliveries_of(webhook)
        return Response(
            {
                "deliveries": [delivery_json(row) for row in rows[offset : offset + limit]],
                "total": rows.count(),
                "limit": limit,
                "offset": offset,
            }
        )
