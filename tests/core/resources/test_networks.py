"""`/api/networks` against the real engine: list, create, remove."""

import random

import pytest

from core.docker import networks
from fixtures.test_image import IMAGE
from tests.core.resources.conftest import unique

pytestmark = [pytest.mark.docker, pytest.mark.django_db]

NETWORK_KEYS = {"id", "name", "driver", "scope", "internal", "containers", "options", "created"}


def free_subnet() -> str:
    """A /24 outside the engines' default pool (10.213.0.0/16), picked at random."""
    return f"10.231.{random.randint(0, 255)}.0/24"


@pytest.fixture
def own_network(docker_client, leftovers):
    name = unique("net")
    network = docker_client.api.create_network(name, driver="bridge", internal=True,
                                               labels={"org.cockpit.res": "yes"})  # fmt: skip
    leftovers.networks.append(network["Id"])
    return name, network["Id"]


def test_list_shape_with_running_members(viewer, host, own_network, docker_client, leftovers):
    name, network_id = own_network
    container = docker_client.api.create_container(
        IMAGE,
        command=["sleep", "60"],
        name=unique("member"),
        host_config=docker_client.api.create_host_config(network_mode=name),
    )
    leftovers.containers.append(container["Id"])
    docker_client.api.start(container["Id"])
    response = viewer.get("/api/networks")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == len(body["networks"])
    entry = next(network for network in body["networks"] if network["id"] == network_id)
    assert set(entry) == NETWORK_KEYS
    assert entry["name"] == name
    assert entry["driver"] == "bridge"
    assert entry["scope"] == "local"
    assert entry["internal"] is True
    assert entry["created"].endswith("Z")
    [member] = entry["containers"]
    inspected = docker_client.api.inspect_network(network_id)["Containers"][container["Id"]]
    assert member == {
        "id": container["Id"],
        "name": inspected["Name"],
        "ipv4": inspected["IPv4Address"],
        "ipv6": inspected["IPv6Address"],
        "mac": inspected["MacAddress"],
    }
    host_network = next(network for network in body["networks"] if network["name"] == "host")
    assert host_network["driver"] == "host"


def test_create_with_subnet(admin, host, docker_client, leftovers):
    name = unique("new")
    subnet = free_subnet()
    gateway = subnet.replace(".0/24", ".1")
    body = {
        "name": name,
        "internal": True,
        "labels": {"team": "res"},
        "subnet": subnet,
        "gateway": gateway,
        "ipRange": subnet.replace(".0/24", ".128/25"),
    }
    response = admin.post("/api/networks", body, format="json")
    if response.status_code == 409:  # another engineer's network took the random subnet
        pytest.skip(response.json()["error"])
    assert response.status_code == 201, response.json()
    created = response.json()
    leftovers.networks.append(created["id"])
    assert set(created) == NETWORK_KEYS
    assert created["name"] == name
    assert created["internal"] is True
    assert created["containers"] == []
    inspected = docker_client.api.inspect_network(created["id"])
    assert inspected["Labels"] == {"team": "res"}
    assert inspected["IPAM"]["Config"] == [
        {"Subnet": subnet, "Gateway": gateway, "IPRange": body["ipRange"]}
    ]


def test_create_defaults_to_bridge(admin, host, docker_client, leftovers):
    response = admin.post("/api/networks", {"name": unique("plain")}, format="json")
    assert response.status_code == 201
    created = response.json()
    leftovers.networks.append(created["id"])
    assert created["driver"] == "bridge"
    assert created["internal"] is False


def test_create_duplicate_name_is_409(admin, host, own_network):
    name, _ = own_network
    response = admin.post("/api/networks", {"name": name}, format="json")
    assert response.status_code == 409
    assert response.json() == {"error": f"Network {name} already exists"}


def test_create_a_name_that_only_contains_another_is_not_a_duplicate(
    admin, host, own_network, leftovers
):
    name, _ = own_network
    response = admin.post("/api/networks", {"name": name[:-1]}, format="json")
    assert response.status_code == 201
    leftovers.networks.append(response.json()["id"])


def test_create_overlapping_subnet_is_409(admin, host, docker_client, leftovers):
    subnet = free_subnet()
    try:
        first = docker_client.api.create_network(
            unique("ovl"),
            ipam=networks.docker.types.IPAMConfig(
                pool_configs=[networks.docker.types.IPAMPool(subnet=subnet)]
            ),
        )
    except networks.docker.errors.APIError as exc:
        pytest.skip(f"subnet taken by someone else: {exc}")
    leftovers.networks.append(first["Id"])
    response = admin.post("/api/networks", {"name": unique("ovl2"), "subnet": subnet},
                          format="json")  # fmt: skip
    assert response.status_code == 409
    assert response.json()["error"].startswith("Subnet overlaps an existing network: ")


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "name", "This field is required."),
        ({"name": "bad name"}, "name", "This value does not match the required pattern."),
        ({"name": "-x"}, "name", "This value does not match the required pattern."),
        ({"name": "host"}, "name", "host is a predefined network name"),
        ({"name": "ok", "driver": "overlay"}, "driver", '"overlay" is not a valid choice.'),
        ({"name": "ok", "internal": "maybe"}, "internal", "Must be a valid boolean."),
        ({"name": "ok", "subnet": "10.0.0.1/24"}, "subnet", "Must be a network in CIDR form"),
        ({"name": "ok", "subnet": "nonsense"}, "subnet", "Must be a network in CIDR form"),
        ({"name": "ok", "gateway": "10.0.0.1"}, "gateway", "Requires subnet"),
        ({"name": "ok", "subnet": "10.9.0.0/24", "gateway": "10.8.0.1"}, "gateway",
         "Must be inside subnet"),
        ({"name": "ok", "subnet": "10.9.0.0/24", "gateway": "10.9.0.0"}, "gateway",
         "Must be a host address"),
        ({"name": "ok", "subnet": "10.9.0.0/24", "gateway": "x"}, "gateway",
         "Must be an IP address"),
        ({"name": "ok", "subnet": "10.9.0.0/24", "ipRange": "10.8.0.0/25"}, "ipRange",
         "Must be inside subnet"),
        ({"name": "ok", "labels": {"a": 1, "b": []}}, "labels.b", "Not a valid string."),
        ({"name": "ok", "labels": "x"}, "labels", 'Expected a dictionary of items but got type'),
    ],
)  # fmt: skip
def test_create_validation(admin, host, body, field, message):
    response = admin.post("/api/networks", body, format="json")
    assert response.status_code == 400
    error = response.json()
    assert error["error"] == "Validation failed"
    assert error["field"] == field
    assert error["message"].startswith(message)


def test_create_non_object_body_is_400(admin, host):
    response = admin.post("/api/networks", [1, 2], format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "Validation failed"


def test_remove(admin, host, own_network, docker_client):
    name, network_id = own_network
    response = admin.delete(f"/api/networks/{name}")
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert not list(docker_client.api.networks(ids=[network_id]))


def test_remove_in_use_is_409(admin, host, own_network, docker_client, leftovers):
    name, network_id = own_network
    container = docker_client.api.create_container(
        IMAGE,
        command=["sleep", "60"],
        name=unique("user"),
        host_config=docker_client.api.create_host_config(network_mode=name),
    )
    leftovers.containers.append(container["Id"])
    docker_client.api.start(container["Id"])
    response = admin.delete(f"/api/networks/{network_id}")
    assert response.status_code == 409
    assert response.json()["error"].startswith(f"Network {network_id} is in use: ")


@pytest.mark.parametrize("name", ["bridge", "host", "none"])
def test_remove_predefined_by_name_is_403(admin, host, name):
    response = admin.delete(f"/api/networks/{name}")
    assert response.status_code == 403
    assert response.json() == {"error": f"Cannot remove predefined network {name}"}


def test_remove_predefined_by_id_is_403(admin, host, docker_client):
    host_network = docker_client.api.networks(names=["host"])[0]["Id"]
    response = admin.delete(f"/api/networks/{host_network}")
    assert response.status_code == 403
    assert response.json() == {"error": "Cannot remove predefined network host"}


def test_remove_unknown_is_404(admin, host):
    response = admin.delete(f"/api/networks/{unique('ghost')}")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}


@pytest.mark.parametrize("path", ["-x", "a:b", "x" * 129, "a%20b"])
def test_remove_invalid_id_is_400(admin, host, path):
    response = admin.delete(f"/api/networks/{path}")
    assert response.status_code == 400
    assert response.json() == {"error": "Invalid network ID"}


def test_writes_need_admin(as_role, host, own_network):
    name, _ = own_network
    for role in ("viewer", "operator"):
        client = as_role(role)
        assert client.delete(f"/api/networks/{name}").status_code == 403
        response = client.post("/api/networks", {"name": unique("x")}, format="json")
        assert response.status_code == 403
        assert response.json() == {"error": "Insufficient permissions"}


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/networks"), ("post", "/api/networks"), ("delete", "/api/networks/x")],
)
def test_unreachable_engine_is_503_with_host_name(admin, dead_host, method, path):
    body = {"name": unique("x")} if method == "post" else None
    response = getattr(admin, method)(f"{path}?host=dead", body, format="json")
    assert response.status_code == 503
    assert response.json() == {"error": "Docker engine unavailable on host dead-engine"}
