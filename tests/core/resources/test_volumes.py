"""`/api/volumes` against the real engine: list, create, remove (in use → 409, spec §14.20)."""

import docker
import pytest

from core.docker import volumes
from fixtures.test_image import IMAGE
from tests.core.resources.conftest import unique

pytestmark = [pytest.mark.docker, pytest.mark.django_db]

VOLUME_KEYS = {"name", "driver", "mountpoint", "scope", "created", "labels"}


@pytest.fixture
def own_volume(docker_client, leftovers):
    name = unique("vol")
    docker_client.api.create_volume(name, labels={"org.cockpit.res": "yes"})
    leftovers.volumes.append(name)
    return name


def use_volume(docker_client, leftovers, name, *, start=False):
    container = docker_client.api.create_container(
        IMAGE,
        command=["sleep", "60"],
        name=unique("vol-user"),
        host_config=docker_client.api.create_host_config(binds={name: {"bind": "/data"}}),
    )
    leftovers.containers.append(container["Id"])
    if start:
        docker_client.api.start(container["Id"])
    return container["Id"]


def test_list_shape(viewer, host, own_volume):
    response = viewer.get("/api/volumes")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == len(body["volumes"])
    entry = next(volume for volume in body["volumes"] if volume["name"] == own_volume)
    assert set(entry) == VOLUME_KEYS
    assert entry["driver"] == "local"
    assert entry["scope"] == "local"
    assert entry["labels"] == {"org.cockpit.res": "yes"}
    assert entry["mountpoint"].endswith(f"/{own_volume}/_data")
    assert entry["created"].endswith("Z")


def test_create(admin, host, docker_client, leftovers):
    name = unique("created")
    leftovers.volumes.append(name)
    response = admin.post("/api/volumes", {"name": name, "labels": {"a": "b"}}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == VOLUME_KEYS
    assert body["name"] == name
    assert body["labels"] == {"a": "b"}
    assert docker_client.api.inspect_volume(name)["Labels"] == {"a": "b"}


def test_create_anonymous(admin, host, leftovers):
    response = admin.post("/api/volumes", {"labels": {"org.cockpit.res": "anon"}}, format="json")
    assert response.status_code == 201
    leftovers.volumes.append(response.json()["name"])
    assert len(response.json()["name"]) == 64


def test_create_existing_is_409(admin, host, own_volume):
    response = admin.post("/api/volumes", {"name": own_volume}, format="json")
    assert response.status_code == 409
    assert response.json() == {"error": f"Volume {own_volume} already exists"}


def test_create_unknown_driver_is_400(admin, host, leftovers):
    name = unique("drv")
    leftovers.volumes.append(name)
    response = admin.post("/api/volumes", {"name": name, "driver": "nosuchdriver"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"error": "Unknown volume driver nosuchdriver"}


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": "bad name"}, "name"), ({"name": "/x"}, "name"), ({"driver": "-x"}, "driver"),
     ({"labels": ["x"]}, "labels"), ({"driverOpts": {"o": None}}, "driverOpts.o")],
)  # fmt: skip
def test_create_validation(admin, host, body, field):
    response = admin.post("/api/volumes", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "Validation failed"
    assert response.json()["field"] == field


def test_remove(admin, host, own_volume, docker_client):
    response = admin.delete(f"/api/volumes/{own_volume}")
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    with pytest.raises(docker.errors.NotFound):
        docker_client.api.inspect_volume(own_volume)


@pytest.mark.parametrize("running", [False, True])
def test_remove_in_use_is_409_even_forced(admin, host, own_volume, docker_client, leftovers,
                                          running):  # fmt: skip
    use_volume(docker_client, leftovers, own_volume, start=running)
    for suffix in ("", "?force=true"):
        response = admin.delete(f"/api/volumes/{own_volume}{suffix}")
        assert response.status_code == 409
        assert "volume is in use" in response.json()["error"]
    docker_client.api.inspect_volume(own_volume)


def test_remove_unknown_is_404_unless_forced(admin, host):
    name = unique("ghost")
    response = admin.delete(f"/api/volumes/{name}")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}
    assert admin.delete(f"/api/volumes/{name}?force=true").status_code == 200


@pytest.mark.parametrize("path", ["-x", "_x", "a:b", "x" * 129, "a%20b"])
def test_remove_invalid_name_is_400(admin, host, path):
    response = admin.delete(f"/api/volumes/{path}")
    assert response.status_code == 400
    assert response.json() == {"error": "Invalid volume name"}


def test_gateway_functions(host, leftovers):
    name = unique("gw")
    leftovers.volumes.append(name)
    created = volumes.create_volume(host, volumes.VolumeSpec(name=name))
    assert created["name"] == name
    assert name in {volume["name"] for volume in volumes.list_volumes(host)}
    volumes.remove_volume(host, name)
    assert name not in {volume["name"] for volume in volumes.list_volumes(host)}


def test_writes_need_admin(as_role, host, own_volume):
    for role in ("viewer", "operator"):
        client = as_role(role)
        response = client.delete(f"/api/volumes/{own_volume}")
        assert response.status_code == 403
        assert response.json() == {"error": "Insufficient permissions"}
        assert client.post("/api/volumes", {}, format="json").status_code == 403


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/volumes"), ("post", "/api/volumes"), ("delete", "/api/volumes/x")],
)
def test_unreachable_engine_is_503_with_host_name(admin, dead_host, method, path):
    body = {} if method == "post" else None
    response = getattr(admin, method)(f"{path}?host=dead", body, format="json")
    assert response.status_code == 503
    assert response.json() == {"error": "Docker engine unavailable on host dead-engine"}
