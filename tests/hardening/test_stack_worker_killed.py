"""A worker is killed mid-deploy (issue 8): the control plane (tests/hardening/conftest.py) on a
private Redis runs a compose deployment that takes several seconds; its worker is SIGKILLed
while the operation is running, a new worker starts, and the redelivered message takes the
operation over once the dead worker's lease has run out and runs `up -d` again. The project
lives on the shared test engine under a unique name and is brought down in teardown."""

import json

import pytest

from core.stacks.operations import TAKEOVER_LINE
from tests.core.agents.cluster import wait_until
from tests.core.stacks.conftest import Projects
from tests.hardening.control_plane import kill_worker, start_worker

pytestmark = [pytest.mark.docker, pytest.mark.redis, pytest.mark.slow]

IMAGE = "cockpit-test/busybox:1"
HEALTHY_AFTER = 15  # seconds: `up -d` waits this long for `db` before it creates `app`


def slow_stack() -> str:
    """`app` waits for `db` to report healthy, which takes HEALTHY_AFTER seconds."""
    ticking = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
    db = {
        "image": IMAGE,
        "pull_policy": "never",
        "command": [
            "sh", "-c",
            f"trap 'exit 0' TERM; sleep {HEALTHY_AFTER}; touch /tmp/ready; "
            "while true; do sleep 1; done",
        ],
        "healthcheck": {"test": ["CMD", "sh", "-c", "test -f /tmp/ready"],
                        "interval": "1s", "timeout": "1s", "retries": 60},
    }  # fmt: skip
    app = {"image": IMAGE, "pull_policy": "never", "command": ticking,
           "depends_on": {"db": {"condition": "service_healthy"}}}  # fmt: skip
    return json.dumps({"services": {"db": db, "app": app}})


@pytest.fixture
def projects(tmp_path):
    made = Projects(tmp_path)
    yield made
    made.cleanup()


def operation_of(plane, operation_id: int) -> dict:
    status, body = plane.api.call("GET", f"/api/stacks/operations/{operation_id}")
    assert status == 200, body
    return body


def save_and_deploy(plane, name: str) -> int:
    """Save the slow stack and queue its deployment; the operation's id."""
    status, saved = plane.api.call("POST", "/api/stacks", {"name": name, "compose": slow_stack()})
    assert status == 201, saved
    status, queued = plane.api.call("POST", f"/api/stacks/{name}/deploy")
    assert status == 202, queued
    return queued["operation"]["id"]


def finished_operation(plane, operation_id: int) -> dict:
    return wait_until(
        lambda: (b := operation_of(plane, operation_id))["operation"]["status"]
        in ("succeeded", "failed") and b,
        120, "the operation to end",
    )  # fmt: skip


def test_a_worker_killed_mid_deploy_the_operation_is_taken_over_and_deploys_once(
    plane, projects, docker_client
):
    """Found: `run_stack_operation` was not `acks_late`, so the killed worker's message was
    gone and the operation stayed `running` until ABANDONED_AFTER (35 min), then failed. Now
    the message comes back, waits out the dead worker's lease and runs the deployment again."""
    name = projects.name("kill")
    operation_id = save_and_deploy(plane, name)

    def db_started():
        body = operation_of(plane, operation_id)
        return body["operation"]["status"] == "running" and any(
            "db-1" in line and "Started" in line for line in body["lines"]
        )

    wait_until(db_started, 60, "compose to start db and wait for it to be healthy")
    kill_worker(plane)
    assert operation_of(plane, operation_id)["operation"]["status"] == "running"
    start_worker(plane, "worker-2")

    body = finished_operation(plane, operation_id)
    assert body["operation"]["status"] == "succeeded", body
    assert body["lines"].count(TAKEOVER_LINE) == 1
    assert "core.stacks.run_operation" in plane.worker.output  # redelivered to the new worker

    found = docker_client.containers.list(
        all=True, filters={"label": f"com.docker.compose.project={name}"}
    )
    services = sorted(c.labels["com.docker.compose.service"] for c in found)
    assert services == ["app", "db"], [c.name for c in found]  # one each, none duplicated
    assert all(c.status == "running" for c in found)
    status, stack = plane.api.call("GET", f"/api/stacks/{name}")
    assert status == 200, stack
    assert stack["deployment"]["currentVersion"] == 1, stack


def test_a_deploy_outliving_the_visibility_timeout_is_not_run_a_second_time(plane, projects):
    """`acks_late` has a cost: Redis delivers the message of a deployment that runs longer than
    BROKER_VISIBILITY_TIMEOUT again, to the worker's other process, while the first still runs
    it. The live worker's renewed lease makes that copy wait and then find the work done."""
    name = projects.name("long")
    operation_id = save_and_deploy(plane, name)

    body = finished_operation(plane, operation_id)
    assert body["operation"]["status"] == "succeeded", body
    assert TAKEOVER_LINE not in body["lines"]
    wait_until(lambda: "retry: Retry in" in plane.worker.output, 30, "the copy to wait")
    assert plane.worker.output.count("Stack operation") == 0  # no takeover, no lost lease
