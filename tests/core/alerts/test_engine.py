"""The state machine of spec §6.3-6.4 as a pure function, with synthetic samples."""

from datetime import UTC, datetime, timedelta

import pytest

from core.alerts.engine import (
    COOLDOWN,
    FIRE,
    RESOLVE,
    Rule,
    State,
    advance,
    breaches,
    clear_band,
    in_clear_zone,
)

T0 = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def run(rule: Rule, samples, *, state=None, cold_start_first=False):
    """Feed (seconds, value) samples; returns (actions per sample, final state)."""
    actions = []
    for index, (seconds, value) in enumerate(samples):
        step = advance(rule, state, value, at(seconds), cold_start=cold_start_first and index == 0)
        actions.append(step.action)
        state = step.state
    return actions, state


CPU_90 = Rule(metric="cpu_percent", operator=">", threshold=90)


@pytest.mark.parametrize(
    ("operator", "value", "threshold", "expected"),
    [
        (">", 91, 90, True), (">", 90, 90, False), (">", 89, 90, False),
        (">=", 90, 90, True), (">=", 89.99, 90, False),
        ("<", 9, 10, True), ("<", 10, 10, False),
        ("<=", 10, 10, True), ("<=", 10.01, 10, False),
        ("==", 3, 3, True), ("==", 2, 3, False),
        ("==", 0.1 + 0.2, 0.3, True), (">", 0.1 + 0.2, 0.3, False), (">=", 0.1 + 0.2, 0.3, True),
        ("==", 50.01, 50, False),
    ],
)  # fmt: skip
def test_operators(operator, value, threshold, expected):
    assert breaches(operator, value, threshold) is expected


def test_unknown_operator_is_refused():
    with pytest.raises(ValueError, match="unknown operator"):
        breaches("!=", 1, 2)


def test_no_breach_and_no_state_stays_quiet():
    assert run(CPU_90, [(0, 10), (15, 50)]) == ([None, None], None)


def test_fires_at_once_without_duration():
    actions, state = run(CPU_90, [(0, 95)])
    assert actions == [FIRE]
    assert state == State(triggered_at=at(0), notified_at=at(0))


def test_duration_does_not_fire_on_the_first_sample_then_fires():  # §13.14
    rule = Rule(metric="cpu_percent", operator=">", threshold=90, duration_seconds=30)
    actions, state = run(rule, [(0, 95), (15, 95), (30, 95), (45, 95)])
    assert actions == [None, None, FIRE, None]
    assert state.notified_at == at(30)


def test_duration_counts_from_the_first_breach_even_across_a_dip():  # §14.28, kept
    rule = Rule(metric="cpu_percent", operator=">", threshold=90, duration_seconds=30)
    actions, _ = run(rule, [(0, 95), (15, 88), (30, 95)])
    assert actions == [None, None, FIRE]


def test_reminder_every_15_minutes_while_breaching():
    samples = [(s, 95) for s in range(0, 31 * 60 + 1, 60)]
    actions, _ = run(CPU_90, samples)
    fired_at = [samples[i][0] for i, action in enumerate(actions) if action == FIRE]
    assert fired_at == [0, 15 * 60, 30 * 60]


def test_reminder_is_due_exactly_at_the_cooldown():
    state = State(triggered_at=at(0), notified_at=at(0))
    assert advance(CPU_90, state, 95, at(0) + COOLDOWN - timedelta(seconds=1)).action is None
    assert advance(CPU_90, state, 95, at(0) + COOLDOWN).action == FIRE


def test_hysteresis_keeps_the_alert_in_the_band():  # §13.15
    actions, state = run(CPU_90, [(0, 95), (15, 88), (30, 95)])
    assert actions == [FIRE, None, None]  # 88 is not below 85.5; re-breach is the same alert
    assert state.triggered_at == at(0)


def test_full_clear_resolves_and_next_breach_fires_at_once():  # §13.16
    actions, state = run(CPU_90, [(0, 95), (15, 10), (30, 95)])
    assert actions == [FIRE, RESOLVE, FIRE]
    assert state.triggered_at == at(30)


@pytest.mark.parametrize(
    ("threshold", "operator", "band"),
    [(90, ">", 85.5), (10, ">", 9), (90, ">=", 85.5), (10, "<", 11), (100, "<=", 105),
     (0, ">", -1), (-50, ">", -52.5)],
)  # fmt: skip
def test_default_band(threshold, operator, band):
    rule = Rule(metric="cpu_percent", operator=operator, threshold=threshold)
    assert clear_band(rule) == pytest.approx(band)


def test_band_examples_of_the_spec():
    above_90 = Rule(metric="cpu_percent", operator=">", threshold=90)
    assert not in_clear_zone(above_90, 85.5)
    assert in_clear_zone(above_90, 85.49)
    above_10 = Rule(metric="load_1", operator=">", threshold=10)
    assert not in_clear_zone(above_10, 9)
    assert in_clear_zone(above_10, 8.99)
    actions, _ = run(above_10, [(0, 11), (15, 9), (30, 8.9)])
    assert actions == [FIRE, None, RESOLVE]


def test_below_rules_clear_above_the_band():
    rule = Rule(metric="memory_percent", operator="<", threshold=10)
    actions, _ = run(rule, [(0, 5), (15, 10.5), (30, 11.5)])
    assert actions == [FIRE, None, RESOLVE]


def test_explicit_clear_threshold():
    rule = Rule(metric="cpu_percent", operator=">", threshold=90, clear_threshold=50)
    actions, _ = run(rule, [(0, 95), (15, 60), (30, 49)])
    assert actions == [FIRE, None, RESOLVE]


def test_clear_duration_blocks_early_resolution():  # §13.17
    rule = Rule(metric="cpu_percent", operator=">", threshold=90, clear_duration_seconds=3600)
    actions, state = run(rule, [(0, 95), (15, 10), (30, 10)])
    assert actions == [FIRE, None, None]
    assert state.clearing_since == at(15)


def test_clear_duration_resolves_once_elapsed_and_restarts_after_leaving_the_zone():
    rule = Rule(metric="cpu_percent", operator=">", threshold=90, clear_duration_seconds=60)
    # in the zone at 15, back in the band at 45 (clock restarts), zone again from 60
    actions, _ = run(rule, [(0, 95), (15, 10), (45, 88), (60, 10), (105, 10), (120, 10)])
    assert actions == [FIRE, None, None, None, None, RESOLVE]


def test_a_breach_forgets_clearing_progress():
    rule = Rule(metric="cpu_percent", operator=">", threshold=90, clear_duration_seconds=60)
    actions, _state = run(rule, [(0, 95), (15, 10), (30, 95), (45, 10), (90, 10), (105, 10)])
    assert actions == [FIRE, None, None, None, None, RESOLVE]


def test_container_stopped_is_debounced():  # §13.18
    rule = Rule(metric="container_stopped", operator=">", threshold=0)
    actions, state = run(rule, [(0, 1), (15, 0)])
    assert actions == [FIRE, None]
    assert state.clear_ticks == 1
    actions, state = run(rule, [(30, 0)], state=state)
    assert actions == [RESOLVE]
    assert state is None


def test_debounce_needs_consecutive_clear_samples():
    rule = Rule(metric="container_stopped", operator=">", threshold=0)
    actions, state = run(rule, [(0, 2), (15, 0), (30, 1), (45, 0)])
    assert actions == [FIRE, None, None, None]
    assert state.clear_ticks == 1


def test_equality_rules_are_debounced_too():
    rule = Rule(metric="load_1", operator="==", threshold=2)
    actions, _ = run(rule, [(0, 2), (15, 3), (30, 2.5)])
    assert actions == [FIRE, None, RESOLVE]


def test_a_breach_that_never_notified_ends_silently():  # §13.21
    rule = Rule(metric="cpu_percent", operator=">", threshold=90, duration_seconds=3600)
    actions, state = run(rule, [(0, 95), (15, 95), (30, 10)])
    assert actions == [None, None, None]
    assert state is None


def test_cold_start_takes_a_breach_as_already_notified():  # §13.28
    actions, state = run(CPU_90, [(0, 95), (15, 95)], cold_start_first=True)
    assert actions == [None, None]
    assert state.notified_at == at(0)
    reminder, _ = run(CPU_90, [(15 * 60, 95)], state=state)
    assert reminder == [FIRE]
    resolved, _ = run(CPU_90, [(60, 10)], state=state)
    assert resolved == [RESOLVE]


def test_cold_start_does_not_touch_existing_state_or_quiet_rules():
    state = State(triggered_at=at(0))
    assert advance(CPU_90, state, 95, at(15), cold_start=True).action == FIRE
    assert advance(CPU_90, None, 10, at(15), cold_start=True).state is None


def test_unchanged_state_is_returned_as_is():
    """So the evaluator writes nothing for a steady alert."""
    state = State(triggered_at=at(0), notified_at=at(0))
    assert advance(CPU_90, state, 95, at(60)).state is state
    assert advance(CPU_90, state, 88, at(60)).state is state
