"""The routes of spec §3.8 plus edit and run-now: shapes, check order, error texts, audit rows,
tenancy, and the beat entry kept in step with every write."""

import json
from datetime import datetime

import pytest
from django_celery_beat.models import CrontabSchedule, PeriodicTask, PeriodicTasks

from core.audit.models import AuditLog
from core.hosts.models import DockerHost
from core.schedules.beat import TASK_NAME, periodic_task_name
from core.schedules.models import RunStatus, Schedule, ScheduleRun
from tests.core.schedules.conftest import schedule_body

REQUIRED = "name, containerId, containerName, action, cronExpression required"
FIELDS = "cronExpression must have 5 fields: minute hour day month weekday"


def create(client, **overrides):
    return client.post("/api/schedules", schedule_body(**overrides), format="json")


def test_create_returns_the_row_with_next_run(admin, org):
    response = create(admin)
    assert response.status_code == 201
    row = response.json()
    assert set(row) == {
        "id", "name", "container_id", "container_name",
        "stack", "action", "cron_expression",
        "timezone", "enabled", "host", "last_run", "next_run", "created_by", "created_at",
        "updated_at",
    }  # fmt: skip
    assert row["name"] == "nightly stop"
    assert row["container_id"] == "web-1"
    assert row["container_name"] == "web"
    assert row["action"] == "stop"
    assert row["cron_expression"] == "0 3 * * *"
    assert row["timezone"] == "UTC"
    assert row["enabled"] is True
    assert row["host"] == "local"
    assert row["last_run"] is None
    next_run = datetime.fromisoformat(row["next_run"])
    assert row["next_run"].endswith("Z")
    assert (next_run.hour, next_run.minute) == (3, 0)
    assert row["created_at"].endswith("Z")


def test_create_audit_row(admin, org):
    create(admin)
    audit = AuditLog.objects.get(action="schedule.create")
    assert audit.detail == "stop web @ 0 3 * * *"
    assert audit.target == "nightly stop"
    assert audit.org_id == org.id


def test_create_makes_the_periodic_task(admin, org):
    before = PeriodicTasks.last_change()
    schedule = Schedule.objects.get(pk=create(admin).json()["id"])
    task = schedule.periodic_task
    assert task.name == periodic_task_name(schedule.pk)
    assert task.task == TASK_NAME
    assert json.loads(task.kwargs) == {"schedule_id": schedule.pk}
    assert task.enabled is True
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_month) == ("0", "3", "*")
    assert str(crontab.timezone) == "UTC"
    assert before is None or PeriodicTasks.last_change() > before
    assert PeriodicTasks.last_change() is not None


def test_timezone_and_celery_fields(admin, org):
    response = create(admin, cronExpression="*/30 9-17 1 * MON", timezone="Europe/Berlin")
    assert response.status_code == 201
    assert response.json()["timezone"] == "Europe/Berlin"
    crontab = Schedule.objects.get(pk=response.json()["id"]).periodic_task.crontab
    assert str(crontab.timezone) == "Europe/Berlin"
    assert crontab.minute == "0,30"
    assert (crontab.day_of_month, crontab.day_of_week) == ("*", "*")  # OR: the task filters


def test_create_on_a_named_host(admin, org):
    DockerHost.objects.create(org=org, name="Edge", slug="edge", base_url="tcp://127.0.0.1:9")
    assert create(admin, host="edge").json()["host"] == "edge"
    response = admin.post("/api/schedules?host=edge", schedule_body(), format="json")
    assert response.json()["host"] == "edge"
    assert create(admin, host="nope").status_code == 404
    assert create(admin, host="nope").json() == {"error": "Host not found"}


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"name": ...}, REQUIRED),
        ({"name": ""}, REQUIRED),
        ({"containerId": None}, REQUIRED),
        ({"containerName": "  "}, REQUIRED),
        ({"action": ...}, REQUIRED),
        ({"cronExpression": ""}, REQUIRED),
        ({"action": "kill"}, "action must be start, stop, or restart"),
        ({"action": "STOP"}, "action must be start, stop, or restart"),
        ({"containerId": "-bad"}, "Invalid container ID format"),
        ({"containerId": "a" * 129}, "Invalid container ID format"),
        ({"containerId": "a b"}, "Invalid container ID format"),
        ({"cronExpression": "* * * *"}, FIELDS),
        ({"cronExpression": "0 3 * * * *"}, FIELDS),
        ({"cronExpression": "99 * * * *"}, "Invalid cron minute field: 99"),
        ({"cronExpression": "0 3 * * 9"}, "Invalid cron weekday field: 9"),
        ({"timezone": "Mars/Base"}, "Invalid timezone: Mars/Base"),
        ({"name": 5}, "name must be a string"),
        ({"enabled": "yes"}, "enabled must be a boolean"),
    ],
)
def test_create_errors(admin, org, overrides, error):
    response = create(admin, **overrides)
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert not Schedule.objects.exists()


def test_cron_value_error_says_why(admin, org):
    body = create(admin, cronExpression="0 3 31 2 *").json()
    assert body == {
        "error": "Invalid cron day field: 31",
        "field": "cronExpression",
        "message": "no month of the expression has such a day",
    }


def test_absent_and_non_object_bodies(admin, org):
    assert admin.post("/api/schedules").json() == {"error": REQUIRED}
    response = admin.post("/api/schedules", [1], format="json")
    assert response.status_code == 400
    assert response.json() == {"error": "Request body must be a JSON object"}


def test_edition_limit_comes_first(admin, org):
    for index in range(5):  # CE: 5 schedules
        assert create(admin, name=f"s{index}").status_code == 201
    response = create(admin, name="", action="kill")  # invalid too: the 402 wins
    assert response.status_code == 402
    body = response.json()
    assert body["error"] == "Schedule limit reached (5)"
    assert (body["current"], body["max"]) == (5, 5)
    assert "upgradeUrl" in body


def test_hard_cap_of_50(admin, unlimited):
    Schedule.objects.bulk_create(
        Schedule(
            org=unlimited,
            host=unlimited.hosts.get(),
            name=f"s{index}",
            container_id="c",
            container_name="c",
            action="start",
            cron_expression="0 0 * * *",
        )
        for index in range(50)
    )
    response = create(admin, cronExpression="bad")  # the cap is checked before the cron
    assert response.status_code == 400
    assert response.json() == {"error": "Maximum 50 schedules allowed"}
    assert create(admin, action="kill").json()["error"] == "action must be start, stop, or restart"


def test_list_newest_first_and_viewer_may_read(admin, viewer, org):
    first = create(admin, name="first").json()
    second = create(admin, name="second").json()
    response = viewer.get("/api/schedules")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["schedules"]] == [second["id"], first["id"]]
    assert viewer.get(f"/api/schedules/{first['id']}").json()["name"] == "first"
    assert create(viewer).status_code == 403


def test_other_org_schedule_is_404(admin, auth_client, org, other_org):
    theirs = create(auth_client("admin", other_org)).json()["id"]
    assert admin.get("/api/schedules").json() == {"schedules": []}
    for method, path in [
        ("get", f"/api/schedules/{theirs}"),
        ("patch", f"/api/schedules/{theirs}"),
        ("delete", f"/api/schedules/{theirs}"),
        ("put", f"/api/schedules/{theirs}/toggle"),
        ("post", f"/api/schedules/{theirs}/run"),
    ]:
        response = getattr(admin, method)(path, {}, format="json")
        assert response.status_code == 404, (method, path)
        assert response.json() == {"error": "Schedule not found"}
    assert Schedule.objects.get(pk=theirs).enabled is True


@pytest.mark.parametrize("raw", ["abc", "0", "-1", "1.5"])
def test_invalid_ids(admin, org, raw):
    response = admin.delete(f"/api/schedules/{raw}")
    assert response.status_code == 400
    assert response.json() == {"error": "Invalid schedule ID"}


def test_delete_removes_the_periodic_task_and_keeps_history(admin, org):
    row = create(admin).json()
    schedule = Schedule.objects.get(pk=row["id"])
    task_id, crontab_id = schedule.periodic_task_id, schedule.periodic_task.crontab_id
    ScheduleRun.objects.create(
        org=org,
        schedule=schedule,
        schedule_name="nightly stop",
        container_id="web-1",
        container_name="web",
        action="stop",
        triggered_by="cron",
        status=RunStatus.SUCCEEDED,
        success=True,
    )
    before = PeriodicTasks.last_change()
    response = admin.delete(f"/api/schedules/{row['id']}")
    assert response.json() == {"ok": True}
    assert not PeriodicTask.objects.filter(pk=task_id).exists()
    assert not CrontabSchedule.objects.filter(pk=crontab_id).exists()
    assert PeriodicTasks.last_change() > before
    run = ScheduleRun.objects.get()
    assert run.schedule_id is None
    assert run.schedule_name == "nightly stop"
    assert AuditLog.objects.filter(action="schedule.delete", target="nightly stop").exists()
    assert admin.delete(f"/api/schedules/{row['id']}").status_code == 404


def test_deleting_the_host_removes_schedules_and_their_tasks(admin, org):
    edge = DockerHost.objects.create(org=org, name="Edge", slug="edge", base_url="tcp://x:1")
    row = create(admin, host="edge").json()
    task_id = Schedule.objects.get(pk=row["id"]).periodic_task_id
    edge.delete()
    assert not Schedule.objects.filter(pk=row["id"]).exists()
    assert not PeriodicTask.objects.filter(pk=task_id).exists()


def test_toggle(admin, org):
    row = create(admin).json()
    task = PeriodicTask.objects.get(name=periodic_task_name(row["id"]))
    response = admin.put(f"/api/schedules/{row['id']}/toggle", {"enabled": False}, format="json")
    assert response.status_code == 200
    assert response.json()["enabled"] is False
    assert response.json()["next_run"] is None
    task.refresh_from_db()
    assert task.enabled is False
    assert AuditLog.objects.filter(action="schedule.toggle", detail="disabled").exists()
    # anything but literal false enables, an absent body too; next_run is recomputed
    response = admin.put(f"/api/schedules/{row['id']}/toggle")
    assert response.json()["enabled"] is True
    assert response.json()["next_run"] is not None
    task.refresh_from_db()
    assert task.enabled is True
    assert admin.put("/api/schedules/999999/toggle").json() == {"error": "Schedule not found"}


def test_patch_edits_and_beat_sees_it(admin, org):
    row = create(admin).json()
    before = PeriodicTasks.last_change()
    response = admin.patch(
        f"/api/schedules/{row['id']}",
        {
            "name": "weekday restart",
            "cronExpression": "15 6 * * MON-FRI",
            "action": "restart",
            "containerId": "api-1",
            "containerName": "api",
            "timezone": "America/New_York",
        },
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["action"], body["container_id"]) == (
        "weekday restart", "restart", "api-1",
    )  # fmt: skip
    assert body["cron_expression"] == "15 6 * * MON-FRI"
    next_run = datetime.fromisoformat(body["next_run"])
    assert next_run.minute == 15
    assert next_run.hour in (10, 11)
    crontab = PeriodicTask.objects.get(name=periodic_task_name(row["id"])).crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week) == ("15", "6", "1,2,3,4,5")
    assert str(crontab.timezone) == "America/New_York"
    assert PeriodicTasks.last_change() > before
    audit = AuditLog.objects.get(action="schedule.update")
    assert json.loads(audit.detail)["changed"] == [
        "name", "containerId", "containerName", "action", "cronExpression", "timezone",
    ]  # fmt: skip


def test_patch_errors(admin, org):
    row = create(admin).json()
    path = f"/api/schedules/{row['id']}"
    cases = [
        ({"cronExpression": "61 * * * *"}, "Invalid cron minute field: 61"),
        ({"cronExpression": "* *"}, FIELDS),
        ({"action": "pause"}, "action must be start, stop, or restart"),
        ({"containerId": "../x"}, "Invalid container ID format"),
        ({"name": ""}, REQUIRED),
        ({"enabled": 1}, "enabled must be a boolean"),
        ({"cron": "* * * * *"}, "Unknown field: cron"),
    ]
    for body, error in cases:
        response = admin.patch(path, body, format="json")
        assert response.status_code == 400, body
        assert response.json()["error"] == error
    assert admin.get(path).json()["cron_expression"] == "0 3 * * *"
    assert admin.patch(path, {"host": "nope"}, format="json").status_code == 404


def test_patch_enabled_and_host(admin, org):
    DockerHost.objects.create(org=org, name="Edge", slug="edge", base_url="tcp://x:1")
    row = create(admin).json()
    body = admin.patch(
        f"/api/schedules/{row['id']}", {"enabled": False, "host": "edge"}, format="json"
    ).json()
    assert (body["enabled"], body["host"], body["next_run"]) == (False, "edge", None)
    assert PeriodicTask.objects.get(name=periodic_task_name(row["id"])).enabled is False


def test_run_now_queues_and_answers_202(admin, org, django_capture_on_commit_callbacks):
    row = create(admin).json()
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin.post(f"/api/schedules/{row['id']}/run")
    assert response.status_code == 202
    body = response.json()
    assert body["ok"] is True
    assert body["status"] == "queued"
    run = ScheduleRun.objects.get(pk=body["runId"])
    assert (run.triggered_by, run.status, run.requested_by) == (
        "manual", RunStatus.QUEUED, AuditLog.objects.get(action="schedule.run").user_id,
    )  # fmt: skip
    assert len(callbacks) == 1  # the task is enqueued once the transaction commits
    assert body["run"]["success"] is None


def test_history_shape_filters_and_paging(admin, viewer, org):
    row = create(admin).json()
    schedule = Schedule.objects.get(pk=row["id"])
    for index in range(3):
        ScheduleRun.objects.create(
            org=org,
            schedule=schedule,
            schedule_name=schedule.name,
            host_name="local",
            container_id="web-1",
            container_name="web",
            action="stop",
            triggered_by="cron" if index else "manual",
            status=RunStatus.FAILED if index == 2 else RunStatus.SUCCEEDED,
            success=index != 2,
            error="boom" if index == 2 else "",
        )
    response = viewer.get("/api/schedules/history")
    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["limit"], body["offset"]) == (3, 50, 0)
    newest = body["history"][0]
    assert newest["success"] is False
    assert newest["error"] == "boom"
    assert newest["schedule_id"] == row["id"]
    assert newest["executed_at"].endswith("Z")
    assert body["history"][1]["error"] is None
    assert viewer.get("/api/schedules/history?success=false").json()["total"] == 1
    assert viewer.get("/api/schedules/history?triggeredBy=manual").json()["total"] == 1
    assert viewer.get(f"/api/schedules/history?scheduleId={row['id']}").json()["total"] == 3
    assert viewer.get("/api/schedules/history?containerId=other").json()["total"] == 0
    page = viewer.get("/api/schedules/history?limit=1&offset=1").json()
    assert len(page["history"]) == 1
    assert page["history"][0]["id"] == body["history"][1]["id"]
    assert viewer.get("/api/schedules/history?limit=9999").json()["limit"] == 500
    for bad in ("limit=abc", "success=maybe", "triggeredBy=x", "scheduleId=x", "status=x"):
        response = viewer.get(f"/api/schedules/history?{bad}")
        assert response.status_code == 400, bad
        assert "error" in response.json()


def test_history_is_scoped_to_the_org(admin, auth_client, org, other_org):
    ScheduleRun.objects.create(
        org=other_org,
        schedule_name="theirs",
        container_id="x",
        container_name="x",
        action="stop",
        triggered_by="cron",
    )
    assert admin.get("/api/schedules/history").json()["total"] == 0
