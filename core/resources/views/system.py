"""`/api/overview` and `/api/system/*`."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.api.base import TenantAPIView
from core.audit.services import record
from core.containers import host_cache
from core.containers.rendering import render
from core.docker import system
from core.hostmetrics.metrics import system_metrics
from core.http.ratelimit import StrictRateLimit
from core.resources import overview
from core.resources.params import READ, WRITE, body_flag


async def overview_from_memory(request, principal) -> HttpResponse | None:
    """The fast path of `GET /api/overview` (core.containers.fast_read)."""
    host = host_cache.cached(principal.org_id, request.GET.get("host"))
    data = await overview.overview_from_memory(host) if host is not None else None
    if data is None:
        return None
    return HttpResponse(render(data), content_type="application/json")


class OverviewView(TenantAPIView):
    roles = {"get": READ}

    @extend_schema(
        summary="Dashboard: host figures, container and stack counts", responses=OpenApiTypes.OBJECT
    )
    def get(self, request):
        host = host_cache.host_for(request.user.org_id, request.query_params.get("host"))
        return Response(overview.overview(host))


class SystemMetricsView(TenantAPIView):
    roles = {"get": READ}

    @extend_schema(
        summary="Host CPU, memory, disk, load and uptime (SystemMetrics)",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        return Response(system_metrics())


class SystemDockerView(TenantAPIView):
    roles = {"get": READ}

    @extend_schema(summary="The engine's raw info and disk usage", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(system.docker_info(self.get_host()))


class SystemDiskView(TenantAPIView):
    roles = {"get": READ}

    @extend_schema(summary="Engine disk usage per kind, in bytes", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(system.disk_usage(self.get_host()))


class SystemPruneView(TenantAPIView):
    roles = {"post": WRITE}
    throttle_classes = [StrictRateLimit]

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        summary="Prune stopped containers, dangling images, unused networks "
        '(and unused volumes with `{"includeVolumes": true}`)',
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request):
        result = system.prune_system(
            self.get_host(), include_volumes=body_flag(request, "includeVolumes")
        )
        record(request, "system.prune", detail=f"Reclaimed: {result['totalReclaimed']} bytes")
        return Response(result)
