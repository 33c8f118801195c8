"""The alert state machine of spec §6.3-6.4 as a pure function: one rule, its state on one
host, one sampled value in; the next state and what to do out. No I/O: `evaluation` loads and
stores the state and announces what happens.

Semantics (each sample, for a rule whose metric has a reading):

- Breaching: the first breach starts the alert (`triggered_at`); breaching also forgets any
  clearing progress. It fires once `triggered_at` is `duration_seconds` old (time since the
  first breach, not continuous breach) and the last notification is at least 15 minutes old,
  so a continuing breach reminds every 15 minutes.
- Not breaching, `==` rules and `container_stopped` rules: debounced; 2 consecutive
  non-breaching samples resolve.
- Not breaching, other rules: hysteresis. The alert clears only in the clear zone (below the
  band for `>`/`>=`, above it for `<`/`<=`; band = `clear_threshold`, else threshold ∓
  max(5 % of |threshold|, 1): `> 90` clears below 85.5, `> 10` below 9) and only after
  `clear_duration_seconds` in that zone. Between threshold and band the alert stays active
  and the clearing clock restarts; a re-breach continues the same alert (no immediate fire:
  the cooldown applies, `triggered_at` is kept).
- Resolving drops the state; it is announced (RESOLVE) only if the alert had notified,
  otherwise it ends silently. The next breach starts afresh and fires at once.
- Cold start (`cold_start=True`, see `evaluation`): a breach found with no state is taken as
  already notified, so it stays silent for the cooldown (then reminds) and resolves loudly.

Equality (§14.29): readings are floats, so `==` means equal within EQUALITY_ABS_TOLERANCE
(1e-6) or a relative 1e-9, whichever is larger: `0.1 + 0.2 == 0.3` holds, `50.01 == 50` does
not. `>=`/`<=` include that equality and `>`/`<` exclude it, so the five operators agree.
"""

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

COOLDOWN = timedelta(minutes=15)
DEBOUNCE_SAMPLES = 2
EQUALITY_ABS_TOLERANCE = 1e-6
EQUALITY_REL_TOLERANCE = 1e-9
BAND_FRACTION = 0.05
BAND_MINIMUM = 1.0

FIRE = "fire"
RESOLVE = "resolve"


@dataclass(frozen=True, slots=True)
class Rule:
    metric: str
    operator: str
    threshold: float
    duration_seconds: int = 0
    clear_threshold: float | None = None
    clear_duration_seconds: int = 0


@dataclass(frozen=True, slots=True)
class State:
    triggered_at: datetime
    notified_at: datetime | None = None
    clearing_since: datetime | None = None
    clear_ticks: int = 0


@dataclass(frozen=True, slots=True)
class Step:
    state: State | None  # None: no alert (never started, or just ended)
    action: str | None = None  # FIRE, RESOLVE or None


def equal(value: float, threshold: float) -> bool:
    return math.isclose(
        value, threshold, rel_tol=EQUALITY_REL_TOLERANCE, abs_tol=EQUALITY_ABS_TOLERANCE
    )


def breaches(operator: str, value: float, threshold: float) -> bool:
    same = equal(value, threshold)
    if operator == "==":
        return same
    if operator == ">":
        return value > threshold and not same
    if operator == ">=":
        return value > threshold or same
    if operator == "<":
        return value < threshold and not same
    if operator == "<=":
        return value < threshold or same
    raise ValueError(f"unknown operator {operator!r}")


def debounced(rule: Rule) -> bool:
    """Rules resolved by consecutive clear samples instead of a hysteresis band."""
    return rule.operator == "==" or rule.metric == "container_stopped"


def clear_band(rule: Rule) -> float:
    if rule.clear_threshold is not None:
        return rule.clear_threshold
    margin = max(abs(rule.threshold) * BAND_FRACTION, BAND_MINIMUM)
    return rule.threshold - margin if rule.operator in (">", ">=") else rule.threshold + margin


def in_clear_zone(rule: Rule, value: float) -> bool:
    band = clear_band(rule)
    return value < band if rule.operator in (">", ">=") else value > band


def advance(
    rule: Rule, state: State | None, value: float, now: datetime, *, cold_start: bool = False
) -> Step:
    if breaches(rule.operator, value, rule.threshold):
        if state is None:
            state = State(triggered_at=now, notified_at=now if cold_start else None)
        elif state.clearing_since is not None or state.clear_ticks:
            state = replace(state, clearing_since=None, clear_ticks=0)
        due = now - state.triggered_at >= timedelta(seconds=rule.duration_seconds)
        cooled = state.notified_at is None or now - state.notified_at >= COOLDOWN
        if due and cooled:
            return Step(replace(state, notified_at=now), FIRE)
        return Step(state)
    if state is None:
        return Step(None)
    if debounced(rule):
        ticks = state.clear_ticks + 1
        if ticks >= DEBOUNCE_SAMPLES:
            return _ended(state)
        return Step(replace(state, clear_ticks=ticks))
    if in_clear_zone(rule, value):
        since = state.clearing_since or now
        if now - since >= timedelta(seconds=rule.clear_duration_seconds):
            return _ended(state)
        return Step(state if state.clearing_since else replace(state, clearing_since=since))
    if state.clearing_since is not None:
        return Step(replace(state, clearing_since=None))
    return Step(state)


def _ended(state: State) -> Step:
    return Step(None, RESOLVE if state.notified_at is not None else None)
