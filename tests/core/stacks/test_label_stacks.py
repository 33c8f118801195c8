"""The label-derived stacks of spec §3.4, against containers a real `compose up` made."""

import pytest

from core.accounts.models import Role
from tests.core.stacks.conftest import client_for, service, wait_for

pytestmark = pytest.mark.docker


def stack_named(client, name):
    stacks = client.get("/api/stacks").json()["stacks"]
    return next((stack for stack in stacks if stack["name"] == name), None)


def test_list_groups_containers_by_compose_project(viewer, projects):
    name = projects.up(web=service(), worker=service())

    stack = stack_named(viewer, name)

    assert stack["containerCount"] == 2
    assert stack["running"] == 2
    assert stack["stopped"] == 0
    assert stack["unhealthy"] == 0
    assert stack["status"] == "running"
    assert stack["workingDir"].endswith(f"/{name}")
    assert stack["deployment"] is None
    members = {container["composeService"]: container for container in stack["containers"]}
    assert set(members) == {"web", "worker"}
    web = members["web"]
    assert web["composeProject"] == name
    assert web["name"] == f"{name}-web-1"
    assert web["state"] == "running"
    assert web["health"] is None
    assert isinstance(web["created"], int)
    assert {"id", "image", "imageId", "status", "ports", "labels", "sizeRw", "sizeRootFs"} <= set(
        web
    )
    assert web["networkMode"] == [f"{name}_default"]


def test_detail_is_the_stack_object_unwrapped(viewer, projects):
    name = projects.up(app=service())

    response = viewer.get(f"/api/stacks/{name}")

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == name
    assert body["containerCount"] == 1
    assert body["containers"][0]["composeService"] == "app"


@pytest.mark.parametrize("path", ["", "/start", "/stop", "/restart"])
def test_unknown_stack_is_404_on_reads_and_actions(admin, docker_client, path):
    method = admin.get if path == "" else admin.post
    response = method(f"/api/stacks/ckt-stk-never-there{path}")
    assert response.status_code == 404
    assert response.json() == {"error": "Stack not found"}


@pytest.mark.parametrize(
    "name", ["-leading-dash", ".hidden", "a" * 65, "bad%20name", "semi;colon", "..", "%2e%2e"]
)
@pytest.mark.parametrize("path", ["", "/start", "/services", "/logs", "/versions"])
def test_invalid_stack_name_is_400(admin, db, host, name, path):
    method = admin.post if path == "/start" else admin.get
    response = method(f"/api/stacks/{name}{path}")
    assert response.status_code == 400
    assert response.json() == {"error": "Invalid stack name"}


def test_stop_start_restart_report_each_member(operator, projects, docker_client):
    name = projects.up(web=service(), worker=service())

    stopped = operator.post(f"/api/stacks/{name}/stop?t=1")
    assert stopped.status_code == 200
    assert sorted(r["action"] for r in stopped.json()["results"]) == ["stopped", "stopped"]
    assert {r["name"] for r in stopped.json()["results"]} == {f"{name}-web-1", f"{name}-worker-1"}
    assert stack_named(operator, name)["status"] == "stopped"

    again = operator.post(f"/api/stacks/{name}/stop?t=1").json()["results"]
    assert [r["action"] for r in again] == ["already_stopped", "already_stopped"]

    docker_client.containers.get(f"{name}-web-1").start()
    assert stack_named(operator, name)["status"] == "partial"
    started = operator.post(f"/api/stacks/{name}/start").json()["results"]
    assert sorted(r["action"] for r in started) == ["already_running", "started"]
    assert stack_named(operator, name)["status"] == "running"

    restarted = operator.post(f"/api/stacks/{name}/restart?t=1").json()["results"]
    assert [r["action"] for r in restarted] == ["restarted", "restarted"]
    assert all("error" not in r for r in restarted)
    assert stack_named(operator, name)["running"] == 2


def test_a_member_that_fails_is_reported_not_fatal(host, projects, docker_client):
    from core.docker import stacks as engine_stacks

    name = projects.up(app=service(), gone=service())
    members = engine_stacks.get_stack(host, name)["containers"]
    docker_client.containers.get(f"{name}-gone-1").remove(force=True)

    results = {r["name"]: r for r in engine_stacks.restart_stack(host, members, 1)}

    assert results[f"{name}-app-1"]["action"] == "restarted"
    assert results[f"{name}-gone-1"]["action"] == "error"
    assert results[f"{name}-gone-1"]["error"] == "Not found"


def test_invalid_timeout_is_400(operator, projects):
    name = projects.up(app=service())
    response = operator.post(f"/api/stacks/{name}/stop?t=soon")
    assert response.status_code == 400
    assert "seconds" in response.json()["error"]


def test_unhealthy_member_makes_the_stack_unhealthy(viewer, projects):
    sick = service(
        healthcheck={"test": ["CMD", "false"], "interval": "1s", "timeout": "1s", "retries": 1}
    )
    name = projects.up(sick=sick, fine=service())

    stack = wait_for(
        lambda: (s := stack_named(viewer, name)) and s["unhealthy"] == 1 and s, timeout=30
    )

    assert stack["status"] == "unhealthy"
    health = {c["composeService"]: c["health"] for c in stack["containers"]}
    assert health == {"sick": "unhealthy", "fine": None}


def test_healthy_member_is_reported_healthy(viewer, projects):
    well = service(
        healthcheck={"test": ["CMD", "true"], "interval": "1s", "timeout": "1s", "retries": 1}
    )
    name = projects.up(well=well)

    stack = wait_for(
        lambda: (s := stack_named(viewer, name)) and s["containers"][0]["health"] == "healthy" and s
    )
    assert stack["status"] == "running"
    assert stack["unhealthy"] == 0


def test_roles_viewer_reads_operator_acts(projects, org, host):
    name = projects.up(app=service())
    viewer = client_for(org, Role.VIEWER)
    assert viewer.get("/api/stacks").status_code == 200
    assert viewer.get(f"/api/stacks/{name}").status_code == 200
    for action in ("start", "stop", "restart"):
        response = viewer.post(f"/api/stacks/{name}/{action}")
        assert response.status_code == 403
        assert response.json() == {"error": "Insufficient permissions"}
    # Spec §14.12: stack actions follow container actions, so operators may use them.
    assert client_for(org, Role.OPERATOR).post(f"/api/stacks/{name}/start").status_code == 200


def test_unauthenticated_is_401(api_client, db):
    response = api_client.get("/api/stacks")
    assert response.status_code == 401
    assert response.json() == {"error": "Missing or invalid Authorization header"}


def test_another_organisations_host_is_not_found(projects, org, host):
    from core.accounts.models import Organization
    from core.hosts.models import DockerHost

    other = Organization.objects.create(name="Other", slug="stk-other")
    DockerHost.objects.create(org=other, name="theirs", slug="theirs", base_url=host.base_url)
    name = projects.up(app=service())
    response = client_for(org, Role.ADMIN).get(f"/api/stacks/{name}?host=theirs")
    assert response.status_code == 404
    assert response.json() == {"error": "Host not found"}


def test_an_unreachable_engine_is_503_not_500(org, host, viewer):
    from core.hosts.models import DockerHost

    DockerHost.objects.create(
        org=org, name="gone", slug="gone", base_url="unix:///nonexistent/ckt-stk.sock"
    )
    for path in ("/api/stacks?host=gone", "/api/stacks/ckt-stk-x/services?host=gone"):
        response = viewer.get(path)
        assert response.status_code == 503
        assert response.json() == {"error": "Docker engine unavailable on host gone"}
