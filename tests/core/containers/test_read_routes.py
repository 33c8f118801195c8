"""List, detail and top against the real engine, with their error answers."""

import pytest

from core.accounts.models import Role
from core.hosts.models import DockerHost
from tests.core.containers.conftest import SECOND_NS, wait_for

pytestmark = [pytest.mark.docker, pytest.mark.django_db]


def _listed(client, name):
    response = client.get("/api/containers")
    assert response.status_code == 200, response.content
    return next((c for c in response.json()["containers"] if c["name"] == name), None)


def test_list_shows_every_state_with_the_summary_shape(as_role, make):
    running = make(
        labels={"com.docker.compose.project": "shop", "com.docker.compose.service": "db"}
    )
    created = make(start=False)
    viewer = as_role(Role.VIEWER)

    summary = _listed(viewer, running.name)
    assert set(summary) == {
        "id", "name", "image", "imageId", "state", "status", "created", "ports", "health",
        "labels", "composeProject", "composeService", "sizeRw", "sizeRootFs", "networkMode",
    }  # fmt: skip
    assert summary["id"] == running.id
    assert summary["state"] == "running"
    assert summary["health"] is None
    assert summary["composeProject"] == "shop"
    assert summary["composeService"] == "db"
    assert summary["labels"]["org.cockpit.test"] == "containers"
    assert isinstance(summary["created"], int)
    assert isinstance(summary["sizeRw"], int)
    assert isinstance(summary["sizeRootFs"], int)
    assert summary["sizeRootFs"] > 0
    assert isinstance(summary["networkMode"], list)
    assert _listed(viewer, created.name)["state"] == "created"


def test_an_unhealthy_container_is_reported_unhealthy(admin, make):
    sick = make(healthcheck={"test": ["CMD", "false"], "interval": SECOND_NS // 4, "retries": 1})
    well = make(healthcheck={"test": ["CMD", "true"], "interval": SECOND_NS // 4, "retries": 1})
    assert wait_for(lambda: _listed(admin, sick.name)["health"] == "unhealthy")
    assert wait_for(lambda: _listed(admin, well.name)["health"] == "healthy")


def test_detail_of_a_running_container_has_stats(as_role, running):
    response = as_role(Role.VIEWER).get(f"/api/containers/{running.name}")
    assert response.status_code == 200
    body = response.json()
    assert body["container"]["Id"] == running.id
    assert body["exitCode"] == 0
    assert body["oomKilled"] is False
    assert set(body["stats"]) == {
        "cpuPercent", "memoryUsage", "memoryLimit", "memoryPercent", "networkRx", "networkTx",
        "pids", "read",
    }  # fmt: skip
    assert body["stats"]["pids"] >= 1


def test_detail_of_an_exited_container_has_its_exit_code(admin, make):
    exited = make(["sh", "-c", "exit 3"])
    wait_for(lambda: exited.reload() or exited.status == "exited")
    body = admin.get(f"/api/containers/{exited.id}").json()
    assert body["exitCode"] == 3
    assert body["stats"] is None
    assert body["oomKilled"] is False


def test_detail_of_a_never_started_container_has_no_exit_code(admin, make):
    created = make(start=False)
    body = admin.get(f"/api/containers/{created.id[:12]}").json()
    assert body["exitCode"] is None
    assert body["oomKilled"] is False
    assert body["stats"] is None


def test_unknown_container_is_404_not_found(admin):
    for path in ("", "/logs", "/logs/search?q=x", "/top"):
        response = admin.get(f"/api/containers/ckt-ctr-does-not-exist{path}")
        assert response.status_code == 404, path
        assert response.json() == {"error": "Not found"}


@pytest.mark.parametrize(
    "bad", ["-leading-dash", ".hidden", "a" * 129, "semi;colon", "sp%20ace", "%C3%A9t%C3%A9"]
)
def test_malformed_ids_are_400(admin, bad):
    for path in ("", "/logs", "/top", "/start"):
        call = admin.post if path == "/start" else admin.get
        response = call(f"/api/containers/{bad}{path}")
        assert response.status_code == 400, (bad, path)
        assert response.json() == {"error": "Invalid container ID"}


def test_top_lists_processes(as_role, running):
    response = as_role(Role.VIEWER).get(f"/api/containers/{running.id}/top")
    assert response.status_code == 200
    body = response.json()
    assert "PID" in body["Titles"]
    assert any("sleep" in " ".join(row) or "sh" in " ".join(row) for row in body["Processes"])


def test_top_of_a_stopped_container_is_409(admin, make):
    created = make(start=False)
    response = admin.get(f"/api/containers/{created.id}/top")
    assert response.status_code == 409
    assert "not running" in response.json()["error"]


def test_unreachable_engine_is_503_with_the_host_name(admin, host, tmp_path):
    host.base_url = f"unix://{tmp_path}/no-engine.sock"
    host.name = "far-away"
    host.save()
    for call, path in (
        (admin.get, "/api/containers"),
        (admin.get, "/api/containers/abc"),
        (admin.get, "/api/containers/abc/logs"),
        (admin.post, "/api/containers/abc/start"),
    ):
        response = call(path)
        assert response.status_code == 503, path
        assert response.json() == {"error": "Docker engine unavailable on host far-away"}


def test_another_host_is_chosen_by_slug(admin, org, running, tmp_path):
    DockerHost.objects.create(
        org=org, name="elsewhere", slug="elsewhere", base_url=f"unix://{tmp_path}/none.sock"
    )
    assert admin.get("/api/containers?host=elsewhere").status_code == 503
    assert admin.get("/api/containers?host=local").status_code == 200
    response = admin.get("/api/containers?host=nope")
    assert response.status_code == 404
    assert response.json() == {"error": "Host not found"}


def test_reads_need_authentication(api_client):
    response = api_client.get("/api/containers")
    assert response.status_code == 401
