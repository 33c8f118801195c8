"""`/api/system/docker`, `/api/system/disk` and `/api/system/prune` against real engines. Prune
runs only on a private engine, so nobody else's objects are ever deleted."""

import random

import docker
import pytest

from core.docker import system
from fixtures.test_image import IMAGE
from tests.core.resources.conftest import import_image, unique

pytestmark = [pytest.mark.docker, pytest.mark.django_db]

PRUNE_KEYS = {"containers", "images", "volumes", "networks", "totalReclaimed"}


def test_docker_info_and_disk_usage_are_raw(viewer, host, docker_client):
    response = viewer.get("/api/system/docker")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"info", "diskUsage"}
    assert body["info"]["ServerVersion"] == docker_client.version()["Version"]
    assert {"LayersSize", "Images", "Containers", "Volumes"} <= set(body["diskUsage"])


def test_disk_sums_exactly(viewer, private_host, private_client, private_leftovers):
    volume = unique("disk")
    private_client.api.create_volume(volume)
    private_leftovers.volumes.append(volume)
    container = private_client.api.create_container(
        IMAGE,
        command=["sh", "-c", "echo data > /data/f; echo more > /f"],
        name=unique("disk"),
        host_config=private_client.api.create_host_config(binds={volume: {"bind": "/data"}}),
    )
    private_leftovers.containers.append(container["Id"])
    private_client.api.start(container["Id"])
    private_client.api.wait(container["Id"], timeout=30)

    response = viewer.get("/api/system/disk?host=private")
    assert response.status_code == 200
    body = response.json()
    df = private_client.df()
    assert body == system.summarize_disk_usage(df)
    assert body["containers"]["count"] == len(df["Containers"]) >= 1
    assert body["containers"]["size"] == sum(c.get("SizeRw", 0) for c in df["Containers"]) > 0
    assert body["images"] == {
        "count": len(df["Images"]),
        "size": sum(image["Size"] for image in df["Images"]),
    }
    assert body["volumes"]["count"] == len(df["Volumes"])
    assert body["volumes"]["size"] > 0
    assert body["totalSize"] == sum(body[kind]["size"] for kind in
                                    ("containers", "images", "volumes", "buildCache"))  # fmt: skip


def test_summarize_disk_usage_treats_unknown_sizes_as_zero():
    df = {
        "Containers": [{"SizeRw": 10}, {"SizeRw": 5}, {}],
        "Images": [{"Size": 100}, {"Size": 50}],
        "Volumes": [{"UsageData": {"Size": 7}}, {"UsageData": {"Size": -1}}, {"UsageData": None}],
        "BuildCache": None,
    }
    assert system.summarize_disk_usage(df) == {
        "containers": {"count": 3, "size": 15},
        "images": {"count": 2, "size": 150},
        "volumes": {"count": 3, "size": 7},
        "buildCache": {"count": 0, "size": 0},
        "totalSize": 172,
    }


def private_subnet() -> str:
    return f"10.232.{random.randint(0, 255)}.0/24"


@pytest.fixture
def prunable(private_client, private_leftovers):
    """On the private engine: a stopped container, a dangling image, an unused network and an
    unused volume; and a running container whose volume and network are in use."""
    api = private_client.api
    stopped = api.create_container(IMAGE, command=["true"], name=unique("stopped"))
    private_leftovers.containers.append(stopped["Id"])
    repository = unique("dangle")
    dangling = import_image(private_client, repository)
    private_leftovers.images.append(import_image(private_client, repository))
    pools = [docker.types.IPAMPool(subnet=private_subnet())]
    unused_net = unique("net")
    api.create_network(unused_net, ipam=docker.types.IPAMConfig(pool_configs=pools))
    private_leftovers.networks.append(unused_net)
    used_net = unique("busy-net")
    pools = [docker.types.IPAMPool(subnet=private_subnet())]
    api.create_network(used_net, ipam=docker.types.IPAMConfig(pool_configs=pools))
    private_leftovers.networks.append(used_net)
    unused_volume, used_volume = unique("vol"), unique("busy-vol")
    for name in (unused_volume, used_volume):
        api.create_volume(name)
        private_leftovers.volumes.append(name)
    running = api.create_container(
        IMAGE,
        command=["sleep", "120"],
        name=unique("running"),
        host_config=api.create_host_config(
            binds={used_volume: {"bind": "/data"}}, network_mode=used_net
        ),
    )
    private_leftovers.containers.append(running["Id"])
    api.start(running["Id"])
    return {
        "stopped": stopped["Id"],
        "dangling": dangling,
        "unused_net": unused_net,
        "used_net": used_net,
        "unused_volume": unused_volume,
        "used_volume": used_volume,
        "running": running["Id"],
    }


def test_prune_without_volumes(admin, private_host, private_client, prunable):
    response = admin.post("/api/system/prune?host=private")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PRUNE_KEYS
    assert prunable["stopped"] in body["containers"]["deleted"]
    assert prunable["running"] not in body["containers"]["deleted"]
    assert {"Deleted": prunable["dangling"]} in body["images"]["deleted"]
    assert prunable["unused_net"] in body["networks"]["deleted"]
    assert prunable["used_net"] not in body["networks"]["deleted"]
    assert body["volumes"] == {"deleted": [], "spaceReclaimed": 0, "skipped": True}
    assert body["totalReclaimed"] == (
        body["containers"]["spaceReclaimed"] + body["images"]["spaceReclaimed"]
    )
    private_client.api.inspect_volume(prunable["unused_volume"])  # volumes left alone


@pytest.mark.parametrize("flag", ["true", 1, "yes", None])
def test_prune_volumes_only_for_literal_true(admin, private_host, private_client, prunable, flag):
    response = admin.post("/api/system/prune?host=private", {"includeVolumes": flag},
                          format="json")  # fmt: skip
    assert response.status_code == 200
    assert response.json()["volumes"]["skipped"] is True
    private_client.api.inspect_volume(prunable["unused_volume"])


def test_prune_with_volumes(admin, private_host, private_client, prunable):
    response = admin.post("/api/system/prune?host=private", {"includeVolumes": True},
                          format="json")  # fmt: skip
    assert response.status_code == 200
    volumes = response.json()["volumes"]
    assert volumes["skipped"] is False
    assert prunable["unused_volume"] in volumes["deleted"]
    assert prunable["used_volume"] not in volumes["deleted"]
    private_client.api.inspect_volume(prunable["used_volume"])
    with pytest.raises(docker.errors.NotFound):
        private_client.api.inspect_volume(prunable["unused_volume"])


def test_concurrent_prunes_both_answer(private_host, private_client, prunable):
    """Two prunes at once: where the engine refuses one ("a prune operation is already
    running"), that part comes back empty instead of failing the request."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: system.prune_system(private_host), range(2)))
    for result in results:
        assert set(result) == PRUNE_KEYS
        for kind in ("containers", "images", "volumes"):
            assert isinstance(result[kind]["deleted"], list)
    deleted = [c for result in results for c in result["containers"]["deleted"]]
    assert deleted.count(prunable["stopped"]) == 1


def test_prune_body_must_be_an_object(admin, private_host):
    response = admin.post("/api/system/prune?host=private", [1], format="json")
    assert response.status_code == 400
    assert response.json() == {"error": "Request body must be a JSON object"}


def test_prune_needs_admin(as_role, host):
    for role in ("viewer", "operator"):
        response = as_role(role).post("/api/system/prune")
        assert response.status_code == 403
        assert response.json() == {"error": "Insufficient permissions"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/system/docker"),
        ("get", "/api/system/disk"),
        ("post", "/api/system/prune"),
        ("get", "/api/overview"),
    ],
)
def test_unreachable_engine_is_503_with_host_name(admin, dead_host, method, path):
    response = getattr(admin, method)(f"{path}?host=dead")
    assert response.status_code == 503
    assert response.json() == {"error": "Docker engine unavailable on host dead-engine"}


def test_system_metrics_needs_no_engine(viewer, dead_host):
    response = viewer.get("/api/system/metrics?host=dead")
    assert response.status_code == 200
    assert 0 <= response.json()["cpuPercent"] <= 100


def test_a_step_the_engine_refuses_is_empty_with_its_reason():
    """The engine's refusal cannot be produced on demand, so this step raises it itself."""

    def refused():
        response = type("Response", (), {"status_code": 409, "reason": "Conflict"})()
        raise docker.errors.APIError(
            "conflict", response=response, explanation="a prune operation is already running"
        )

    result, error = system._tolerant("container", refused)
    assert (result, error) == ({}, "a prune operation is already running")
    assert system._part(result.get("ContainersDeleted"), None, error) == {
        "deleted": [],
        "spaceReclaimed": 0,
        "error": "a prune operation is already running",
    }
