"""`GET /api/containers` from the event-driven snapshot, against the real engine: freshness
after start/stop/remove, the exact body of a direct listing, ETags, host and tenant isolation,
and no database query on the hot path. Containers are named `ckt-perf-...`."""

import contextlib
import json
import time
import uuid

import docker
import pytest

from core.containers import host_cache
from core.containers import snapshot as container_snapshot
from core.containers.rendering import render
from core.docker import containers
from core.hosts.models import DockerHost
from fixtures.test_image import IMAGE

pytestmark = [pytest.mark.docker, pytest.mark.django_db(transaction=True)]

PREFIX = "ckt-perf-"
FRESH_WITHIN = 1.0  # seconds from an engine change to the list showing it


@pytest.fixture(autouse=True)
def _stop_watchers():
    yield
    container_snapshot.watchers.stop_all()
    host_cache.forget()


@pytest.fixture
def made(docker_client, test_image):
    names: list[str] = []

    def make(*, start: bool = True) -> str:
        name = f"{PREFIX}{uuid.uuid4().hex[:10]}"
        names.append(name)
        created = docker_client.api.create_container(IMAGE, ["sleep", "300"], name=name)
        if start:
            docker_client.api.start(created["Id"])
        return name

    yield make
    for name in names:
        with contextlib.suppress(docker.errors.NotFound):
            docker_client.api.remove_container(name, force=True)


@pytest.fixture
def viewer(auth_client):
    return auth_client("viewer")


def listed(client, path="/api/containers") -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.content
    return {c["name"]: c for c in response.json()["containers"]}


def seen_within(client, predicate, seconds: float = FRESH_WITHIN) -> float:
    """Poll the list until `predicate(containers_by_name)`; how long it took."""
    started = time.monotonic()
    while True:
        if predicate(listed(client)):
            return time.monotonic() - started
        if time.monotonic() - started > seconds:
            raise AssertionError(f"the list did not show the change within {seconds} s")
        time.sleep(0.02)


def warm(client, host) -> DockerHost:
    """Make the host's watcher subscribed and listed."""
    listed(client)
    watcher = container_snapshot.watchers.watcher_for(host)
    deadline = time.monotonic() + 10
    while watcher.read(1.0) is None:
        assert time.monotonic() < deadline, "the watcher never warmed up"
    return host


def test_start_stop_and_remove_show_within_a_second(viewer, host, docker_client, made):
    warm(viewer, host)
    name = made(start=False)
    seen_within(viewer, lambda c: name in c and c[name]["state"] == "created")
    docker_client.api.start(name)
    seen_within(viewer, lambda c: c.get(name, {}).get("state") == "running")
    docker_client.api.stop(name, timeout=0)
    seen_within(viewer, lambda c: c.get(name, {}).get("state") == "exited")
    docker_client.api.remove_container(name)
    seen_within(viewer, lambda c: name not in c)


def test_the_body_is_what_a_direct_listing_renders(viewer, host, made):
    made()
    made(start=False)
    host = warm(viewer, host)
    for _ in range(20):  # the engine's status text ("Up 2 seconds") ages between two listings
        body = viewer.get("/api/containers").content
        direct = containers.list_containers(host)
        if body == render({"containers": direct}):
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the snapshot's body never matched a direct listing")
    assert set(json.loads(body)) == {"containers"}


def test_an_action_through_the_api_is_visible_to_the_next_read(auth_client, host, made):
    operator = auth_client("operator")
    name = made()
    warm(operator, host)
    assert operator.post(f"/api/containers/{name}/stop?t=0").status_code == 200
    assert listed(operator)[name]["state"] == "exited"  # no wait: this process wrote
    assert operator.post(f"/api/containers/{name}/start").status_code == 200
    assert listed(operator)[name]["state"] == "running"


def test_etag_and_revalidation(viewer, host, docker_client, made):
    name = made()
    warm(viewer, host)
    first = viewer.get("/api/containers")
    etag = first["ETag"]
    assert etag.startswith('"')
    assert first["Content-Type"] == "application/json"
    again = viewer.get("/api/containers", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert viewer.get("/api/containers", HTTP_IF_NONE_MATCH=f'"x", W/{etag}').status_code == 304
    assert viewer.get("/api/containers", HTTP_IF_NONE_MATCH='"other"').status_code == 200
    docker_client.api.stop(name, timeout=0)
    seen_within(viewer, lambda c: c[name]["state"] == "exited")
    changed = viewer.get("/api/containers", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_the_hot_path_makes_no_database_query(viewer, host, made, django_assert_num_queries):
    made()
    warm(viewer, host)
    viewer.get("/api/containers")
    with django_assert_num_queries(0):
        response = viewer.get("/api/containers")
    assert response.status_code == 200
    assert "X-RateLimit-Remaining" in response  # the global limiter ran on this request


def test_answers_match_the_drf_path_for_errors(api_client, auth_client, viewer, host):
    assert api_client.get("/api/containers").json() == {
        "error": "Missing or invalid Authorization header"
    }
    api_client.credentials(HTTP_AUTHORIZATION="Bearer nonsense")
    assert api_client.get("/api/containers").status_code == 401
    assert viewer.get("/api/containers?host=nope").json() == {"error": "Host not found"}
    assert viewer.post("/api/containers").status_code == 403  # DRF: role before method
    assert auth_client("admin").post("/api/containers").status_code == 405


def test_hosts_and_tenants_never_share_a_snapshot(auth_client, host, other_org, made, tmp_path):
    name = made()
    ours, theirs = auth_client("viewer"), auth_client("viewer", in_org=other_org)
    assert name in listed(ours)
    assert name in listed(theirs)  # both default hosts are the same engine
    their_host = DockerHost.objects.get(org=other_org, is_default=True)
    registry = container_snapshot.watchers
    assert registry.existing(host) is not registry.existing(their_host)
    DockerHost.objects.create(
        org=other_org, name="gone", slug="gone", base_url=f"unix://{tmp_path}/none.sock"
    )
    assert ours.get("/api/containers?host=gone").status_code == 404  # another tenant's slug
    response = theirs.get("/api/containers?host=gone")
    assert response.status_code == 503
    assert response.json() == {"error": "Docker engine unavailable on host gone"}


def test_a_broken_event_stream_resubscribes_and_relists(viewer, host, docker_client, made):
    host = warm(viewer, host)
    watcher = container_snapshot.watchers.existing(host)
    watcher._subscription.close()  # what an engine restart does to the stream
    name = made()
    seen_within(viewer, lambda c: name in c, seconds=5)  # listed directly meanwhile
    deadline = time.monotonic() + 5
    while (snapshot := watcher.read(1)) is None:
        assert time.monotonic() < deadline, "the watcher never subscribed again"
        time.sleep(0.1)
    assert name in {c["name"] for c in snapshot.containers}


def test_an_idle_watcher_stops(viewer, host, monkeypatch):
    from core.containers import watcher as watcher_module

    host = warm(viewer, host)
    watcher = container_snapshot.watchers.existing(host)
    monkeypatch.setattr(watcher_module, "IDLE_SECONDS", 0.2)
    deadline = time.monotonic() + 5
    while not watcher.stopped:
        assert time.monotonic() < deadline, "the idle watcher kept running"
        time.sleep(0.1)
    assert container_snapshot.watchers.watcher_for(host) is not watcher  # a new one starts


def test_a_host_reached_another_way_gets_a_new_watcher_and_the_old_one_stops(viewer, host):
    """A changed address or TLS identity must not keep being answered from the old engine."""
    host = warm(viewer, host)
    old = container_snapshot.watchers.existing(host)
    host.tls_material = "sealed-after-an-edit"  # what an edit of the host's identity changes
    new = container_snapshot.watchers.watcher_for(host)
    assert new is not old
    assert old.stopped
    assert container_snapshot.watchers.existing(host) is new
