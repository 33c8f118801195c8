"""Executing schedules: exactly once per due minute (concurrent workers, redelivery), the real
engine acting, history and audit rows, and a failed run reported (webhook + push)."""

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import OperationalError, connection
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from core.audit.models import AuditLog
from core.outbound.models import OutboundPolicy
from core.push.models import PushToken
from core.schedules import execution
from core.schedules.beat import periodic_task_name
from core.schedules.models import RunStatus, Schedule, ScheduleRun
from core.schedules.tasks import run_now, run_scheduled
from core.webhooks.models import Webhook
from tests.core.outbound.receiver import Receiver
from tests.core.schedules.conftest import schedule_body

MINUTE = timedelta(minutes=1)


def make_schedule(client, **overrides) -> Schedule:
    response = client.post("/api/schedules", schedule_body(**overrides), format="json")
    assert response.status_code == 201, response.json()
    return Schedule.objects.select_related("host").get(pk=response.json()["id"])


def due_time(schedule: Schedule) -> datetime:
    """A moment 5 s into the schedule's next run minute: when beat's message arrives."""
    return schedule.next_run + timedelta(seconds=5)


# --- claiming: exactly once --------------------------------------------------------------


def claim_like_a_busy_database(schedule, when):
    """The in-memory SQLite test database answers "table is locked" at once where a real
    database (PostgreSQL, or SQLite on a file with its busy timeout) would wait: retry, as
    those would. The unique (schedule, minute) row still decides which claim wins."""
    for _ in range(200):
        try:
            return execution.claim(schedule, execution.due_minute(schedule, when))
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.01)
    raise AssertionError("the database stayed locked")


@pytest.mark.django_db(transaction=True)  # the threads must see the committed schedule
def test_two_concurrent_executions_of_one_due_minute_run_once(auth_client, org):
    schedule = make_schedule(auth_client("admin"), containerId="ckt-sch-none", action="start")
    when = due_time(schedule)
    barrier = threading.Barrier(2)
    claimed, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=10)
            claimed.append(claim_like_a_busy_database(schedule, when))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert sum(run is not None for run in claimed) == 1
    assert ScheduleRun.objects.filter(schedule=schedule).count() == 1


def test_redelivery_of_the_same_minute_is_harmless(auth_client, org):
    schedule = make_schedule(auth_client("admin"), containerId="ckt-sch-none", action="start")
    when = due_time(schedule)
    first = execution.run_due(schedule.pk, now=when)
    assert first is not None
    assert first.scheduled_for == schedule.next_run
    # the same message again, later in the minute and a few minutes late: same due minute
    assert execution.run_due(schedule.pk, now=when + timedelta(seconds=40)) is None
    assert ScheduleRun.objects.count() == 1


def test_late_message_runs_the_latest_due_minute_once(auth_client, org):
    schedule = make_schedule(
        auth_client("admin"), containerId="ckt-sch-none", action="start", cronExpression="* * * * *"
    )
    start = due_time(schedule)
    # messages for minutes 0, 1, 2 all delivered at minute 2 (a backlog): one run, minute 2
    runs = [execution.run_due(schedule.pk, now=start + 2 * MINUTE) for _ in range(3)]
    assert [run is not None for run in runs] == [True, False, False]
    assert runs[0].scheduled_for == schedule.next_run + 2 * MINUTE
    # the next minute is a new run
    assert execution.run_due(schedule.pk, now=start + 3 * MINUTE) is not None


def test_not_due_and_too_late_do_nothing(auth_client, org, settings):
    settings.SCHEDULE_MISFIRE_GRACE_SECONDS = 300
    schedule = make_schedule(auth_client("admin"), containerId="ckt-sch-none", action="start")
    assert execution.run_due(schedule.pk, now=schedule.next_run - MINUTE) is None
    assert execution.run_due(schedule.pk, now=schedule.next_run + timedelta(minutes=6)) is None
    assert not ScheduleRun.objects.exists()


def test_or_day_fields_skip_days_that_do_not_match(auth_client, org):
    # Beat fires this daily at 09:00 (celery ANDs day fields); only the 1st and Mondays run.
    schedule = make_schedule(
        auth_client("admin"), containerId="ckt-sch-none", action="start",
        cronExpression="0 9 1 * MON",
    )  # fmt: skip
    Schedule.objects.filter(pk=schedule.pk).update(created_at=datetime(2024, 1, 1, tzinfo=UTC))
    wednesday = datetime(2024, 7, 3, 9, 0, 5, tzinfo=UTC)
    monday = datetime(2024, 7, 8, 9, 0, 5, tzinfo=UTC)
    assert execution.run_due(schedule.pk, now=wednesday) is None
    assert execution.run_due(schedule.pk, now=monday) is not None


def test_disabled_and_deleted_schedules(auth_client, org):
    admin = auth_client("admin")
    schedule = make_schedule(admin, containerId="ckt-sch-none", action="start")
    admin.put(f"/api/schedules/{schedule.pk}/toggle", {"enabled": False}, format="json")
    assert execution.run_due(schedule.pk, now=due_time(schedule)) is None
    # an orphan periodic task (its schedule deleted behind beat's back) is removed on firing
    PeriodicTask.objects.create(
        name=periodic_task_name(987654),
        task="core.schedules.run_scheduled",
        crontab=CrontabSchedule.objects.create(minute="0"),
    )
    assert execution.run_due(987654) is None
    assert not PeriodicTask.objects.filter(name=periodic_task_name(987654)).exists()


def test_manual_run_is_claimed_once(auth_client, org, django_capture_on_commit_callbacks):
    admin = auth_client("admin")
    schedule = make_schedule(admin, containerId="ckt-sch-none", action="start")
    run_id = admin.post(f"/api/schedules/{schedule.pk}/run").json()["runId"]
    assert execution.run_manual(run_id) is not None
    assert execution.run_manual(run_id) is None  # a redelivered message
    run = ScheduleRun.objects.get(pk=run_id)
    assert run.status == RunStatus.FAILED
    assert run.finished_at is not None


# --- against the real engine --------------------------------------------------------------


def _receiver_for_failures(org, settings, hooks: Receiver, expo: Receiver):
    OutboundPolicy.objects.create(org=org, allow_private=True)
    Webhook.objects.create(
        org=org, name="ops", url=hooks.url(), events=["schedule.failed"], secret="s" * 32
    )
    settings.EXPO_PUSH_URL = expo.url("/--/api/v2/push/send")
    settings.OUTBOUND_ALLOW_PRIVATE = True  # the Expo endpoint is reached under the env policy
    PushToken.objects.create(org=org, subject="1", token="ExponentPushToken[device-1]")


@pytest.mark.docker
def test_cron_stop_on_the_real_engine(auth_client, org, containers, docker_client, eager_celery):
    container = containers()
    admin = auth_client("admin")
    schedule = make_schedule(
        admin,
        name="stop every minute",
        containerId=container.id,
        containerName=container.name,
        action="stop",
        cronExpression="* * * * *",
    )
    run = execution.run_due(schedule.pk, now=due_time(schedule))
    assert run is not None
    container.reload()
    assert container.status == "exited"
    run.refresh_from_db()
    assert (run.status, run.success, run.error, run.triggered_by) == (
        RunStatus.SUCCEEDED, True, "", "cron",
    )  # fmt: skip
    history = admin.get("/api/schedules/history").json()["history"]
    assert history[0]["id"] == run.pk
    assert history[0]["success"] is True
    audit = AuditLog.objects.get(action="schedule.stop")
    assert audit.user_id == "scheduler"
    assert audit.target == container.id
    assert audit.detail == f"stop every minute: stop {container.name}"
    row = admin.get(f"/api/schedules/{schedule.pk}").json()
    assert row["last_run"] is not None


@pytest.mark.docker
def test_start_through_the_beat_task_and_run_now(
    auth_client, org, containers, eager_celery, django_capture_on_commit_callbacks
):
    container = containers(start=False)
    admin = auth_client("admin")
    schedule = make_schedule(
        admin, containerId=container.name, containerName=container.name, action="start"
    )
    with django_capture_on_commit_callbacks(execute=True):  # eager: the task runs on commit
        response = admin.post(f"/api/schedules/{schedule.pk}/run")
    assert response.status_code == 202
    container.reload()
    assert container.status == "running"
    run = ScheduleRun.objects.get(pk=response.json()["runId"])
    assert (run.status, run.triggered_by) == (RunStatus.SUCCEEDED, "manual")
    # the beat-fired task itself (not due now: nothing happens, no error)
    run_scheduled.delay(schedule.pk)
    assert ScheduleRun.objects.count() == 1
    run_now.delay(run.pk)  # redelivered manual message: nothing happens
    assert ScheduleRun.objects.count() == 1


@pytest.mark.docker
def test_container_gone_fails_cleanly_and_reports(
    auth_client, org, containers, docker_client, eager_celery, settings,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    container = containers()
    admin = auth_client("admin")
    schedule = make_schedule(
        admin,
        name="restart api",
        containerId=container.id,
        containerName=container.name,
        action="restart",
    )
    docker_client.api.remove_container(container.id, force=True)
    with Receiver() as hooks, Receiver() as expo:
        _receiver_for_failures(org, settings, hooks, expo)
        with django_capture_on_commit_callbacks(execute=True):  # webhook and push tasks
            run = execution.run_due(schedule.pk, now=due_time(schedule))
        assert run is not None
        run.refresh_from_db()
        assert (run.status, run.success) == (RunStatus.FAILED, False)
        assert run.error == f"Container {container.name} ({container.id}) not found"
        audit = AuditLog.objects.get(action="schedule.restart")
        assert audit.user_id == "scheduler"
        assert audit.detail == (f"restart api: restart {container.name} [FAILED: {run.error}]")
        delivery = json.loads(hooks.received[0].body)
        assert delivery["event"] == "schedule.failed"
        assert delivery["data"]["runId"] == run.pk
        assert delivery["data"]["error"] == run.error
        assert delivery["data"]["scheduleName"] == "restart api"
        pushed = json.loads(expo.received[0].body)
        assert len(pushed) == 1
        assert pushed[0]["to"] == "ExponentPushToken[device-1]"
        assert pushed[0]["channelId"] == "cockpit-default"  # severity warn
        assert pushed[0]["data"] == {
            "type": "schedule_failed", "scheduleId": schedule.pk, "runId": run.pk,
        }  # fmt: skip
    history = admin.get("/api/schedules/history?success=false").json()["history"]
    assert history[0]["error"] == run.error


@pytest.mark.docker
def test_unreachable_engine_fails_cleanly(auth_client, org):
    host = org.hosts.get()
    host.base_url = "tcp://127.0.0.1:9"  # nothing listens there
    host.save()
    schedule = make_schedule(auth_client("admin"), action="start")
    run = execution.run_due(schedule.pk, now=due_time(schedule))
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error == "Docker engine unavailable on host local"
