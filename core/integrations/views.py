"""`/api/integrations`: data-source integrations of the organisation (spec §3.9)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from core.accounts.models import Role
from core.api.base import TenantAPIView
from core.api.body import validated
from core.audit.services import record
from core.http.pagination import page_params
from core.http.ratelimit import StrictRateLimit
from core.integrations import inputs, polling, services
from core.integrations.presenters import created_json, data_json, integration_json
from core.integrations.registry import registry
from core.integrations.selectors import data_of, get_integration, integrations_of

READ_ANY_WRITE_ADMIN = {"get": Role.VIEWER, "post": Role.ADMIN, "put": Role.ADMIN,
                        "patch": Role.ADMIN, "delete": Role.ADMIN}  # fmt: skip
DEFAULT_DATA_LIMIT = 100
JSON = OpenApiTypes.OBJECT


class AdapterListView(TenantAPIView):
    roles = READ_ANY_WRITE_ADMIN

    @extend_schema(summary="Available adapters and their config schemas", responses=JSON)
    def get(self, request):
        return Response({"adapters": registry.list()})


class IntegrationListView(TenantAPIView):
    roles = READ_ANY_WRITE_ADMIN

    @extend_schema(
        summary="List integrations (configs redacted)",
        operation_id="integrations_list",
        responses=JSON,
    )
    def get(self, request):
        rows = integrations_of(request.user.org_id)
        return Response({"integrations": [integration_json(row) for row in rows]})

    @extend_schema(summary="Create an integration", request=JSON, responses={201: JSON})
    def post(self, request):
        body = validated(inputs.IntegrationBody, request)
        integration = services.create_integration(request.user.org_id, body)
        record(
            request,
            "integration.create",
            target=integration.name,
            detail={"id": str(integration.pk), "adapter": integration.adapter},
        )
        return Response(created_json(integration), status=201)


class IntegrationDetailView(TenantAPIView):
    roles = READ_ANY_WRITE_ADMIN

    @extend_schema(summary="One integration (config redacted)", responses=JSON)
    def get(self, request, integration_id: str):
        return Response(integration_json(get_integration(request.user.org_id, integration_id)))

    @extend_schema(
        summary="Replace an integration (adapter, name and config required)",
        request=JSON,
        responses=JSON,
    )
    def put(self, request, integration_id: str):
        return self._update(request, integration_id, inputs.IntegrationBody)

    @extend_schema(summary="Change some fields of an integration", request=JSON, responses=JSON)
    def patch(self, request, integration_id: str):
        return self._update(request, integration_id, inputs.IntegrationPatch)

    def _update(self, request, integration_id: str, schema):
        body = validated(schema, request)
        integration = services.update_integration(request.user.org_id, integration_id, body)
        record(
            request,
            "integration.update",
            target=integration.name,
            detail={"id": str(integration.pk), "fields": sorted(body)},
        )
        return Response({"ok": True, "integration": integration_json(integration)})

    @extend_schema(summary="Delete an integration and its stored data", responses=JSON)
    def delete(self, request, integration_id: str):
        deleted = services.delete_integration(request.user.org_id, integration_id)
        record(request, "integration.delete", target=deleted.name, detail={"id": str(deleted.pk)})
        return Response({"ok": True})


class IntegrationTestView(TenantAPIView):
    roles = READ_ANY_WRITE_ADMIN
    throttle_classes = [StrictRateLimit]  # each call sends requests out

    @extend_schema(
        summary="Test the connection: {ok, message, latencyMs}", request=None, responses=JSON
    )
    def post(self, request, integration_id: str):
        integration = get_integration(request.user.org_id, integration_id)
        result = services.test_connection(integration)
        record(
            request,
            "integration.test",
            target=integration.name,
            detail={"id": str(integration.pk), "ok": result["ok"]},
        )
        return Response(result)


class IntegrationPollView(TenantAPIView):
    roles = READ_ANY_WRITE_ADMIN
    throttle_classes = [StrictRateLimit]

    @extend_schema(
        summary="Poll now and report the outcome: {ok, status, error?, points}",
        request=None,
        responses=JSON,
    )
    def post(self, request, integration_id: str):
        integration = get_integration(request.user.org_id, integration_id)
        outcome = polling.poll_now(integration)
        record(
            request,
            "integration.poll",
            target=integration.name,
            detail={"id": str(integration.pk), "status": outcome.status, "points": outcome.points},
        )
        return Response(outcome.as_json())


class IntegrationDataView(TenantAPIView):
    roles = READ_ANY_WRITE_ADMIN

    @extend_schema(
        summary="Stored points, newest timestamp first",
        responses=JSON,
        parameters=[
            OpenApiParameter("type", str, enum=["metric", "event", "alert"]),
            OpenApiParameter("since", str, description="ISO-8601 date-time (inclusive)"),
            OpenApiParameter("until", str, description="ISO-8601 date-time (inclusive)"),
            OpenApiParameter("limit", int, description="1-500, default 100"),
            OpenApiParameter("offset", int, description="Default 0"),
        ],
    )
    def get(self, request, integration_id: str):
        integration = get_integration(request.user.org_id, integration_id)
        params = request.query_params
        kind = inputs.point_type(params)
        since, until = inputs.moment(params, "since"), inputs.moment(params, "until")
        limit, offset = page_params(params, default_limit=DEFAULT_DATA_LIMIT)
        rows = data_of(integration, kind=kind, since=since, until=until)
        return Response(
            {
                "data": [data_json(row) for row in rows[offset : offset + limit]],
                "total": rows.count(),
                "limit": limit,
                "offset": offset,
            }
        )
