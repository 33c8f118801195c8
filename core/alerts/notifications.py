"""What a rule firing or resolving announces, once the transaction that recorded the event
commits (spec §6.3, §14.26):

- the live stream: event `alert` with `{type: "alert_rule_fired" | "alert_rule_resolved",
  ruleId, eventId, ruleName, metric, value, threshold, severity, hostId, hostName, message,
  timestamp}` (kept for Last-Event-ID replay);
- webhooks: `alert.fired` / `alert.resolved` with the same payload;
- push: title `Alert: <name>` (data `{type: "alert_rule", ruleId, eventId, severity}`, the
  rule's severity) or `✓ <name> resolved` (data `{type: "resolve", ruleId, eventId}`, info).

A failing channel is logged and never stops the others or the evaluation.
"""

import logging
from functools import partial

from django.db import transaction

from core.alerts.definitions import RESOLVED_SEVERITY, EventKind
from core.alerts.models import AlertEvent
from core.push.services import notify
from core.stream.publish import publish
from core.webhooks.services import dispatch

log = logging.getLogger(__name__)

STREAM_EVENT = "alert"
WEBHOOK_EVENTS = {EventKind.FIRED: "alert.fired", EventKind.RESOLVED: "alert.resolved"}
STREAM_TYPES = {EventKind.FIRED: "alert_rule_fired", EventKind.RESOLVED: "alert_rule_resolved"}


def _iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def payload(event: AlertEvent) -> dict:
    return {
        "type": STREAM_TYPES[event.kind],
        "ruleId": event.rule_id,
        "eventId": event.pk,
        "ruleName": event.rule_name,
        "metric": event.metric,
        "value": event.value,
        "threshold": event.threshold,
        "severity": event.severity,
        "hostId": event.host_id,
        "hostName": event.host_name,
        "message": event.message,
        "timestamp": _iso(event.created_at),
    }


def push_message(event: AlertEvent, rule_severity: str) -> tuple[str, str, dict, str]:
    """(title, body, data, severity) of the push notification for an event."""
    if event.kind == EventKind.FIRED:
        data = {
            "type": "alert_rule",
            "ruleId": event.rule_id,
            "eventId": event.pk,
            "severity": rule_severity,
        }
        return f"Alert: {event.rule_name}", event.message, data, rule_severity
    data = {"type": "resolve", "ruleId": event.rule_id, "eventId": event.pk}
    return f"✓ {event.rule_name} resolved", event.message, data, RESOLVED_SEVERITY


def announce(event: AlertEvent, *, rule_severity: str) -> None:
    body = payload(event)
    transaction.on_commit(partial(_publish, event.org_id, body), robust=True)
    try:
        dispatch(event.org_id, WEBHOOK_EVENTS[event.kind], body)  # enqueues on commit
    except Exception:
        log.exception("webhooks for alert event %s not dispatched", event.pk)
    notify(event.org_id, *push_message(event, rule_severity))  # never raises; sends on commit


def _publish(org_id: int, body: dict) -> None:
    publish(org_id, STREAM_EVENT, body)
