"""Reading an organisation's rules and events; every query is scoped to one organisation."""

from django.db.models import Count, QuerySet

from core.alerts.errors import EventNotFound, RuleNotFound
from core.alerts.models import AlertEvent, AlertRule, AlertState


def rules_of(org_id: int) -> QuerySet:
    return (
        AlertRule.objects.filter(org_id=org_id)
        .select_related("host")
        .order_by("-created_at", "-id")
    )


def get_rule(org_id: int, rule_id: int, *, for_update: bool = False) -> AlertRule:
    rows = rules_of(org_id)
    if for_update:
        rows = rows.select_for_update(of=("self",))
    rule = rows.filter(pk=rule_id).first()
    if rule is None:
        raise RuleNotFound()
    return rule


def active_states_of(rule: AlertRule) -> QuerySet:
    """The hosts on which the rule's alert is active (fired and not yet resolved)."""
    return (
        AlertState.objects.filter(rule=rule, notified_at__isnull=False)
        .select_related("host")
        .order_by("host__name")
    )


def events_of(
    org_id: int,
    *,
    severity: str | None = None,
    rule_id: int | None = None,
    host_id: int | None = None,
    acknowledged: bool | None = None,
) -> QuerySet:
    rows = AlertEvent.objects.filter(org_id=org_id)
    if severity is not None:
        rows = rows.filter(severity=severity)
    if rule_id is not None:
        rows = rows.filter(rule_id=rule_id)
    if host_id is not None:
        rows = rows.filter(host_id=host_id)
    if acknowledged is not None:
        rows = rows.filter(acknowledged_at__isnull=not acknowledged)
    return rows.order_by("-created_at", "-id")


def get_event(org_id: int, event_id: int) -> AlertEvent:
    event = AlertEvent.objects.filter(org_id=org_id, pk=event_id).first()
    if event is None:
        raise EventNotFound()
    return event


def active_alerts_by_severity() -> dict[str, dict[str, int]]:
    """`{org_slug: {severity: count}}` of active alerts, one per (rule, host): one query."""
    counts: dict[str, dict[str, int]] = {}
    rows = (
        AlertState.objects.filter(notified_at__isnull=False, rule__enabled=True)
        .values("rule__org__slug", "rule__severity")
        .annotate(count=Count("id"))
        .order_by("rule__org__slug", "rule__severity")
    )
    for row in rows:
        counts.setdefault(row["rule__org__slug"], {})[row["rule__severity"]] = row["count"]
    return counts
