"""Evaluating an organisation's alert rules against one host sample:

    from core.alerts.evaluation import evaluate
    evaluate(host, {"cpu_percent": 93.1, "memory_percent": 41.0, "disk_percent": 77.5,
                    "load_1": 0.8, "container_stopped": 2}, sampled_at)

The sampler calls it once per host sample. `values` maps each watched metric to its reading;
a missing key, None or a non-finite number means no reading, and rules on that metric are left
exactly as they were. `sampled_at` must be timezone-aware (else ValueError): durations and
cooldowns are measured in sample time, and events carry it as their `created_at`. A failing
notification channel never raises here; database errors propagate to the caller.

Rules evaluated: the organisation's enabled rules scoped to this host or to every host. The
state machine is `core.alerts.engine`; what a fire or resolve announces is
`core.alerts.notifications`. Nothing at all is evaluated or recorded while the organisation is
in maintenance (spec §6.6), so a breach that starts in maintenance fires on the first sample
after it, with no cooldown carried over.

Persistence (spec §14.27). The state of each (rule, host) pair is an AlertState row, written in
the same transaction as the events it produces, so a restart of every process neither loses an
active alert (it still resolves later) nor fires it again (its cooldown is in the row).

Concurrency. Each pass first claims the sample with a conditional UPDATE of the host's
EvaluatedHost cursor (`last_sampled_at < sampled_at`), inside the pass's transaction: on
PostgreSQL the row lock serialises passes over one host, on SQLite the write lock does. A
second worker evaluating the same sample (or an older one) claims nothing and returns, so a
sample never fires twice.

Cold start (spec §6.4). The original lost its state on restart, so it silenced whatever was
breaching at boot for one cooldown. Here state survives restarts, so a breaching rule without
state really is a new breach and fires at once. The guard is kept for the only case where the
past is unknown: the first pass ever over a host (new host, or first start after an upgrade).
That pass gives rules that breach and have no state `notified_at = now`: silent for 15
minutes, then a reminder while the breach lasts, and a resolve event when it ends. Every later
pass, after a restart too, is warm. The cursor is advanced in maintenance as well, so leaving
maintenance is never a cold start.
"""

import logging
import math
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q

from core.alerts import engine
from core.alerts.definitions import RESOLVED_SEVERITY, EventKind, number_text
from core.alerts.models import AlertEvent, AlertRule, AlertState, EvaluatedHost
from core.alerts.notifications import announce
from core.maintenance.services import is_on

log = logging.getLogger(__name__)

BATCH_SIZE = 500
RULE_FIELDS = (
    "id", "name", "metric", "operator", "threshold", "duration_seconds", "severity",
    "clear_threshold", "clear_duration_seconds",
)  # fmt: skip
STATE_FIELDS = ("id", "rule_id", "triggered_at", "notified_at", "clearing_since", "clear_ticks")
CHANGED_STATE_FIELDS = [
    "triggered_at", "notified_at", "clearing_since", "clear_ticks", "last_value", "updated_at",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Outcome:
    rule: dict
    value: float
    action: str  # engine.FIRE or engine.RESOLVE


def evaluate(host, values: dict[str, float | None], sampled_at: datetime) -> None:
    if sampled_at.tzinfo is None:
        raise ValueError("sampled_at must be timezone-aware")
    try:
        _evaluate(host, values, sampled_at)
    except IntegrityError:
        # A rule deleted between our read and our commit (its state or event row then
        # violates a foreign key): the pass rolled back whole, run it once more.
        log.info("alert evaluation of host %s raced a rule change; retrying", host.pk)
        _evaluate(host, values, sampled_at)


def _evaluate(host, values: dict, sampled_at: datetime) -> None:
    with transaction.atomic():
        cold_start = _claim(host.pk, sampled_at)
        if cold_start is None:
            return  # this sample, or a newer one, has been evaluated already
        if is_on(host.org_id):
            return
        rules = list(
            AlertRule.objects.filter(org_id=host.org_id, enabled=True)
            .filter(Q(host__isnull=True) | Q(host_id=host.pk))
            .values(*RULE_FIELDS)
        )
        states = {
            row["rule_id"]: row
            for row in AlertState.objects.filter(host_id=host.pk).values(*STATE_FIELDS)
        }
        outcomes = _advance_all(host, rules, states, values, sampled_at, cold_start)
        _record(host, outcomes, sampled_at)


def _claim(host_id: int, sampled_at: datetime) -> bool | None:
    """Claim `sampled_at` for this host: False for a warm pass, True for the first pass ever
    (cold start), None if this sample or a newer one was claimed already."""
    claimed = EvaluatedHost.objects.filter(host_id=host_id, last_sampled_at__lt=sampled_at).update(
        last_sampled_at=sampled_at
    )
    if claimed:
        return False
    try:
        with transaction.atomic():
            EvaluatedHost.objects.create(
                host_id=host_id, first_sampled_at=sampled_at, last_sampled_at=sampled_at
            )
    except IntegrityError:
        return None
    return True


def _as_state(row: dict) -> engine.State:
    return engine.State(
        triggered_at=row["triggered_at"],
        notified_at=row["notified_at"],
        clearing_since=row["clearing_since"],
        clear_ticks=row["clear_ticks"],
    )


def _as_rule(row: dict) -> engine.Rule:
    return engine.Rule(
        metric=row["metric"],
        operator=row["operator"],
        threshold=row["threshold"],
        duration_seconds=row["duration_seconds"],
        clear_threshold=row["clear_threshold"],
        clear_duration_seconds=row["clear_duration_seconds"],
    )


def _advance_all(host, rules, states, values, now, cold_start) -> list[_Outcome]:
    """Run the state machine for every rule with a reading and write the state changes.
    Returns the fires and resolves to record."""
    created, changed, ended, outcomes = [], [], [], []
    evaluated = set()
    for rule in rules:
        value = values.get(rule["metric"])
        if value is None or not math.isfinite(value):
            continue  # no reading: the rule and its state stay as they are
        value = float(value)
        evaluated.add(rule["id"])
        before_row = states.get(rule["id"])
        before = _as_state(before_row) if before_row else None
        step = engine.advance(_as_rule(rule), before, value, now, cold_start=cold_start)
        if step.action:
            outcomes.append(_Outcome(rule, value, step.action))
        if step.state is None:
            if before_row:
                ended.append(before_row["id"])
        elif before_row is None:
            created.append(_state_row(None, rule["id"], host.pk, step.state, value, now))
        elif step.state != before:
            changed.append(
                _state_row(before_row["id"], rule["id"], host.pk, step.state, value, now)
            )
    # States whose rule is no longer enabled here (changed outside the services): dropped.
    active_rule_ids = {rule["id"] for rule in rules}
    ended.extend(row["id"] for rule_id, row in states.items() if rule_id not in active_rule_ids)
    if ended:
        AlertState.objects.filter(pk__in=ended).delete()
    if created:
        AlertState.objects.bulk_create(created, batch_size=BATCH_SIZE)
    if changed:
        AlertState.objects.bulk_update(changed, CHANGED_STATE_FIELDS, batch_size=BATCH_SIZE)
    return outcomes


def _state_row(pk, rule_id, host_id, state: engine.State, value, now) -> AlertState:
    return AlertState(
        pk=pk,
        rule_id=rule_id,
        host_id=host_id,
        triggered_at=state.triggered_at,
        notified_at=state.notified_at,
        clearing_since=state.clearing_since,
        clear_ticks=state.clear_ticks,
        last_value=value,
        updated_at=now,
    )


def fired_message(rule: dict, value: float) -> str:
    return (
        f"{rule['name']}: {rule['metric']} is {number_text(value)} "
        f"(threshold: {rule['operator']} {number_text(rule['threshold'])})"
    )


def resolved_message(rule: dict, value: float) -> str:
    return f"{rule['metric']} back to {number_text(value)}"


def _record(host, outcomes: list[_Outcome], now: datetime) -> None:
    if not outcomes:
        return
    events = []
    for outcome in outcomes:
        rule, fired = outcome.rule, outcome.action == engine.FIRE
        events.append(
            AlertEvent(
                org_id=host.org_id,
                rule_id=rule["id"],
                host_id=host.pk,
                kind=EventKind.FIRED if fired else EventKind.RESOLVED,
                rule_name=rule["name"],
                host_name=host.name,
                metric=rule["metric"],
                value=outcome.value,
                threshold=rule["threshold"],
                message=(fired_message if fired else resolved_message)(rule, outcome.value),
                severity=rule["severity"] if fired else RESOLVED_SEVERITY,
                created_at=now,
            )
        )
    AlertEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
    for outcome, event in zip(outcomes, events, strict=True):
        announce(event, rule_severity=outcome.rule["severity"])
