"""`GET /api/overview` from the container snapshot and the sampler's host figures, against the
real engine: counts follow the engine within a second, no database query on the hot path, and
host figures come from a fresh sampler snapshot, else procfs. Containers: `ckt-perf-...`."""

import contextlib
import time
import uuid
from datetime import UTC, datetime, timedelta

import docker
import pytest

from core.containers import host_cache
from core.containers import snapshot as container_snapshot
from core.resources import overview
from core.sampling import snapshots
from fixtures.test_image import IMAGE

pytestmark = [pytest.mark.docker, pytest.mark.django_db(transaction=True)]

PREFIX = "ckt-perf-ov-"


@pytest.fixture(autouse=True)
def _fresh_state():
    overview._metrics_memo.clear()
    yield
    container_snapshot.watchers.stop_all()
    host_cache.forget()
    overview._metrics_memo.clear()


@pytest.fixture
def viewer(auth_client, host):
    return auth_client("viewer")


@pytest.fixture
def running(docker_client, test_image):
    name = f"{PREFIX}{uuid.uuid4().hex[:10]}"
    docker_client.api.create_container(IMAGE, ["sleep", "300"], name=name)
    docker_client.api.start(name)
    yield name
    with contextlib.suppress(docker.errors.NotFound):
        docker_client.api.remove_container(name, force=True)


def counts(client) -> dict:
    response = client.get("/api/overview")
    assert response.status_code == 200, response.content
    return response.json()["containers"]


def wait_warm(client, host) -> None:
    counts(client)
    watcher = container_snapshot.watchers.watcher_for(host)
    deadline = time.monotonic() + 10
    while watcher.read(1.0) is None:
        assert time.monotonic() < deadline, "the watcher never warmed up"


def test_counts_follow_the_engine_within_a_second(viewer, host, docker_client, running):
    wait_warm(viewer, host)
    before = counts(viewer)
    docker_client.api.stop(running, timeout=0)
    deadline = time.monotonic() + 1.0
    while (now := counts(viewer))["running"] != before["running"] - 1:
        assert time.monotonic() < deadline, f"still {now} a second after the stop"
        time.sleep(0.02)
    assert now["stopped"] == before["stopped"] + 1
    assert now["total"] == before["total"]


def test_the_hot_path_makes_no_database_query(viewer, host, running, django_assert_num_queries):
    wait_warm(viewer, host)
    viewer.get("/api/overview")
    with django_assert_num_queries(0):
        response = viewer.get("/api/overview")
    body = response.json()
    assert set(body) == {"serverName", "system", "containers", "stacks", "sseClients", "timestamp"}
    assert body["containers"]["total"] >= 1


def sampled_metrics(hostname: str) -> dict:
    return {
        "hostname": hostname, "cpuPercent": 12.5, "cpuCount": 64,
        "memory": {"total": 1, "used": 1, "free": 0, "percent": 100.0},
        "disk": {"total": 1, "used": 0, "free": 1, "percent": 0.0, "mountpoint": "/"},
        "load": {"load1": 0.1, "load5": 0.2, "load15": 0.3}, "uptimeSeconds": 7,
    }  # fmt: skip


def test_host_figures_from_a_fresh_sampler_snapshot(viewer, host):
    metrics = sampled_metrics("sampled-host")
    snapshots.store(host.id, host.org_id, metrics, [], datetime.now(UTC))
    assert viewer.get("/api/overview").json()["system"] == metrics


def test_a_stale_or_foreign_sampler_snapshot_falls_back_to_procfs(viewer, host, other_org):
    old = datetime.now(UTC) - timedelta(minutes=5)
    snapshots.store(host.id, host.org_id, sampled_metrics("stale-host"), [], old)
    system = viewer.get("/api/overview").json()["system"]
    assert system["hostname"] != "stale-host"
    assert system["cpuCount"] >= 1
    overview._metrics_memo.clear()
    snapshots.store(host.id, other_org.id, sampled_metrics("foreign"), [], datetime.now(UTC))
    assert viewer.get("/api/overview").json()["system"]["hostname"] != "foreign"
