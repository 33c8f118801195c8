"""Container routes (spec §3.3): thin views over core.docker, on the request's host."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.accounts.models import Role
from core.api.base import TenantAPIView
from core.audit.services import record
from core.containers import bulk, exec_policy, host_cache, log_search, params
from core.containers import snapshot as container_snapshot
from core.containers.rendering import snapshot_response
from core.containers.streaming import follow_response
from core.docker import containers, logs, rebuild
from core.docker.exec import run_command
from core.docker.self_protection import refuse_self
from core.http.ratelimit import StrictRateLimit

OK = {"ok": True}


class ContainerAPIView(TenantAPIView):
    """Validates the `<container_id>` path value with the original's 400 before anything."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if "container_id" in kwargs:
            params.container_id(kwargs["container_id"])


async def list_from_memory(request, principal) -> HttpResponse | None:
    """The fast path of `GET /api/containers` (core.containers.fast_read)."""
    host = host_cache.cached(principal.org_id, request.GET.get("host"))
    snapshot = await container_snapshot.apeek(host) if host is not None else None
    return snapshot_response(request, snapshot) if snapshot is not None else None


class ContainerListView(TenantAPIView):
    roles = {"get": Role.VIEWER}

    @extend_schema(
        operation_id="containers_list",
        summary="List containers (all states, with sizes)",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        host = host_cache.host_for(request.user.org_id, request.query_params.get("host"))
        return snapshot_response(request, container_snapshot.current(host))


class ContainerView(ContainerAPIView):
    roles = {"get": Role.VIEWER, "delete": Role.ADMIN}
    throttle_classes = [StrictRateLimit]

    @extend_schema(
        summary="Container detail: inspect, stats, exit code", responses=OpenApiTypes.OBJECT
    )
    def get(self, request, container_id):
        return Response(containers.container_detail(self.get_host(), container_id))

    @extend_schema(
        summary="Remove a container (force=true for a running one)", responses=OpenApiTypes.OBJECT
    )
    def delete(self, request, container_id):
        host = self.get_host()
        force = params.flag(request.query_params, "force", False)
        refuse_self(host, container_id)
        containers.remove(host, container_id, force=force)
        container_snapshot.mark_stale(host)
        record(request, "container.remove", container_id, "forced" if force else "")
        return Response(OK)


class ContainerBulkView(ContainerView):
    """`POST /api/containers/bulk`; other methods treat "bulk" as a container name."""

    roles = {**ContainerView.roles, "post": Role.OPERATOR}

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        summary="Start, stop or restart up to 20 containers",
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request, container_id):
        ids, action = bulk.parse(params.body(request))
        host = self.get_host()
        result = bulk.run(host, ids, action)
        container_snapshot.mark_stale(host)
        record(request, f"container.bulk.{action}", ",".join(ids), f"{len(ids)} containers")
        return Response(result)


class ContainerLogsView(ContainerAPIView):
    roles = {"get": Role.VIEWER}

    @extend_schema(
        summary="Container logs (follow=true streams Server-Sent Events)",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, container_id):
        query = params.log_query(request.query_params)
        host = self.get_host()
        if params.flag(request.query_params, "follow", False):
            return follow_response(request, host, container_id, query)
        return Response({"lines": logs.read_logs(host, container_id, query)})


class ContainerLogSearchView(ContainerAPIView):
    roles = {"get": Role.VIEWER}

    @extend_schema(summary="Search the last 1000 log lines", responses=OpenApiTypes.OBJECT)
    def get(self, request, container_id):
        search = log_search.parse(request.query_params)
        matches = log_search.matcher(search)
        query = logs.LogQuery(tail=log_search.SEARCH_LINES)
        lines = logs.read_logs(self.get_host(), container_id, query)
        return Response(log_search.run(search, matches, lines))


class ContainerTopView(ContainerAPIView):
    roles = {"get": Role.VIEWER}

    @extend_schema(summary="Processes running in a container", responses=OpenApiTypes.OBJECT)
    def get(self, request, container_id):
        return Response(containers.top(self.get_host(), container_id))


class ContainerActionView(ContainerAPIView):
    """start, stop, restart, pause, unpause: `{"ok": true}`; the engine's 304 stays a 304."""

    roles = {"post": Role.OPERATOR}
    throttle_classes = [StrictRateLimit]
    action_name = ""

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        summary="Start, stop, restart, pause or unpause a container",
        responses={200: OpenApiTypes.OBJECT, 304: None},  # 304: already in that state
    )
    def post(self, request, container_id):
        host = self.get_host()
        refuse_self(host, container_id)
        if self.action_name in ("stop", "restart"):
            seconds = params.stop_seconds(request.query_params)
            getattr(containers, self.action_name)(host, container_id, seconds)
        else:
            getattr(containers, self.action_name)(host, container_id)
        container_snapshot.mark_stale(host)
        record(request, f"container.{self.action_name}", container_id)
        return Response(OK)


class ContainerExecView(ContainerAPIView):
    roles = {"post": Role.ADMIN}
    throttle_classes = [StrictRateLimit]

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        summary="Run an allow-listed command in a container",
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request, container_id):
        command = params.body(request).get("command")
        argv = exec_policy.argv_for(command)
        host = self.get_host()
        refuse_self(host, container_id)
        result = run_command(host, container_id, argv)
        record(request, "container.exec", container_id, command.strip())
        return Response(result)


class ContainerRebuildView(ContainerAPIView):
    """Pulls the image, then recreates the container. `pull: false` (body or query) uses the
    image already on the host instead."""

    roles = {"post": Role.ADMIN}
    throttle_classes = [StrictRateLimit]

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        summary="Pull the image and recreate the container",
        responses=OpenApiTypes.OBJECT,
    )
    def post(self, request, container_id):
        data = params.body(request)
        pull = data.get("pull", params.flag(request.query_params, "pull", True))
        if not isinstance(pull, bool):
            raise params.BadRequest("pull must be true or false")
        host = self.get_host()
        result = rebuild.rebuild(host, container_id, use_local=not pull)
        container_snapshot.mark_stale(host)
        record(request, "container.rebuild", container_id, f"Image: {result['image']}")
        return Response(result)
