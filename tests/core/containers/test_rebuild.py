"""Rebuild against the real engine: a real recreate, a real failed pull, a real failed create.

Pulls go to a registry on loopback (tests/registry.py) serving the offline test image, so a
rebuild really pulls a newer image when its tag moved."""

import shutil
import uuid

import pytest

from core.docker import rebuild
from tests.core.containers.conftest import unique
from tests.registry import Registry

pytestmark = [pytest.mark.docker, pytest.mark.django_db]


def _inspect(docker_client, ref):
    return docker_client.api.inspect_container(ref)


@pytest.fixture
def service(make, docker_client, test_image):
    """A running container with the configuration a rebuild must keep."""
    api = docker_client.api
    first, second = make.network(), make.network()
    volume = unique("vol")
    make.volumes.append(volume)
    name = unique("svc")
    make.names.append(name)
    created = api.create_container(
        test_image,
        name=name,
        command=["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"],
        entrypoint=["/bin/busybox"],
        environment={"COLOUR": "blue", "EMPTY": ""},
        labels={"org.cockpit.test": "containers", "tier": "backend"},
        working_dir="/tmp",
        volumes=["/anon"],
        host_config=api.create_host_config(
            binds={volume: {"bind": "/data", "mode": "rw"}},
            restart_policy={"Name": "on-failure", "MaximumRetryCount": 3},
            mem_limit="64m",
        ),
        networking_config=api.create_networking_config(
            {first: api.create_endpoint_config(aliases=["db", "primary-db"])}
        ),
    )
    api.connect_container_to_network(created["Id"], second, aliases=["cache"])
    api.start(created["Id"])
    api.exec_start(
        api.exec_create(created["Id"], ["sh", "-c", "echo kept > /data/f; echo anon > /anon/f"])
    )
    for anonymous in _inspect(docker_client, created["Id"])["Mounts"]:
        if anonymous["Destination"] == "/anon":
            make.volumes.append(anonymous["Name"])
    return {"id": created["Id"], "name": name, "networks": (first, second), "volume": volume}


def _aliases(info, network):
    return set(info["NetworkSettings"]["Networks"][network]["Aliases"] or [])


def test_rebuild_recreates_with_the_same_configuration(admin, docker_client, service):
    response = admin.post(f"/api/containers/{service['name']}/rebuild", {"pull": False})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ok"] is True
    assert body["pulled"] is False
    assert body["previousId"] == service["id"]
    assert body["id"] != service["id"]
    assert body["message"] == (
        f"Container {service['name']} recreated from image cockpit-test/busybox:1"
    )

    info = _inspect(docker_client, service["name"])
    assert info["Id"] == body["id"]
    assert info["State"]["Running"] is True
    assert info["Config"]["Labels"]["tier"] == "backend"
    assert "COLOUR=blue" in info["Config"]["Env"]
    assert "EMPTY=" in info["Config"]["Env"]
    assert info["Config"]["Entrypoint"] == ["/bin/busybox"]
    assert info["Config"]["Cmd"][0] == "sh"
    assert info["Config"]["WorkingDir"] == "/tmp"
    assert info["HostConfig"]["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 3}
    assert info["HostConfig"]["Memory"] == 64 * 1024 * 1024
    first, second = service["networks"]
    assert {"db", "primary-db"} <= _aliases(info, first)
    assert "cache" in _aliases(info, second)
    assert service["id"][:12] not in _aliases(info, first)
    run = docker_client.api.exec_create(info["Id"], ["cat", "/data/f", "/anon/f"])
    assert docker_client.api.exec_start(run).split() == [b"kept", b"anon"]
    # the old container is gone, nothing is left aside
    names = [c["Names"][0] for c in docker_client.api.containers(all=True)]
    assert not [n for n in names if n.startswith(f"/{service['name']}-cockpit-old")]
    assert service["id"] not in [c["Id"] for c in docker_client.api.containers(all=True)]


def test_rebuild_of_a_stopped_container_leaves_it_stopped(admin, docker_client, make):
    stopped = make(start=False, environment={"A": "1"})
    response = admin.post(f"/api/containers/{stopped.id}/rebuild?pull=false")
    assert response.status_code == 200
    info = _inspect(docker_client, stopped.name)
    assert info["Id"] != stopped.id
    assert info["State"]["Status"] == "created"
    assert "A=1" in info["Config"]["Env"]


def test_a_failed_pull_deletes_nothing(admin, docker_client, make, test_image):
    # A registry on a closed loopback port: the engine's pull fails at once, for real.
    repository = f"127.0.0.1:1/{unique('img')}"
    docker_client.api.tag(test_image, repository, "1")
    make.images.append(f"{repository}:1")
    container = make(image=f"{repository}:1")
    response = admin.post(f"/api/containers/{container.id}/rebuild")
    assert response.status_code == 502
    error = response.json()["error"]
    assert error.startswith("Rebuild failed: ")
    assert "127.0.0.1:1" in error
    assert error.endswith("Nothing was changed.")
    info = _inspect(docker_client, container.name)
    assert info["Id"] == container.id
    assert info["State"]["Running"] is True


def test_a_pull_that_brings_a_newer_image_recreates_on_it(admin, docker_client, make, test_image):
    name = f"ckt/{unique('moved')}"
    with Registry() as registry:
        first = registry.publish_image(docker_client, test_image, name, "1", labels={"v": "1"})
        make.images.append(first.image_id)
        docker_client.api.pull(first.reference)
        container = make(image=first.reference, environment={"KEEP": "me"})
        assert _inspect(docker_client, container.id)["Image"] == first.image_id
        second = registry.publish_image(docker_client, test_image, name, "1", labels={"v": "2"})
        make.images.append(second.image_id)
        response = admin.post(f"/api/containers/{container.name}/rebuild")
        assert response.status_code == 200, response.content
        manifest_reads = [r for r in registry.requests if f"/v2/{name}/manifests/1" in r]
    body = response.json()
    assert (body["pulled"], body["previousId"], body["image"]) == (
        True, container.id, first.reference
    )  # fmt: skip
    assert manifest_reads
    info = _inspect(docker_client, container.name)
    assert info["Id"] == body["id"] != container.id
    assert info["Image"] == second.image_id != first.image_id
    assert info["Config"]["Labels"]["v"] == "2"
    assert "KEEP=me" in info["Config"]["Env"]
    assert info["State"]["Running"] is True


def test_a_tag_the_registry_lacks_deletes_nothing(admin, docker_client, make, test_image):
    with Registry() as registry:
        published = registry.publish_image(
            docker_client, test_image, f"ckt/{unique('lost')}", "1", labels={"lost": "1"}
        )
        make.images.append(published.image_id)
        docker_client.api.pull(published.reference)
        lost = published.reference.replace(":1", ":lost")
        docker_client.api.tag(published.reference, lost.rsplit(":", 1)[0], "lost")
        container = make(image=lost)
        response = admin.post(f"/api/containers/{container.id}/rebuild")
    assert response.status_code == 502
    assert response.json() == {
        "error": f"Rebuild failed: Image {lost} not found in its registry. Nothing was changed."
    }
    info = _inspect(docker_client, container.name)
    assert (info["Id"], info["State"]["Running"]) == (container.id, True)


def test_use_local_needs_the_image_on_the_host(admin, docker_client, make, test_image):
    repository = unique("gone")
    docker_client.api.tag(test_image, repository, "1")
    container = make(image=f"{repository}:1", start=False)
    docker_client.api.remove_image(f"{repository}:1")  # untag; the container keeps its image
    response = admin.post(f"/api/containers/{container.id}/rebuild", {"pull": False})
    assert response.status_code == 409
    assert response.json() == {
        "error": f"Image {repository}:1 is not present on host test-engine; rebuild with pull"
    }
    assert _inspect(docker_client, container.name)["Id"] == container.id


def test_a_failed_create_restores_the_old_container(admin, docker_client, make, tmp_path):
    source = tmp_path / f"bind-{uuid.uuid4().hex[:8]}"
    source.mkdir()
    api = docker_client.api
    name = unique("bind")
    make.names.append(name)
    old = api.create_container(
        "cockpit-test/busybox:1",
        name=name,
        command=["true"],
        host_config=api.create_host_config(
            mounts=[{"Type": "bind", "Source": str(source), "Target": "/bound"}]
        ),
    )["Id"]
    shutil.rmtree(source)  # the engine now refuses to create the same container again
    response = admin.post(f"/api/containers/{old}/rebuild", {"pull": False})
    assert response.status_code == 502
    error = response.json()["error"]
    assert error.startswith("Rebuild failed: ")
    assert error.endswith("the previous container was restored")
    assert _inspect(docker_client, name)["Id"] == old
    assert len(api.containers(all=True, filters={"name": name})) == 1


def test_a_failure_after_create_restores_a_running_container(
    admin, docker_client, make, monkeypatch
):
    def fail(client, new_id, spec):
        raise rebuild.RebuildFailed("network attach failed")  # injected fault

    monkeypatch.setattr(rebuild, "_connect_networks", fail)
    container = make()
    response = admin.post(f"/api/containers/{container.id}/rebuild", {"pull": False})
    assert response.status_code == 502
    assert "network attach failed" in response.json()["error"]
    assert "restored" in response.json()["error"]
    info = _inspect(docker_client, container.name)
    assert info["Id"] == container.id
    assert info["State"]["Running"] is True
    leftovers = docker_client.api.containers(all=True, filters={"name": container.name})
    assert [c["Id"] for c in leftovers] == [container.id]


def test_rebuild_errors(admin):
    response = admin.post("/api/containers/ckt-ctr-missing/rebuild")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}
    response = admin.post("/api/containers/ckt-ctr-missing/rebuild", {"pull": "no"})
    assert response.status_code == 400
    assert response.json() == {"error": "pull must be true or false"}
