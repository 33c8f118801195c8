"""`/api/hosts`: the organisation's Docker hosts (any role reads, admins write)."""

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.accounts.models import Role
from core.agents.enrollment import issue_token
from core.api.base import TenantAPIView
from core.api.body import validated
from core.api.ids import parse_id
from core.audit.services import record
from core.hosts import checks, fleet, services
from core.hosts.models import HostKind
from core.hosts.selectors import get_host, hosts_of
from core.hosts.serializers import HostRequest, enrollment_json, host_json
from core.http.pagination import MAX_LIMIT, page_params


class HostsView(TenantAPIView):
    roles = {"get": Role.VIEWER, "post": Role.ADMIN}

    @extend_schema(
        summary="List the organisation's Docker hosts",
        responses=OpenApiTypes.OBJECT,
        operation_id="api_hosts_list",
    )
    def get(self, request):
        hosts = hosts_of(request.user.org_id).order_by("name", "id")
        return Response({"hosts": [host_json(host) for host in hosts]})

    @extend_schema(
        summary="Add a Docker host", request=HostRequest, responses={201: OpenApiTypes.OBJECT}
    )
    def post(self, request):
        body = validated(HostRequest, request)
        with transaction.atomic():
            host = services.create_host(
                request.user.org_id,
                name=body["name"],
                kind=body.get("kind", "local"),
                base_url=body.get("base_url", ""),
                slug=body.get("slug"),
                is_default=body.get("is_default", False),
                tls={field: body[field] for field in services.TLS_FIELDS if field in body},
            )
            answer = host_json(host)
            if host.kind == HostKind.AGENT:
                # Shown once: only its hash is kept.
                answer["enrollment"] = enrollment_json(*issue_token(host))
        record(request, "host.create", target=host.slug, detail=f"Kind: {host.kind}")
        return Response(answer, status=201)


class HostDetailView(TenantAPIView):
    roles = {"get": Role.VIEWER, "put": Role.ADMIN, "delete": Role.ADMIN}

    @extend_schema(summary="One Docker host", responses=OpenApiTypes.OBJECT)
    def get(self, request, host_id: str):
        return Response(host_json(get_host(request.user.org_id, parse_id(host_id, "host"))))

    @extend_schema(
        summary="Change a Docker host (fields left out are kept)",
        request=HostRequest,
        responses=OpenApiTypes.OBJECT,
    )
    def put(self, request, host_id: str):
        target = parse_id(host_id, "host")
        changes = validated(HostRequest, request, partial=True)
        host = services.update_host(request.user.org_id, target, changes)
        record(request, "host.update", target=host.slug, detail=sorted(changes))
        return Response(host_json(host))

    @extend_schema(
        summary="Remove a Docker host (not the default one)", responses=OpenApiTypes.OBJECT
    )
    def delete(self, request, host_id: str):
        target = parse_id(host_id, "host")
        services.delete_host(request.user.org_id, target)
        record(request, "host.delete", target=str(target))
        return Response({"ok": True})


class FleetOverviewView(TenantAPIView):
    """`GET /api/hosts/overview`: every host of the organisation with its latest sampled
    figures, and the totals across them (cached samples only)."""

    roles = {"get": Role.VIEWER}

    @extend_schema(
        summary="Overview across all hosts (from the latest samples)",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        return Response(fleet.overview(request.user.org_id))


class FleetContainersView(TenantAPIView):
    """`GET /api/hosts/containers`: the containers of every host, each row naming its host
    (cached samples only; `limit` default 500, `offset`)."""

    roles = {"get": Role.VIEWER}

    @extend_schema(
        summary="Containers across all hosts (from the latest samples)",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        limit, offset = page_params(request.query_params, default_limit=MAX_LIMIT)
        rows = fleet.containers(request.user.org_id)
        return Response({"containers": rows[offset : offset + limit], "total": len(rows)})


class HostPingView(TenantAPIView):
    """`GET /api/hosts/<id>/ping`: 200 when the host answers now, else its error (503 engine
    unavailable, 502 TLS handshake failed, 504 agent offline), naming the host."""

    roles = {"get": Role.VIEWER}

    @extend_schema(summary="Check that a Docker host answers now", responses=OpenApiTypes.OBJECT)
    def get(self, request, host_id: str):
        return Response(checks.ping(get_host(request.user.org_id, parse_id(host_id, "host"))))
