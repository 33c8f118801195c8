"""`/api/overview` against real engines: counts on a private engine (exact, nobody else's
containers), shape on the shared one."""

import time

import pytest

from core.docker import system
from fixtures.test_image import IMAGE
from tests.core.resources.conftest import unique

pytestmark = [pytest.mark.docker, pytest.mark.django_db]

PROJECT_LABEL = "com.docker.compose.project"
SECOND = 1_000_000_000  # health check durations are in nanoseconds


def wait_for_health(client, container_id, status, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        health = client.api.inspect_container(container_id)["State"].get("Health") or {}
        if health.get("Status") == status:
            return
        time.sleep(0.3)
    raise AssertionError(f"container never became {status}")


def make(client, leftovers, *, start=True, labels=None, healthcheck=None):
    container = client.api.create_container(
        IMAGE,
        command=["sleep", "120"],
        name=unique("ov"),
        labels=labels or {},
        healthcheck=healthcheck,
    )
    leftovers.containers.append(container["Id"])
    if start:
        client.api.start(container["Id"])
    return container["Id"]


@pytest.fixture
def populated(private_client, private_leftovers):
    """A plain running container, a stopped one, an unhealthy one, and a compose pair of
    project `ckt-res-stack` with one member stopped."""
    make(private_client, private_leftovers)
    make(private_client, private_leftovers, start=False)
    unhealthy = make(
        private_client,
        private_leftovers,
        healthcheck={"test": ["CMD", "false"], "interval": SECOND, "timeout": SECOND,
                     "retries": 1, "start_period": 0},
    )  # fmt: skip
    project = {PROJECT_LABEL: "ckt-res-stack", "com.docker.compose.service": "web"}
    make(private_client, private_leftovers, labels=project)
    stopped_member = make(private_client, private_leftovers, labels=project, start=False)
    wait_for_health(private_client, unhealthy, "unhealthy")
    return {"stopped_member": stopped_member}


def test_counts_with_an_unhealthy_container_and_a_stack(
    viewer, private_host, private_client, populated, settings
):
    settings.SERVER_NAME = "Res Test Server"
    response = viewer.get("/api/overview?host=private")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "serverName", "system", "containers", "stacks", "sseClients", "timestamp",
    }  # fmt: skip
    assert body["serverName"] == "Res Test Server"
    assert body["containers"] == {"total": 5, "running": 3, "stopped": 2, "unhealthy": 1}
    assert body["stacks"] == {"total": 1, "allHealthy": False}
    assert body["sseClients"] == 0
    assert body["timestamp"].endswith("Z")
    assert set(body["system"]) == {
        "hostname", "cpuPercent", "cpuCount", "memory", "disk", "load", "uptimeSeconds",
    }  # fmt: skip

    private_client.api.start(populated["stopped_member"])
    body = viewer.get("/api/overview?host=private").json()
    assert body["stacks"] == {"total": 1, "allHealthy": True}
    assert body["containers"]["running"] == 4


def test_container_states_gateway(private_host, populated):
    states = system.container_states(private_host)
    assert sorted(state.health or "-" for state in states) == ["-", "-", "-", "-", "unhealthy"]
    assert [state.project for state in states if state.project] == ["ckt-res-stack"] * 2


def test_no_stacks_means_all_healthy(viewer, private_host, private_client):
    leftover_projects = [
        c for c in private_client.api.containers(all=True) if PROJECT_LABEL in (c["Labels"] or {})
    ]
    assert not leftover_projects
    body = viewer.get("/api/overview?host=private").json()
    assert body["stacks"] == {"total": 0, "allHealthy": True}


def test_shape_on_the_shared_engine(viewer, host):
    response = viewer.get("/api/overview")
    assert response.status_code == 200
    containers = response.json()["containers"]
    assert containers["total"] == containers["running"] + containers["stopped"]
    assert 0 <= containers["unhealthy"] <= containers["running"]


def test_needs_authentication(api_client, host):
    response = api_client.get("/api/overview")
    assert response.status_code == 401


def snapshot_containers():
    return [
        {"id": "a", "name": "a", "state": "running", "health": "unhealthy", "image": "x",
         "composeProject": "p1"},
        {"id": "b", "name": "b", "state": "exited", "health": None, "image": "x",
         "composeProject": "p1"},
        {"id": "c", "name": "c", "state": "running", "health": None, "image": "x",
         "composeProject": None},
    ]  # fmt: skip


def test_a_fresh_sampler_snapshot_answers_without_the_engine(viewer, dead_host):
    """The dead host's engine cannot answer, so these counts can only come from the snapshot."""
    from datetime import UTC, datetime

    from core.sampling import snapshots

    snapshots.store(dead_host.id, dead_host.org_id, {}, snapshot_containers(), datetime.now(UTC))
    response = viewer.get("/api/overview?host=dead")
    assert response.status_code == 200
    body = response.json()
    assert body["containers"] == {"total": 3, "running": 2, "stopped": 1, "unhealthy": 1}
    assert body["stacks"] == {"total": 1, "allHealthy": False}


def test_a_stale_snapshot_is_not_used(viewer, dead_host):
    from datetime import UTC, datetime, timedelta

    from core.sampling import snapshots

    sampled_at = datetime.now(UTC) - timedelta(minutes=2)
    snapshots.store(dead_host.id, dead_host.org_id, {}, snapshot_containers(), sampled_at)
    response = viewer.get("/api/overview?host=dead")
    assert response.status_code == 503
