"""`/api/alerts/...`: rules (spec §3.6 plus detail and PATCH) and events (list with filters,
detail, acknowledgement)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from core.accounts.models import Role
from core.alerts import presenters, selectors, services
from core.alerts.definitions import SEVERITIES
from core.alerts.errors import EventIdInvalid, FilterInvalid
from core.api.base import TenantAPIView
from core.api.body import enabled_unless_false, json_object_or_empty
from core.api.ids import MAX_DIGITS, parse_id
from core.audit.services import record
from core.hosts.errors import HostNotFound
from core.hosts.models import DockerHost
from core.http.pagination import page_params
from core.http.ratelimit import StrictRateLimit

JSON = OpenApiTypes.OBJECT
DEFAULT_EVENT_LIMIT = 50


def rule_id_of(raw: str) -> int:
    return parse_id(raw, "rule")


def event_id_of(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or len(raw) > MAX_DIGITS or int(raw) < 1:
        raise EventIdInvalid()
    return int(raw)


class RuleListView(TenantAPIView):
    roles = {"get": Role.VIEWER, "post": Role.ADMIN}

    @extend_schema(summary="Alert rules, newest first", operation_id="alert_rules_list",
                   responses=JSON)  # fmt: skip
    def get(self, request):
        rules = selectors.rules_of(request.user.org_id)
        return Response({"rules": [presenters.rule_json(rule) for rule in rules]})

    @extend_schema(summary="Create an alert rule", request=JSON, responses={201: JSON})
    def post(self, request):
        rule = services.create_rule(request.user.org_id, json_object_or_empty(request))
        record(request, "alert.rule.create", target=rule.name, detail={"id": rule.pk})
        return Response(presenters.created_rule_json(rule), status=status.HTTP_201_CREATED)


class RuleDetailView(TenantAPIView):
    roles = {"get": Role.VIEWER, "patch": Role.ADMIN, "delete": Role.ADMIN}

    def get_throttles(self):
        """The strict limit applies to the destructive method only."""
        return [StrictRateLimit()] if self.request.method == "DELETE" else super().get_throttles()

    @extend_schema(summary="One alert rule, with the hosts where it is active", responses=JSON)
    def get(self, request, rule_id: str):
        rule = selectors.get_rule(request.user.org_id, rule_id_of(rule_id))
        row = presenters.rule_json(rule)
        row["active"] = [
            presenters.active_state_json(state) for state in selectors.active_states_of(rule)
        ]
        return Response({"rule": row})

    @extend_schema(summary="Change some fields of an alert rule", request=JSON, responses=JSON)
    def patch(self, request, rule_id: str):
        rule = services.update_rule(
            request.user.org_id, rule_id_of(rule_id), json_object_or_empty(request)
        )
        record(request, "alert.rule.update", target=rule.name, detail={"id": rule.pk})
        return Response({"rule": presenters.rule_json(rule)})

    @extend_schema(summary="Delete an alert rule (its events stay)", responses=JSON)
    def delete(self, request, rule_id: str):
        rule_pk = rule_id_of(rule_id)
        rule = services.delete_rule(request.user.org_id, rule_pk)
        record(request, "alert.rule.delete", target=rule.name, detail={"id": rule_pk})
        return Response({"ok": True})


class RuleToggleView(TenantAPIView):
    roles = {"put": Role.ADMIN}

    @extend_schema(
        summary="Enable or disable (`enabled`: anything but false enables)",
        request=JSON,
        responses=JSON,
    )
    def put(self, request, rule_id: str):
        enabled = enabled_unless_false(request)
        rule = services.set_enabled(request.user.org_id, rule_id_of(rule_id), enabled)
        record(
            request,
            "alert.rule.toggle",
            target=rule.name,
            detail="enabled" if enabled else "disabled",
        )
        return Response({"ok": True, "enabled": rule.enabled})


def _event_filters(request) -> dict:
    params = request.query_params
    filters = {}
    severity = params.get("severity")
    if severity:
        if severity not in SEVERITIES:
            raise FilterInvalid(f"Invalid severity: {severity}")
        filters["severity"] = severity
    rule = params.get("rule")
    if rule:
        filters["rule_id"] = rule_id_of(rule)
    host = params.get("host")
    if host:
        found = DockerHost.objects.filter(org_id=request.user.org_id, slug=host).first()
        if found is None:
            raise HostNotFound()
        filters["host_id"] = found.pk
    acknowledged = params.get("acknowledged")
    if acknowledged:
        if acknowledged not in ("true", "false"):
            raise FilterInvalid("acknowledged must be true or false")
        filters["acknowledged"] = acknowledged == "true"
    return filters


class EventListView(TenantAPIView):
    roles = {"get": Role.VIEWER}

    @extend_schema(
        summary="Alert events, newest first",
        operation_id="alert_events_list",
        responses=JSON,
        parameters=[
            OpenApiParameter("limit", int, description="1-500, default 50"),
            OpenApiParameter("offset", int, description="Default 0"),
            OpenApiParameter("severity", str, description="info, warn or critical"),
            OpenApiParameter("rule", int, description="Rule id"),
            OpenApiParameter("host", str, description="Host slug"),
            OpenApiParameter("acknowledged", str, description="true or false"),
        ],
    )
    def get(self, request):
        limit, offset = page_params(request.query_params, default_limit=DEFAULT_EVENT_LIMIT)
        rows = selectors.events_of(request.user.org_id, **_event_filters(request))
        return Response(
            {
                "events": [presenters.event_json(row) for row in rows[offset : offset + limit]],
                "total": rows.count(),
                "limit": limit,
                "offset": offset,
            }
        )


class EventDetailView(TenantAPIView):
    roles = {"get": Role.VIEWER}

    @extend_schema(summary="One alert event", responses=JSON)
    def get(self, request, event_id: str):
        event = selectors.get_event(request.user.org_id, event_id_of(event_id))
        return Response({"event": presenters.event_json(event)})


class EventAckView(TenantAPIView):
    roles = {"post": Role.OPERATOR}

    @extend_schema(
        summary="Acknowledge an alert event (again: keeps the first who and when)",
        request=None,
        responses=JSON,
    )
    def post(self, request, event_id: str):
        event, newly = services.acknowledge_event(
            request.user.org_id, event_id_of(event_id), request.user.audit_name
        )
        if newly:
            record(request, "alert.event.ack", target=str(event.pk), detail=event.rule_name)
        return Response({"event": presenters.event_json(event)})
