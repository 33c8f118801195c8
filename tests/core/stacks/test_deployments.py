"""Compose deployments through the API: stored versions, deploy, services, logs, down, rollback,
delete — each verified on the real engine with the real compose binary."""

import pytest

from core.accounts.models import Organization, Role
from core.hosts.models import DockerHost
from core.stacks.models import Stack, StackVersion
from core.stacks.workspace import stacks_root
from tests.core.stacks.conftest import IMAGE, client_for, compose_file, service, wait_for

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("eager_tasks")]


def create(client, name, compose, **extra):
    return client.post("/api/stacks", {"name": name, "compose": compose, **extra}, format="json")


def project_containers(docker_client, name, all_states=True):
    return docker_client.containers.list(
        all=all_states, filters={"label": f"com.docker.compose.project={name}"}
    )


def operation_of(response):
    assert response.status_code == 202, response.content
    return response.json()["operation"]


def follow(client, operation_id):
    return client.get(f"/api/stacks/operations/{operation_id}").json()


def test_create_validates_with_compose_and_stores_version_1(admin, projects):
    name = projects.name()

    response = create(admin, name, compose_file(web=service(), worker=service()), note="first")

    assert response.status_code == 201
    body = response.json()
    assert body["stack"]["name"] == name
    assert body["stack"]["host"] == "local"
    assert body["stack"]["deployment"]["latestVersion"] == 1
    assert body["stack"]["deployment"]["currentVersion"] is None
    assert body["version"]["number"] == 1
    assert body["version"]["note"] == "first"
    assert body["version"]["createdBy"] == "x@example.com"
    assert body["services"] == ["web", "worker"]
    assert body["changed"] is True
    # Nothing runs until it is deployed; the idle deployment is still listed.
    listed = admin.get(f"/api/stacks/{name}").json()
    assert listed["containerCount"] == 0
    assert listed["status"] == "stopped"
    assert listed["deployment"]["latestVersion"] == 1


def test_invalid_compose_is_400_with_composes_message(admin, projects):
    bad = "services:\n  web:\n    image: x\n    bogus: 1\n"
    response = create(admin, projects.name(), bad)
    assert response.status_code == 400
    error = response.json()["error"]
    assert "additional properties 'bogus' not allowed" in error
    assert str(stacks_root()) not in error  # our server paths are not shown
    assert "compose.yaml" in error
    assert not Stack.objects.exists()


@pytest.mark.parametrize(
    ("compose", "fragment"),
    [
        ("services:\n  web:\n   image: x\n  - bad\n", "yaml"),
        ("", None),
        ("nope: 1\n", "additional properties 'nope' not allowed"),
    ],
)
def test_other_invalid_files_are_400(admin, projects, compose, fragment):
    response = create(admin, projects.name(), compose)
    assert response.status_code == 400
    if fragment:
        assert fragment in response.json()["error"]


@pytest.mark.parametrize(
    "name", ["../../etc", "..", "a/b", "/abs", ".env", "UPPER", "dots.in.name", "a" * 65, ""]
)
def test_unsafe_or_non_compose_names_are_400(admin, db, host, name, settings, tmp_path):
    settings.DATA_DIR = tmp_path  # an empty stacks root: nothing may be written into it
    response = create(admin, name, compose_file(app=service()))
    assert response.status_code == 400
    body = response.json()
    if name == "":
        assert body["error"] == "Validation failed"
    else:
        assert body["error"] == "Invalid stack name"
    assert not Stack.objects.exists()
    assert not any(stacks_root().glob("**/compose.yaml"))


def test_same_files_again_write_no_new_version(admin, projects):
    name = projects.name()
    compose = compose_file(app=service())
    assert create(admin, name, compose).status_code == 201
    again = create(admin, name, compose)
    assert again.status_code == 200
    assert again.json()["changed"] is False
    assert again.json()["version"]["number"] == 1
    changed = create(admin, name, compose_file(app=service(), other=service()))
    assert changed.status_code == 200
    assert changed.json()["version"]["number"] == 2


def test_compose_files_over_the_global_body_limit_are_accepted(admin, projects, settings):
    padding = "# " + "x" * 1000 + "\n"
    big = compose_file(app=service()) + "\n" + padding * 40  # about 40 KB
    assert len(big) > settings.MAX_BODY_BYTES
    response = create(admin, projects.name(), big)
    assert response.status_code == 201
    stored = StackVersion.objects.get()
    assert stored.compose == big


def test_bodies_over_the_route_limit_are_413(admin, projects):
    huge = "# " + "x" * (700 * 1024)
    response = create(admin, projects.name(), huge)
    assert response.status_code == 413
    assert response.json()["error"].startswith("Request body too large (max ")


def test_the_raised_limit_is_only_for_this_route(admin, settings, db, host):
    body = {"name": "x", "padding": "y" * (settings.MAX_BODY_BYTES + 10)}
    response = admin.post("/api/stacks/x/deploy", body, format="json")
    assert response.status_code == 413


def test_deploy_services_logs_down(admin, projects, docker_client):
    name = projects.name()
    env = f"IMAGE={IMAGE}\nSECRET_TOKEN=hunter2\n"
    compose = compose_file(web=service(image="${IMAGE}"), worker=service())
    assert create(admin, name, compose, env=env).status_code == 201

    operation = operation_of(admin.post(f"/api/stacks/{name}/deploy"))
    assert operation["kind"] == "deploy"
    assert operation["version"] == 1

    done = follow(admin, operation["id"])
    assert done["operation"]["status"] == "succeeded", done
    assert done["operation"]["exitCode"] == 0
    assert any("Started" in line for line in done["lines"])
    assert done["lastLine"] == len(done["lines"]) == done["operation"]["lineCount"]
    running = project_containers(docker_client, name, all_states=False)
    assert sorted(c.name for c in running) == [f"{name}-web-1", f"{name}-worker-1"]
    assert Stack.objects.get(name=name).current_version.number == 1

    detail = admin.get(f"/api/stacks/{name}").json()
    assert detail["status"] == "running"
    assert detail["deployment"]["currentVersion"] == 1

    services = admin.get(f"/api/stacks/{name}/services").json()["services"]
    assert [s["service"] for s in services] == ["web", "worker"]
    assert services[0]["running"] == 1
    assert services[0]["containers"][0]["name"] == f"{name}-web-1"
    assert services[0]["containers"][0]["state"] == "running"

    logs = wait_for(
        lambda: (
            (body := admin.get(f"/api/stacks/{name}/logs?tail=2").json()["logs"])
            and len(body["worker"]) == 2
            and body
        )
    )
    assert set(logs) == {"web", "worker"}
    assert logs["worker"][-1].endswith(" tick")
    only = admin.get(f"/api/stacks/{name}/logs?service=web&tail=1").json()["logs"]
    assert list(only) == ["web"]
    assert admin.get(f"/api/stacks/{name}/logs?service=nope").status_code == 404

    down = operation_of(admin.post(f"/api/stacks/{name}/down"))
    assert follow(admin, down["id"])["operation"]["status"] == "succeeded"
    assert project_containers(docker_client, name) == []
    assert Stack.objects.get(name=name).current_version is None
    assert admin.get(f"/api/stacks/{name}/services").json() == {"services": []}


def test_env_values_are_never_returned(admin, projects):
    name = projects.name()
    create(admin, name, compose_file(app=service()), env="SECRET_TOKEN=hunter2\n# c\nPLAIN=1\n")
    versions = admin.get(f"/api/stacks/{name}/versions").json()["versions"]
    assert versions[0]["envKeys"] == ["SECRET_TOKEN", "PLAIN"]
    detail = admin.get(f"/api/stacks/{name}/versions/1")
    assert detail.status_code == 200
    assert "hunter2" not in detail.content.decode()
    assert detail.json()["version"]["compose"] == compose_file(app=service())


def test_down_with_volumes_removes_named_volumes(admin, projects, docker_client):
    name = projects.name()
    compose = compose_file(app=service(volumes=["data:/data"]))[:-1] + ', "volumes": {"data": {}}}'
    assert create(admin, name, compose).status_code == 201
    deploy = operation_of(admin.post(f"/api/stacks/{name}/deploy"))
    assert follow(admin, deploy["id"])["operation"]["status"] == "succeeded"
    assert docker_client.volumes.list(filters={"name": f"{name}_data"})

    down = operation_of(admin.post(f"/api/stacks/{name}/down", {"volumes": True}, format="json"))
    assert down["options"] == {"volumes": True}
    assert follow(admin, down["id"])["operation"]["status"] == "succeeded"
    assert not docker_client.volumes.list(filters={"name": f"{name}_data"})


def test_versions_and_rollback(admin, projects, docker_client):
    name = projects.name()
    create(admin, name, compose_file(app=service()), note="one service")
    first = operation_of(admin.post(f"/api/stacks/{name}/deploy"))
    assert follow(admin, first["id"])["operation"]["status"] == "succeeded"
    create(admin, name, compose_file(app=service(), extra=service()), note="two services")
    second = operation_of(admin.post(f"/api/stacks/{name}/deploy"))
    assert follow(admin, second["id"])["operation"]["status"] == "succeeded"
    assert len(project_containers(docker_client, name, all_states=False)) == 2

    rollback = operation_of(admin.post(f"/api/stacks/{name}/rollback", {"version": 1}, "json"))

    assert rollback["kind"] == "rollback"
    assert rollback["version"] == 3
    assert follow(admin, rollback["id"])["operation"]["status"] == "succeeded"
    running = project_containers(docker_client, name, all_states=False)
    assert [c.name for c in running] == [f"{name}-app-1"]  # the orphan was removed
    versions = admin.get(f"/api/stacks/{name}/versions").json()["versions"]
    assert [v["number"] for v in versions] == [3, 2, 1]
    assert [v["current"] for v in versions] == [True, False, False]
    assert versions[0]["note"] == "Rollback to version 1"
    v1, v3 = StackVersion.objects.get(number=1), StackVersion.objects.get(number=3)
    assert (v3.compose, v3.env) == (v1.compose, v1.env)
    history = admin.get(f"/api/stacks/{name}/operations").json()["operations"]
    assert [op["kind"] for op in history] == ["rollback", "deploy", "deploy"]


@pytest.mark.parametrize("version", [0, -1, "1", True, None, 99])
def test_rollback_to_a_bad_version(admin, projects, version):
    name = projects.name()
    create(admin, name, compose_file(app=service()))
    response = admin.post(f"/api/stacks/{name}/rollback", {"version": version}, format="json")
    if version == 99:
        assert response.status_code == 404
        assert response.json() == {"error": "Stack version not found"}
    else:
        assert response.status_code == 400
        assert response.json() == {"error": "version must be a positive integer"}
    assert StackVersion.objects.count() == 1


def test_failed_up_keeps_the_previous_version_current(admin, projects, docker_client):
    name = projects.name()
    create(admin, name, compose_file(app=service()))
    good = operation_of(admin.post(f"/api/stacks/{name}/deploy"))
    assert follow(admin, good["id"])["operation"]["status"] == "succeeded"
    # An image that is not here and cannot be pulled (nothing listens on port 9).
    broken = compose_file(app=service(image="127.0.0.1:9/ckt-missing:1", pull_policy="missing"))
    create(admin, name, broken)

    failed = follow(admin, operation_of(admin.post(f"/api/stacks/{name}/deploy"))["id"])

    assert failed["operation"]["status"] == "failed"
    assert failed["operation"]["exitCode"] not in (0, None)
    assert "127.0.0.1:9" in failed["operation"]["error"]
    assert any("127.0.0.1:9" in line for line in failed["lines"])
    stack = Stack.objects.get(name=name)
    assert stack.current_version.number == 1
    assert admin.get(f"/api/stacks/{name}").json()["deployment"] == {
        **admin.get(f"/api/stacks/{name}").json()["deployment"],
        "currentVersion": 1,
        "latestVersion": 2,
    }
    running = project_containers(docker_client, name, all_states=False)
    assert [c.name for c in running] == [f"{name}-app-1"]


def test_pull_runs_compose_pull(admin, projects):
    name = projects.name()
    create(admin, name, compose_file(app=service()))
    pulled = follow(admin, operation_of(admin.post(f"/api/stacks/{name}/pull"))["id"])
    assert pulled["operation"]["status"] == "succeeded"
    assert pulled["operation"]["kind"] == "pull"
    assert any("Skipped" in line for line in pulled["lines"])  # pull_policy: never


def test_delete_takes_down_and_forgets(admin, projects, docker_client):
    name = projects.name()
    create(admin, name, compose_file(app=service()))
    deploy = operation_of(admin.post(f"/api/stacks/{name}/deploy"))
    assert follow(admin, deploy["id"])["operation"]["status"] == "succeeded"
    directory = next(stacks_root().glob(f"*/*/{name}"))
    assert (directory / "compose.yaml").exists()

    deleted = operation_of(admin.delete(f"/api/stacks/{name}"))

    after = follow(admin, deleted["id"])
    assert after["operation"]["status"] == "succeeded"
    assert after["operation"]["stack"] == name  # still readable after the stack is gone
    assert project_containers(docker_client, name) == []
    assert not Stack.objects.filter(name=name).exists()
    assert not directory.exists()
    assert admin.get(f"/api/stacks/{name}").status_code == 404


def test_deployment_routes_need_a_deployment(admin, projects):
    name = projects.up(app=service())  # label-derived only
    for path in ("deploy", "pull", "down"):
        response = admin.post(f"/api/stacks/{name}/{path}")
        assert response.status_code == 404
        assert response.json() == {"error": "Stack deployment not found"}
    assert admin.get(f"/api/stacks/{name}/versions").status_code == 404
    assert admin.delete(f"/api/stacks/{name}").status_code == 404
    # Services and logs work for any compose project on the host.
    assert admin.get(f"/api/stacks/{name}/services").json()["services"][0]["service"] == "app"


def test_role_matrix(org, host, projects):
    name = projects.name()
    viewer, operator, admin = (client_for(org, role) for role in Role)
    compose = compose_file(app=service())
    assert create(viewer, name, compose).status_code == 403
    assert create(operator, name, compose).status_code == 403
    assert create(admin, name, compose).status_code == 201

    for client in (viewer, operator, admin):
        assert client.get(f"/api/stacks/{name}/versions").status_code == 200
        assert client.get(f"/api/stacks/{name}/versions/1").status_code == 200
        assert client.get(f"/api/stacks/{name}/services").status_code == 200
        assert client.get(f"/api/stacks/{name}/operations").status_code == 200
    for path in ("deploy", "pull"):
        assert viewer.post(f"/api/stacks/{name}/{path}").status_code == 403
        assert operator.post(f"/api/stacks/{name}/{path}").status_code == 202
    for path in ("down", "rollback"):
        assert viewer.post(f"/api/stacks/{name}/{path}").status_code == 403
        assert operator.post(f"/api/stacks/{name}/{path}").status_code == 403
    assert operator.delete(f"/api/stacks/{name}").status_code == 403
    assert operator.get(f"/api/stacks/{name}").status_code == 200
    assert admin.post(f"/api/stacks/{name}/rollback", {"version": 1}, "json").status_code == 202
    assert admin.delete(f"/api/stacks/{name}").status_code == 202


def test_another_organisations_deployment_is_not_found(admin, org, host, projects):
    name = projects.name()
    create(admin, name, compose_file(app=service()))
    operation = operation_of(admin.post(f"/api/stacks/{name}/pull"))
    other = Organization.objects.create(name="Other", slug="stk-other-org")
    DockerHost.objects.create(
        org=other, name="theirs", slug="local", base_url=host.base_url, is_default=True
    )
    stranger = client_for(other, Role.ADMIN)

    assert stranger.get(f"/api/stacks/{name}/versions").status_code == 404
    assert stranger.post(f"/api/stacks/{name}/deploy").status_code == 404
    assert stranger.delete(f"/api/stacks/{name}").status_code == 404
    assert stranger.get(f"/api/stacks/{name}").status_code == 404
    response = stranger.get(f"/api/stacks/operations/{operation['id']}")
    assert response.status_code == 404
    assert response.json() == {"error": "Operation not found"}
    listed = stranger.get("/api/stacks").json()["stacks"]
    assert name not in [stack["name"] for stack in listed]
