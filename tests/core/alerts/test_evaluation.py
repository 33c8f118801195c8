"""`evaluate()` against the database: the behaviours of spec §13 items 12-31 that concern
rules, persisted state, host scope, maintenance, cold start, restarts and idempotence."""

from datetime import datetime

import pytest
from django.core.cache import cache

from core.alerts import services
from core.alerts.evaluation import evaluate
from core.alerts.models import AlertEvent, AlertRule, AlertState, EvaluatedHost
from core.hosts.models import DockerHost
from core.maintenance.services import set_state
from tests.core.alerts.conftest import QUIET, at, events

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def warm(host):
    """Most tests start on a host that has been evaluated before (no cold start)."""
    evaluate(host, QUIET, at(-60))


def test_a_fire_records_the_event_and_persists_the_state(make_rule, sample, host):
    rule = make_rule(severity="critical")
    sample(0, cpu_percent=95.5)
    [event] = events()
    assert event.rule_id == rule.pk
    assert event.org_id == rule.org_id
    assert event.kind == "fired"
    assert event.severity == "critical"
    assert event.message == "High CPU: cpu_percent is 95.5 (threshold: > 90)"
    assert (event.metric, event.value, event.threshold) == ("cpu_percent", 95.5, 90.0)
    assert (event.host_id, event.host_name) == (host.pk, host.name)
    assert event.created_at == at(0)
    state = AlertState.objects.get(rule=rule, host=host)
    assert (state.triggered_at, state.notified_at, state.last_value) == (at(0), at(0), 95.5)


def test_duration_does_not_fire_on_the_first_sample(make_rule, sample):  # §13.14
    make_rule(duration_seconds=30)
    sample(0, cpu_percent=95)
    assert events() == []
    sample(30, cpu_percent=95)
    assert len(events()) == 1


def test_hysteresis_band_keeps_one_alert(make_rule, sample):  # §13.15
    make_rule()
    for seconds, value in [(0, 95), (15, 88), (30, 95)]:
        sample(seconds, cpu_percent=value)
    assert len(events()) == 1


def test_full_clear_resolves_with_an_info_event_then_fires_again(make_rule, sample):  # §13.16
    make_rule(severity="critical")
    sample(0, cpu_percent=95)
    sample(15, cpu_percent=10)
    _fired, resolved = events()
    assert (resolved.kind, resolved.severity) == ("resolved", "info")
    assert resolved.message == "cpu_percent back to 10"
    assert AlertState.objects.count() == 0
    sample(30, cpu_percent=95)
    assert [event.kind for event in events()] == ["fired", "resolved", "fired"]


def test_clear_duration_blocks_resolution(make_rule, sample):  # §13.17
    make_rule(clear_duration_seconds=3600)
    for seconds, value in [(0, 95), (15, 10), (30, 10)]:
        sample(seconds, cpu_percent=value)
    assert [event.kind for event in events()] == ["fired"]
    sample(15 + 3600, cpu_percent=10)
    assert [event.kind for event in events()] == ["fired", "resolved"]


def test_container_stopped_needs_two_clear_samples(make_rule, sample):  # §13.18
    make_rule(name="Stopped", metric="container_stopped", threshold=0)
    sample(0, container_stopped=1)
    sample(15, container_stopped=0)
    assert [event.kind for event in events()] == ["fired"]
    sample(30, container_stopped=0)
    assert [event.kind for event in events()] == ["fired", "resolved"]


def test_a_breach_that_never_notified_resolves_silently(make_rule, sample):  # §13.21
    make_rule(duration_seconds=3600)
    sample(0, cpu_percent=95)
    sample(15, cpu_percent=10)
    assert events() == []
    assert AlertState.objects.count() == 0


def test_reminder_every_15_minutes(make_rule, sample):
    make_rule()
    for minute in range(0, 31):
        sample(minute * 60, cpu_percent=95)
    assert [event.created_at for event in events()] == [at(0), at(900), at(1800)]


def test_no_reading_leaves_the_rule_untouched(make_rule, sample, host):
    make_rule(name="Stopped", metric="container_stopped", threshold=0)
    sample(0, container_stopped=2)
    sample(15, container_stopped=None)
    sample(30, container_stopped=None)
    sample(45, container_stopped=float("nan"))
    assert AlertState.objects.get(host=host).clear_ticks == 0
    assert [event.kind for event in events()] == ["fired"]


def test_each_host_has_its_own_state_and_scope_is_respected(org, make_rule, sample, host):
    edge = DockerHost.objects.create(org=org, name="Edge", slug="edge")
    evaluate(edge, QUIET, at(-60))
    everywhere = make_rule(name="Any host")
    only_edge = make_rule(name="Edge only", host=edge)
    sample(0, cpu_percent=95)
    assert [(e.rule_id, e.host_id) for e in events()] == [(everywhere.pk, host.pk)]
    sample(0, target=edge, cpu_percent=95)
    fired = {(e.rule_id, e.host_id) for e in events()}
    assert fired == {(everywhere.pk, host.pk), (everywhere.pk, edge.pk), (only_edge.pk, edge.pk)}
    sample(15, cpu_percent=10)  # resolves on the default host only
    assert AlertState.objects.filter(host=edge).count() == 2
    assert AlertState.objects.filter(host=host).count() == 0


def test_another_organisations_rules_are_not_evaluated(other_org, make_rule, sample):
    AlertRule.objects.create(org=other_org, name="Theirs", metric="cpu_percent", operator=">",
                             threshold=1)  # fmt: skip
    sample(0, cpu_percent=95)
    assert events() == []


def test_disabled_rules_are_not_evaluated_and_disabling_drops_state(org, make_rule, sample):
    make_rule(enabled=False)
    sample(0, cpu_percent=95)
    assert events() == []
    rule = make_rule(name="On")
    sample(15, cpu_percent=95)
    assert AlertState.objects.filter(rule=rule).exists()
    services.set_enabled(org.pk, rule.pk, False)
    assert not AlertState.objects.filter(rule=rule).exists()
    services.set_enabled(org.pk, rule.pk, True)
    sample(30, cpu_percent=10)
    assert [event.kind for event in events()] == ["fired"]  # no resolve for a dropped state
    sample(45, cpu_percent=95)
    assert [event.kind for event in events()] == ["fired", "fired"]  # a fresh alert


def test_deleting_a_rule_drops_its_state_and_keeps_its_events(org, make_rule, sample):
    rule = make_rule()
    sample(0, cpu_percent=95)
    services.delete_rule(org.pk, rule.pk)
    assert AlertState.objects.count() == 0
    [event] = events()
    assert event.rule_id is None
    assert event.rule_name == "High CPU"


def test_state_of_a_rule_disabled_behind_the_services_back_is_dropped(make_rule, sample):
    rule = make_rule()
    sample(0, cpu_percent=95)
    type(rule).objects.filter(pk=rule.pk).update(enabled=False)
    sample(15, cpu_percent=95)
    assert AlertState.objects.count() == 0


def test_changing_the_metric_drops_state_but_a_new_threshold_keeps_it(org, make_rule, sample):
    rule = make_rule()
    sample(0, cpu_percent=95)
    services.update_rule(org.pk, rule.pk, {"threshold": 80})
    assert AlertState.objects.filter(rule=rule).exists()
    services.update_rule(org.pk, rule.pk, {"metric": "memory_percent"})
    assert not AlertState.objects.filter(rule=rule).exists()


def test_maintenance_suppresses_and_tracks_nothing(org, make_rule, sample):  # §13.29
    make_rule()
    set_state(org.pk, True, "tester")
    sample(0, cpu_percent=95)
    sample(15, cpu_percent=95)
    assert events() == []
    assert AlertState.objects.count() == 0
    set_state(org.pk, False, "tester")
    sample(30, cpu_percent=95)  # no cooldown carried over: fires at once
    assert [event.created_at for event in events()] == [at(30)]


def test_maintenance_leaves_an_active_alert_as_it_was(org, make_rule, sample):
    make_rule()
    sample(0, cpu_percent=95)
    set_state(org.pk, True, "tester")
    sample(15, cpu_percent=10)
    assert AlertState.objects.count() == 1
    set_state(org.pk, False, "tester")
    sample(30, cpu_percent=10)
    assert [event.kind for event in events()] == ["fired", "resolved"]


def test_the_same_sample_evaluated_twice_fires_once(make_rule, host):
    make_rule()
    evaluate(host, QUIET | {"cpu_percent": 95}, at(0))
    evaluate(host, QUIET | {"cpu_percent": 95}, at(0))
    evaluate(host, QUIET | {"cpu_percent": 95}, at(-5))  # an older sample arriving late
    assert len(events()) == 1
    assert EvaluatedHost.objects.get(host=host).last_sampled_at == at(0)


def test_a_sample_evaluated_twice_counts_once_toward_debounce(make_rule, host):
    make_rule(name="Stopped", metric="container_stopped", threshold=0)
    evaluate(host, QUIET | {"container_stopped": 1}, at(0))
    evaluate(host, QUIET | {"container_stopped": 0}, at(15))
    evaluate(host, QUIET | {"container_stopped": 0}, at(15))  # redelivered tick
    assert [event.kind for event in events()] == ["fired"]
    assert AlertState.objects.get().clear_ticks == 1


def test_an_active_alert_survives_a_restart(make_rule, sample, host):
    """Everything in memory goes (shared cache included); the database stays."""
    make_rule()
    sample(0, cpu_percent=95)
    cache.clear()
    sample(15, cpu_percent=96)
    sample(30, cpu_percent=97)
    assert len(events()) == 1  # not fired again, not masked by a cold start either
    sample(900, cpu_percent=97)
    assert len(events()) == 2  # the reminder comes when the persisted cooldown says
    cache.clear()
    sample(915, cpu_percent=10)
    assert [event.kind for event in events()] == ["fired", "fired", "resolved"]


def test_a_new_breach_after_a_restart_fires_at_once(make_rule, sample):
    make_rule()
    sample(0, cpu_percent=10)
    cache.clear()
    sample(15, cpu_percent=95)
    assert len(events()) == 1


def test_naive_sample_times_are_refused(host):
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate(host, QUIET, datetime(2026, 1, 1))


def test_a_value_sent_as_int_is_read_as_a_number(make_rule, sample):
    make_rule(name="Stopped", metric="container_stopped", operator="==", threshold=3)
    sample(0, container_stopped=3)
    [event] = events()
    assert event.message == "Stopped: container_stopped is 3 (threshold: == 3)"


def test_evaluation_writes_nothing_for_a_steady_alert(
    make_rule, sample, host, django_assert_max_num_queries
):
    make_rule()
    sample(0, cpu_percent=95)
    # savepoint, claim, rules, states, release: no write per rule (maintenance is cached)
    with django_assert_max_num_queries(5):
        evaluate(host, QUIET | {"cpu_percent": 95}, at(15))
    assert AlertEvent.objects.count() == 1
