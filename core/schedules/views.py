"""`/api/schedules`: cron-scheduled container actions (spec §3.8) plus edit and run-now.

Run-now is asynchronous: `POST /api/schedules/<id>/run` writes a `queued` run, answers 202
with its id, and a worker executes it; `GET /api/schedules/history` shows the outcome.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from core.accounts.models import Role
from core.api.base import HostNotFound, TenantAPIView
from core.api.body import enabled_unless_false, json_object_or_empty
from core.api.ids import parse_id
from core.audit.services import record
from core.hosts.models import DockerHost
from core.http.pagination import page_params
from core.schedules import services
from core.schedules.errors import ScheduleInvalid
from core.schedules.models import RunStatus, Trigger
from core.schedules.presenters import run_json, schedule_json
from core.schedules.selectors import get_schedule, history_of, schedules_of

JSON = OpenApiTypes.OBJECT
DEFAULT_HISTORY_LIMIT = 50


def schedule_id_of(raw: str) -> int:
    return parse_id(raw, "schedule")


class ScheduleAPIView(TenantAPIView):
    def body_host(self, body: dict) -> DockerHost | None:
        """The host named by the body's `host` (a slug), None when it names none."""
        slug = body.get("host")
        if slug is None:
            return None
        if not isinstance(slug, str) or not slug:
            raise ScheduleInvalid("host must be a host slug", field="host")
        host = DockerHost.objects.filter(org_id=self.request.user.org_id, slug=slug).first()
        if host is None:
            raise HostNotFound()
        return host


class ScheduleListView(ScheduleAPIView):
    roles = {"get": Role.VIEWER, "post": Role.ADMIN}

    @extend_schema(operation_id="schedules_list", summary="List schedules, newest first",
                   responses=JSON)  # fmt: skip
    def get(self, request):
        rows = schedules_of(request.user.org_id)
        return Response({"schedules": [schedule_json(schedule) for schedule in rows]})

    @extend_schema(
        summary="Create a schedule (name, containerId and containerName or a stack, action, "
        "cronExpression; optional timezone, enabled, host)",
        request=JSON,
        responses={201: JSON},
    )
    def post(self, request):
        body = json_object_or_empty(request)
        host = self.body_host(body) or self.get_host()
        schedule = services.create_schedule(
            request.user.org_id, host, body, created_by=request.user.audit_name
        )
        record(
            request,
            "schedule.create",
            target=schedule.name,
            detail=f"{schedule.action} {schedule.container_name} @ {schedule.cron_expression}",
        )
        return Response(schedule_json(schedule), status=status.HTTP_201_CREATED)


class ScheduleDetailView(ScheduleAPIView):
    roles = {"get": Role.VIEWER, "patch": Role.ADMIN, "delete": Role.ADMIN}

    @extend_schema(summary="One schedule", responses=JSON)
    def get(self, request, schedule_id: str):
        schedule = get_schedule(request.user.org_id, schedule_id_of(schedule_id))
        return Response(schedule_json(schedule))

    @extend_schema(
        summary="Change name, containerId, containerName, stack, action, cronExpression, timezone, "
        "enabled or host; beat picks the change up without a restart",
        request=JSON,
        responses=JSON,
    )
    def patch(self, request, schedule_id: str):
        body = json_object_or_empty(request)
        schedule, changed = services.update_schedule(
            request.user.org_id, schedule_id_of(schedule_id), body, host=self.body_host(body)
        )
        if changed:
            record(request, "schedule.update", target=schedule.name, detail={"changed": changed})
        return Response(schedule_json(schedule))

    @extend_schema(summary="Delete a schedule (its history stays)", responses=JSON)
    def delete(self, request, schedule_id: str):
        schedule = services.delete_schedule(request.user.org_id, schedule_id_of(schedule_id))
        record(request, "schedule.delete", target=schedule.name, detail=schedule.cron_expression)
        return Response({"ok": True})


class ScheduleToggleView(ScheduleAPIView):
    roles = {"put": Role.ADMIN}

    @extend_schema(
        summary="Enable or disable (`enabled`: anything but false enables)",
        request=JSON,
        responses=JSON,
    )
    def put(self, request, schedule_id: str):
        enabled = enabled_unless_false(request)
        schedule = services.set_enabled(request.user.org_id, schedule_id_of(schedule_id), enabled)
        record(
            request,
            "schedule.toggle",
            target=schedule.name,
            detail="enabled" if enabled else "disabled",
        )
        return Response(schedule_json(schedule))


class ScheduleRunView(ScheduleAPIView):
    roles = {"post": Role.ADMIN}

    @extend_schema(
        summary="Run the action now: queued for a worker; 202 with the run id",
        request=JSON,
        responses={202: JSON},
    )
    def post(self, request, schedule_id: str):
        run = services.request_run(
            request.user.org_id, schedule_id_of(schedule_id), request.user.audit_name
        )
        record(request, "schedule.run", target=run.schedule_name, detail={"runId": run.pk})
        return Response(
            {"ok": True, "runId": run.pk, "status": run.status, "run": run_json(run)},
            status=status.HTTP_202_ACCEPTED,
        )


def _history_filters(query) -> dict:
    filters = {}
    if query.get("scheduleId"):
        filters["schedule_id"] = schedule_id_of(query["scheduleId"])
    if query.get("containerId"):
        filters["container_id"] = query["containerId"][:128]
    if query.get("success"):
        if query["success"] not in ("true", "false"):
            raise ScheduleInvalid("success must be true or false")
        filters["success"] = query["success"] == "true"
    if query.get("triggeredBy"):
        if query["triggeredBy"] not in Trigger.values:
            raise ScheduleInvalid("triggeredBy must be cron or manual")
        filters["triggered_by"] = query["triggeredBy"]
    if query.get("status"):
        if query["status"] not in RunStatus.values:
            raise ScheduleInvalid(f"status must be one of {', '.join(RunStatus.values)}")
        filters["status"] = query["status"]
    return filters


class ScheduleHistoryView(TenantAPIView):
    roles = {"get": Role.VIEWER}

    @extend_schema(
        summary="Runs, newest first",
        responses=JSON,
        parameters=[
            OpenApiParameter("limit", int, description="1-500, default 50"),
            OpenApiParameter("offset", int, description="Default 0"),
            OpenApiParameter("scheduleId", int),
            OpenApiParameter("containerId", str),
            OpenApiParameter("success", bool),
            OpenApiParameter("triggeredBy", str, description="cron or manual"),
            OpenApiParameter("status", str, description="queued, running, succeeded, failed"),
        ],
    )
    def get(self, request):
        limit, offset = page_params(request.query_params, default_limit=DEFAULT_HISTORY_LIMIT)
        rows = history_of(request.user.org_id, _history_filters(request.query_params))
        return Response(
            {
                "history": [run_json(run) for run in rows[offset : offset + limit]],
                "total": rows.count(),
                "limit": limit,
                "offset": offset,
            }
        )
