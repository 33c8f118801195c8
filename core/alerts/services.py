"""Writing alert rules and acknowledging events. Views, admin and tasks call these.

Rule changes that make an alert's state meaningless drop it silently (no resolve event, as in
the original): deleting or disabling a rule, or changing its metric, operator or host scope.
A change of threshold, duration, band or severity keeps the state; the next sample applies
the new values.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.accounts.models import Organization
from core.alerts import inputs
from core.alerts.definitions import DEFAULT_SEVERITY, HARD_CAP
from core.alerts.errors import RuleInvalid
from core.alerts.inputs import MISSING, field
from core.alerts.models import AlertEvent, AlertRule, AlertState
from core.alerts.selectors import get_event, get_rule, rules_of
from core.editions.gates import enforce_limit

STATE_RESETTING_FIELDS = ("metric", "operator", "host_id")


@transaction.atomic
def create_rule(org_id: int, body: dict) -> AlertRule:
    """Checks in the original's order: edition limit (402), required fields, metric,
    severity, the hard cap of 100, operator; then the types of the other fields."""
    Organization.objects.select_for_update().filter(pk=org_id).first()  # serialise creates
    count = rules_of(org_id).count()
    enforce_limit(org_id, "alertRules", count)
    inputs.require_create_fields(body)
    metric = inputs.parse_metric(field(body, "metric"))
    severity = field(body, "severity")
    severity = DEFAULT_SEVERITY if inputs.is_blank(severity) else inputs.parse_severity(severity)
    if count >= HARD_CAP:
        raise RuleInvalid(f"Maximum {HARD_CAP} alert rules allowed")
    operator = inputs.parse_operator(field(body, "operator"))
    name = inputs.parse_name(field(body, "name"))
    threshold = inputs.parse_threshold(field(body, "threshold"))
    rule = AlertRule(
        org_id=org_id,
        name=name,
        metric=metric,
        operator=operator,
        threshold=threshold,
        severity=severity,
    )
    _apply_optional_fields(rule, body)
    inputs.check_clear_threshold(rule.operator, rule.threshold, rule.clear_threshold)
    rule.save()
    return rule


def _apply_optional_fields(rule: AlertRule, body: dict) -> None:
    value = field(body, "duration_seconds")
    if not inputs.is_blank(value):
        rule.duration_seconds = inputs.parse_seconds(value, "durationSeconds")
    value = field(body, "clear_threshold")
    if value is not MISSING:
        rule.clear_threshold = inputs.parse_clear_threshold(None if value == "" else value)
    value = field(body, "clear_duration_seconds")
    if not inputs.is_blank(value):
        rule.clear_duration_seconds = inputs.parse_seconds(value, "clearDurationSeconds")
    value = field(body, "enabled")
    if value is not MISSING:
        rule.enabled = inputs.parse_enabled(value)
    value = field(body, "host")
    if value is not MISSING:
        rule.host = inputs.parse_host(rule.org_id, None if value == "" else value)


@transaction.atomic
def update_rule(org_id: int, rule_id: int, body: dict) -> AlertRule:
    """PATCH: change the fields present (any of the create fields, under either name)."""
    unknown = sorted(set(body) - inputs.KNOWN_KEYS)
    if unknown:
        raise RuleInvalid(f"Unknown field: {unknown[0]}")
    rule = get_rule(org_id, rule_id, for_update=True)
    before = {name: getattr(rule, name) for name in STATE_RESETTING_FIELDS}
    before_enabled = rule.enabled
    if field(body, "name") is not MISSING:
        rule.name = inputs.parse_name(field(body, "name"))
    if field(body, "metric") is not MISSING:
        rule.metric = inputs.parse_metric(field(body, "metric"))
    if field(body, "operator") is not MISSING:
        rule.operator = inputs.parse_operator(field(body, "operator"))
    if field(body, "threshold") is not MISSING:
        rule.threshold = inputs.parse_threshold(field(body, "threshold"))
    if field(body, "severity") is not MISSING:
        rule.severity = inputs.parse_severity(field(body, "severity"))
    _apply_optional_fields(rule, body)
    inputs.check_clear_threshold(rule.operator, rule.threshold, rule.clear_threshold)
    rule.updated_at = timezone.now()
    rule.save()
    after = {name: getattr(rule, name) for name in STATE_RESETTING_FIELDS}
    if after != before or (before_enabled and not rule.enabled):
        drop_states(rule)
    return rule


def drop_states(rule: AlertRule) -> int:
    deleted, _ = AlertState.objects.filter(rule=rule).delete()
    return deleted


@transaction.atomic
def set_enabled(org_id: int, rule_id: int, enabled: bool) -> AlertRule:
    rule = get_rule(org_id, rule_id, for_update=True)
    rule.enabled = enabled
    rule.updated_at = timezone.now()
    rule.save(update_fields=["enabled", "updated_at"])
    if not enabled:
        drop_states(rule)
    return rule


def delete_rule(org_id: int, rule_id: int) -> AlertRule:
    """Deletes the rule and its states; past events keep their copy of its name."""
    rule = get_rule(org_id, rule_id)
    rule.delete()
    return rule


@transaction.atomic
def acknowledge_event(org_id: int, event_id: int, by: str) -> tuple[AlertEvent, bool]:
    """(event, newly acknowledged). Acknowledging again keeps the first who and when."""
    get_event(org_id, event_id)
    now = timezone.now()
    updated = AlertEvent.objects.filter(
        org_id=org_id, pk=event_id, acknowledged_at__isnull=True
    ).update(acknowledged_at=now, acknowledged_by=(by or "")[:256])
    return get_event(org_id, event_id), bool(updated)


def prune_events(now=None) -> int:
    """Delete events older than ALERT_EVENT_RETENTION_DAYS; returns how many went."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ALERT_EVENT_RETENTION_DAYS)
    deleted, _ = AlertEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted
