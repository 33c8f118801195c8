"""Cold start (spec §6.4, §13.28) with persisted state: only the first pass ever over a host is
cold; a restart is not (see core.alerts.evaluation)."""

import threading
import time

import pytest
from django.db import OperationalError, connection

from core.alerts.evaluation import evaluate
from core.alerts.models import AlertEvent, AlertRule
from core.maintenance.services import set_state
from tests.core.alerts.conftest import QUIET, at, events


@pytest.mark.django_db
def test_a_breach_found_on_the_first_pass_stays_silent_then_reminds(make_rule, sample):
    make_rule()
    sample(0, cpu_percent=95)  # first pass ever over this host
    sample(15, cpu_percent=95)
    assert events() == []
    sample(900, cpu_percent=95)
    assert [event.created_at for event in events()] == [at(900)]


@pytest.mark.django_db
def test_a_breach_that_begins_after_the_first_pass_fires_at_once(make_rule, sample):
    make_rule()
    sample(0, cpu_percent=10)
    sample(15, cpu_percent=95)
    assert len(events()) == 1


@pytest.mark.django_db
def test_a_silenced_cold_start_alert_still_resolves_loudly(make_rule, sample):
    make_rule()
    sample(0, cpu_percent=95)
    sample(15, cpu_percent=10)
    [resolved] = events()
    assert resolved.kind == "resolved"


@pytest.mark.django_db
def test_rules_created_later_are_never_cold(make_rule, sample):
    sample(0)
    make_rule()
    sample(15, cpu_percent=95)
    assert len(events()) == 1


@pytest.mark.django_db
def test_leaving_maintenance_is_not_a_cold_start(org, make_rule, sample):
    make_rule()
    set_state(org.pk, True, "tester")
    sample(0, cpu_percent=95)  # the host's first sample, in maintenance
    set_state(org.pk, False, "tester")
    sample(15, cpu_percent=95)
    assert len(events()) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_evaluating_the_same_sample_fire_once(org, host):
    AlertRule.objects.create(org=org, name="High CPU", metric="cpu_percent", operator=">",
                             threshold=90)  # fmt: skip
    evaluate(host, QUIET, at(0))
    barrier = threading.Barrier(2)
    errors = []

    def worker():
        try:
            barrier.wait()
            for _ in range(200):
                try:
                    evaluate(host, QUIET | {"cpu_percent": 95}, at(15))
                    return
                except OperationalError as exc:
                    # The in-memory test database answers a lock conflict at once ("table is
                    # locked") where the file database waits (timeout 20 s): wait here instead.
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.01)
            errors.append("still locked after 2 s")
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert AlertEvent.objects.count() == 1
