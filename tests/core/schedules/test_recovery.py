"""Recovering runs the broker or a worker lost (the end-to-end faults are in
tests/hardening/test_outages.py): a dead worker's run is taken over once its lease runs out,
and due minutes beat could not send are found by the catch-up tick."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from core.schedules import execution
from core.schedules.models import RunStatus, Schedule, ScheduleRun
from tests.core.schedules.test_execution import make_schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def schedule(auth_client, org):
    return make_schedule(auth_client("admin"), containerId="ckt-sch-none", action="start")


def abandoned_run(schedule, started_at) -> ScheduleRun:
    return ScheduleRun.objects.create(
        org_id=schedule.org_id, schedule=schedule, schedule_name=schedule.name,
        container_id=schedule.container_id, container_name=schedule.container_name,
        action=schedule.action, triggered_by="manual", status=RunStatus.RUNNING,
        started_at=started_at,
    )  # fmt: skip


def test_a_running_run_within_its_lease_is_left_alone(schedule, settings):
    now = timezone.now()
    run = abandoned_run(schedule, now - timedelta(seconds=10))
    settings.SCHEDULE_RUN_LEASE_SECONDS = 60
    with pytest.raises(execution.RunInProgress) as busy:
        execution.run_manual(run.pk, now=now)
    assert 50 <= busy.value.retry_in <= 52
    assert ScheduleRun.objects.get(pk=run.pk).status == RunStatus.RUNNING


def test_a_run_past_its_lease_is_taken_over_once(schedule, settings):
    now = timezone.now()
    settings.SCHEDULE_RUN_LEASE_SECONDS = 60
    started = now - timedelta(seconds=61)
    run = abandoned_run(schedule, started)
    taken, abandoned_at = execution.take_over(run.pk, now)
    assert abandoned_at == started
    assert taken.started_at == now
    with pytest.raises(execution.RunInProgress):  # the new lease holds against a third party
        execution.take_over(run.pk, now)
    finished = execution.run_manual(run.pk, now=now + timedelta(seconds=61))
    assert finished.status == RunStatus.FAILED  # the container does not exist: but it ran
    assert execution.run_manual(run.pk, now=now + timedelta(seconds=200)) is None


def test_overdue_schedules_are_found_and_a_missed_minute_moves_on(schedule, settings):
    settings.SCHEDULE_CATCH_UP_SECONDS = 30
    due = schedule.next_run
    assert execution.overdue_schedule_ids(now=due + timedelta(seconds=10)) == []
    assert execution.overdue_schedule_ids(now=due + timedelta(seconds=31)) == [schedule.pk]
    too_late = due + timedelta(seconds=settings.SCHEDULE_MISFIRE_GRACE_SECONDS + 1)
    assert execution.run_due(schedule.pk, now=too_late) is None  # past the grace: skipped
    assert Schedule.objects.get(pk=schedule.pk).next_run > too_late
    assert execution.overdue_schedule_ids(now=too_late) == []
    Schedule.objects.filter(pk=schedule.pk).update(enabled=False)
    assert execution.overdue_schedule_ids(now=due + timedelta(days=2)) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-28T21:43:52.123456789Z", datetime(2026, 11, 28, 21, 43, 52, 123456, UTC)),
        ("2026-11-28T21:43:52Z", datetime(2026, 11, 28, 21, 43, 52, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
        ("", None),
        ("garbage", None),
    ],
)
def test_engine_times(text, expected):
    assert execution._engine_time(text) == expected
