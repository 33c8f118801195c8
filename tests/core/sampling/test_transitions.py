"""Container state transitions and crash loops as pure functions (spec §6.5, §13.22-25, §13.31)."""

from datetime import UTC, datetime, timedelta

from core.sampling.transitions import (
    CrashLoop,
    Seen,
    StateChange,
    Watch,
    count_restarts,
    needs_inspect,
    step,
)

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def run(previous, seen, counts=None, now=T0, maintenance=False):
    return step(previous, seen, counts or {}, now, maintenance=maintenance)


def test_first_sighting_is_no_event():
    outcome = run({}, [Seen("a", "web", "running")])
    assert outcome.changes == []
    assert outcome.watches["a"] == Watch(state="running", name="web")


def test_running_to_exited_is_a_down():
    outcome = run({"a": Watch("running", "web")}, [Seen("a", "web", "exited")])
    assert outcome.changes == [StateChange("a", "web", "running", "exited", down=True)]
    assert outcome.watches["a"].state == "exited"


def test_other_transitions_are_state_changes_only():
    outcome = run({"a": Watch("exited", "web")}, [Seen("a", "web", "running")])
    assert outcome.changes == [StateChange("a", "web", "exited", "running", down=False)]


def test_maintenance_keeps_the_state_change_but_not_the_down():
    outcome = run({"a": Watch("running")}, [Seen("a", "web", "exited")], maintenance=True)
    assert outcome.changes == [StateChange("a", "web", "running", "exited", down=False)]


def test_a_container_that_disappears_is_forgotten():
    outcome = run({"a": Watch("running"), "b": Watch("exited")}, [Seen("a", "web", "running")])
    assert set(outcome.watches) == {"a"}
    assert outcome.changes == []


def test_a_healthy_running_container_is_never_inspected():  # §13.23
    seen = Seen("a", "web", "running", "Up 3 minutes (healthy)")
    assert not needs_inspect(seen, Watch("running"))
    assert not needs_inspect(seen, None)


def test_restarting_or_changed_containers_are_inspected():
    assert needs_inspect(Seen("a", "w", "running", "Restarting (1) 2 seconds ago"), None)
    assert needs_inspect(Seen("a", "w", "restarting"), Watch("restarting"))
    assert needs_inspect(Seen("a", "w", "exited", "Exited (1)"), Watch("running"))


def loop_samples(counts, start=T0, every=timedelta(seconds=15), maintenance=False):
    """Feed restart counts one sample at a time; the crash loops each sample reported."""
    watches: dict = {}
    reported = []
    for index, count in enumerate(counts):
        outcome = run(
            watches,
            [Seen("a", "web", "restarting")],
            {"a": count},
            now=start + index * every,
            maintenance=maintenance,
        )
        watches = outcome.watches
        reported.append(outcome.crash_loops)
    return watches, reported


def test_restart_count_rising_1_to_4_gives_exactly_one_crash_loop():  # §13.22
    watches, reported = loop_samples([1, 2, 3, 4, 5])
    assert reported == [[], [], [], [CrashLoop("a", "web", 3)], []]
    assert watches["a"].rises == 4
    assert watches["a"].alerted


def test_first_count_is_the_baseline():
    watch, fired = count_restarts(Watch("restarting"), 7, T0, maintenance=False)
    assert (watch.restart_count, watch.rises, watch.window_started_at, fired) == (7, 0, T0, None)


def test_expired_window_resets_rises_and_alert_keeps_the_count():  # §13.25
    watch = Watch("restarting", restart_count=4, window_started_at=T0, rises=3, alerted=True)
    later = T0 + timedelta(minutes=5, seconds=1)
    watch, fired = count_restarts(watch, 5, later, maintenance=False)
    assert (watch.rises, watch.alerted, watch.restart_count, fired) == (1, False, 5, None)
    assert watch.window_started_at == later
    watch, fired = count_restarts(watch, 6, later + timedelta(seconds=15), maintenance=False)
    assert fired is None
    watch, fired = count_restarts(watch, 7, later + timedelta(seconds=30), maintenance=False)
    assert fired == 3
    assert watch.alerted


def test_a_jump_of_three_in_one_sample_fires():
    watch = Watch("restarting", restart_count=1, window_started_at=T0)
    _, fired = count_restarts(watch, 4, T0 + timedelta(seconds=15), maintenance=False)
    assert fired == 3


def test_maintenance_counts_rises_but_does_not_fire_until_it_ends():
    watches, reported = loop_samples([1, 2, 3, 4], maintenance=True)
    assert reported == [[], [], [], []]
    assert watches["a"].rises == 3
    assert not watches["a"].alerted
    outcome = run(watches, [Seen("a", "web", "restarting")], {"a": 5}, T0 + timedelta(minutes=1))
    assert outcome.crash_loops == [CrashLoop("a", "web", 4)]


def test_a_live_crash_loop_alert_suppresses_the_down():  # §13.24
    watches, _ = loop_samples([1, 2, 3, 4])
    watches = {"a": Watch(**{**watches["a"].__dict__, "state": "running"})}
    outcome = run(watches, [Seen("a", "web", "exited")], now=T0 + timedelta(minutes=1))
    assert outcome.changes == [StateChange("a", "web", "running", "exited", down=False)]


def test_an_expired_crash_loop_alert_no_longer_suppresses_the_down():
    watch = Watch("running", "web", restart_count=4, window_started_at=T0, rises=3, alerted=True)
    outcome = run({"a": watch}, [Seen("a", "web", "exited")], now=T0 + timedelta(minutes=6))
    assert outcome.changes[0].down is True
