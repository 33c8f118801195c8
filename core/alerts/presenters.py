"""JSON shapes. Lists keep the original's snake_case field names (spec A.4) with clean values:
real booleans, ISO-8601 UTC timestamps (§14.45); the create answer is camelCase as the
original's was."""

from core.alerts.models import AlertEvent, AlertRule, AlertState


def iso(moment) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def rule_json(rule: AlertRule) -> dict:
    return {
        "id": rule.pk,
        "name": rule.name,
        "metric": rule.metric,
        "operator": rule.operator,
        "threshold": rule.threshold,
        "duration_seconds": rule.duration_seconds,
        "enabled": rule.enabled,
        "created_at": iso(rule.created_at),
        "updated_at": iso(rule.updated_at),
        "severity": rule.severity,
        "clear_threshold": rule.clear_threshold,
        "clear_duration_seconds": rule.clear_duration_seconds,
        "host_id": rule.host_id,
        "host": rule.host.slug if rule.host_id else None,
    }


def created_rule_json(rule: AlertRule) -> dict:
    return {
        "id": rule.pk,
        "name": rule.name,
        "metric": rule.metric,
        "operator": rule.operator,
        "threshold": rule.threshold,
        "durationSeconds": rule.duration_seconds,
        "severity": rule.severity,
        "clearThreshold": rule.clear_threshold,
        "clearDurationSeconds": rule.clear_duration_seconds,
        "enabled": rule.enabled,
        "hostId": rule.host_id,
        "host": rule.host.slug if rule.host_id else None,
    }


def active_state_json(state: AlertState) -> dict:
    return {
        "host_id": state.host_id,
        "host_name": state.host.name,
        "triggered_at": iso(state.triggered_at),
        "notified_at": iso(state.notified_at),
        "last_value": state.last_value,
    }


def event_json(event: AlertEvent) -> dict:
    return {
        "id": event.pk,
        "rule_id": event.rule_id,
        "rule_name": event.rule_name,
        "metric": event.metric,
        "value": event.value,
        "threshold": event.threshold,
        "message": event.message,
        "created_at": iso(event.created_at),
        "severity": event.severity,
        "kind": event.kind,
        "host_id": event.host_id,
        "host_name": event.host_name,
        "acknowledged": event.acknowledged_at is not None,
        "acknowledged_at": iso(event.acknowledged_at),
        "acknowledged_by": event.acknowledged_by or None,
    }
