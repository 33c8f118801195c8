"""Schedules that act on a whole compose stack (issue 5: container and stack actions)."""

import pytest

from core.audit.models import AuditLog
from core.schedules import execution
from core.schedules.models import RunStatus, Schedule
from tests.core.schedules.conftest import LOOP, PREFIX, unique

pytestmark = pytest.mark.django_db


def stack_body(**overrides) -> dict:
    body = {"name": "nightly", "stack": "shop", "action": "stop", "cronExpression": "0 3 * * *"}
    body.update(overrides)
    return body


def test_create_a_stack_schedule(auth_client):
    response = auth_client("admin").post("/api/schedules", stack_body(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["stack"] == "shop"
    assert body["container_id"] == ""
    assert body["action"] == "stop"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"stack": ""}, "name, stack, action, cronExpression required"),
        ({"cronExpression": None}, "name, stack, action, cronExpression required"),
        ({"stack": "../etc"}, "Invalid stack name"),
        ({"stack": "a" * 65}, "Invalid stack name"),
        ({"action": "pause"}, "action must be start, stop, or restart"),
    ],
)
def test_stack_schedule_validation(auth_client, overrides, error):
    response = auth_client("admin").post("/api/schedules", stack_body(**overrides), format="json")
    assert response.status_code == 400
    assert response.json()["error"] == error


def test_container_schedules_keep_the_original_message(auth_client):
    response = auth_client("admin").post(
        "/api/schedules",
        {"name": "x", "action": "stop", "cronExpression": "* * * * *"},
        format="json",
    )
    assert (
        response.json()["error"]
        == "name, containerId, containerName, action, cronExpression required"
    )


@pytest.fixture
def stack(docker_client, test_image):
    project = unique("stk")
    made = [
        docker_client.containers.run(
            test_image,
            LOOP,
            name=f"{project}-{service}",
            detach=True,
            labels={"com.docker.compose.project": project, "com.docker.compose.service": service},
        )
        for service in ("web", "worker")
    ]
    yield project, made
    for container in made:
        container.remove(force=True)


@pytest.mark.docker
def test_a_stack_schedule_stops_every_member_on_the_real_engine(auth_client, stack):
    project, members = stack
    admin = auth_client("admin")
    response = admin.post(
        "/api/schedules", stack_body(stack=project, cronExpression="* * * * *"), format="json"
    )
    schedule = Schedule.objects.select_related("host").get(pk=response.json()["id"])
    run = execution.run_due(schedule.pk, now=schedule.next_run.replace(second=5))
    run.refresh_from_db()
    assert (run.status, run.success, run.stack_name) == (RunStatus.SUCCEEDED, True, project)
    for container in members:
        container.reload()
        assert container.status == "exited"
    audit = AuditLog.objects.get(action="schedule.stop")
    assert audit.target == project
    assert audit.detail == f"nightly: stop stack {project}"
    history = admin.get("/api/schedules/history").json()["history"]
    assert history[0]["stack"] == project


@pytest.mark.docker
def test_a_missing_stack_fails_the_run_cleanly(auth_client):
    response = auth_client("admin").post(
        "/api/schedules",
        stack_body(stack=f"{PREFIX}gone", cronExpression="* * * * *"),
        format="json",
    )
    schedule = Schedule.objects.select_related("host").get(pk=response.json()["id"])
    run = execution.run_due(schedule.pk, now=schedule.next_run.replace(second=5))
    run.refresh_from_db()
    assert run.success is False
    assert run.error == f"Stack {PREFIX}gone not found"
