"""The sampler end to end: a real engine, the real database, the real stream transport and
webhook deliveries to a receiver on 127.0.0.1. Alert evaluation and push belong to other
features; the sampler's calls to them are recorded (tests/core/sampling/conftest.py)."""

import math
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from core.hosts.models import DockerHost, HostKind, HostStatus
from core.metrics_history import recording
from core.metrics_history.models import MetricsSample
from core.outbound.models import OutboundPolicy
from core.sampling import collect, service, snapshots
from core.sampling.models import ContainerWatch
from core.sampling.transitions import Watch
from core.webhooks.models import Webhook
from tests.core.outbound.receiver import Receiver

pytestmark = pytest.mark.django_db
DEAD_ENGINE = "unix:///tmp/ckt-smp-no-engine.sock"


@pytest.fixture
def host(org):
    return DockerHost.objects.get(org=org, is_default=True)


@pytest.fixture
def dead_host(org):
    return DockerHost.objects.create(org=org, name="gone", slug="gone", base_url=DEAD_ENGINE)


@pytest.fixture
def run_container(docker_client, test_image):
    created = []

    def run(command=("sleep", "300"), **options):
        container = docker_client.containers.run(
            test_image,
            list(command),
            name=f"ckt-smp-{uuid.uuid4().hex[:10]}",
            labels={"ckt-smp": "1"},
            detach=True,
            **options,
        )
        created.append(container)
        return container

    yield run
    for container in created:
        container.remove(force=True)


def mine(snapshot, container_id):
    return next(c for c in snapshot.containers if c["id"] == container_id)


@pytest.mark.docker
def test_one_sample_gives_a_snapshot_with_stats_a_raw_row_and_an_evaluation(
    host, run_container, evaluations
):
    container = run_container()
    report = service.sample_host(host)
    assert report.engine_up
    assert not report.failed_steps
    snapshot = snapshots.latest(host.pk)
    item = mine(snapshot, container.id)
    assert item["name"] == container.name
    assert item["state"] == "running"
    assert item["memoryUsage"] > 0
    assert item["memoryLimit"] > 0
    assert set(item) >= {
        "id",
        "name",
        "state",
        "health",
        "image",
        "composeProject",
        "cpuPercent",
        "memoryUsage",
        "memoryLimit",
        "networkRx",
        "networkTx",
        "restartCount",
    }
    assert snapshot.metrics["cpuCount"] >= 1
    row = MetricsSample.objects.get(host=host)
    assert row.container_total == len(snapshot.containers)
    assert row.container_running >= 1
    [(evaluated_host, values, sampled_at)] = evaluations
    assert evaluated_host.pk == host.pk
    assert sampled_at == snapshot.sampled_at
    assert set(values) == {
        "cpu_percent",
        "memory_percent",
        "disk_percent",
        "load_1",
        "container_stopped",
    }
    assert values["container_stopped"] == row.container_total - row.container_running
    host.refresh_from_db()
    assert host.status == HostStatus.ONLINE
    assert host.last_seen_at == snapshot.sampled_at
    # the second sample has a previous CPU reading to compare with
    service.sample_host(host)
    assert isinstance(mine(snapshots.latest(host.pk), container.id)["cpuPercent"], float)


@pytest.mark.docker
def test_stopping_a_container_between_samples_is_announced(
    org, host, run_container, stream_tap, pushes, eager_celery, django_capture_on_commit_callbacks
):
    OutboundPolicy.objects.create(org=org, allow_private=True)
    container = run_container()
    with Receiver() as receiver:
        Webhook.objects.create(
            org=org,
            name="ckt-smp",
            url=receiver.url(),
            events=["container.state_change", "container.down"],
            secret="whsec_smp",
        )
        service.sample_host(host)  # first sighting: nothing to announce
        assert stream_tap.events("alert") == []
        container.stop(timeout=0)
        with django_capture_on_commit_callbacks(execute=True):
            report = service.sample_host(host)
    [change] = [c for c in report.changes if c.container_id == container.id]
    assert (change.previous, change.current, change.down) == ("running", "exited", True)
    [alert] = [e for e in stream_tap.events("alert") if e["containerId"] == container.id]
    assert alert["type"] == "container_state_change"
    assert (alert["previousState"], alert["currentState"]) == ("running", "exited")
    assert (alert["containerName"], alert["hostId"], alert["hostName"]) == (
        container.name,
        host.pk,
        host.name,
    )
    assert alert["timestamp"].endswith("Z")
    delivered = sorted(request.headers["x-cockpit-event"] for request in receiver.received)
    assert delivered == ["container.down", "container.state_change"]
    [push] = [p for p in pushes if p[3].get("containerId") == container.id]
    assert push[:3] == (
        org.id,
        f"Container Down: {container.name}",
        f"{container.name} changed from running to exited",
    )
    assert push[4] == "critical"
    # persisted: a third sample (as after a restart of every process) announces nothing new
    assert ContainerWatch.objects.get(host=host, container_id=container.id).state == "exited"
    assert not [c for c in service.sample_host(host).changes if c.container_id == container.id]


@pytest.mark.docker
def test_stats_are_read_in_parallel(host, run_container, monkeypatch):
    containers = [run_container() for _ in range(6)]
    ids = {c.id for c in containers}
    real_stats = collect._stats_of
    in_flight, most = [0], [0]

    def slow_stats(sampled_host, container_id):
        # the engine's blocking stats call takes about a second; make ours take a while too
        in_flight[0] += 1
        most[0] = max(most[0], in_flight[0])
        try:
            result = real_stats(sampled_host, container_id)
            time.sleep(0.4 if container_id in ids else 0)
            return result
        finally:
            in_flight[0] -= 1

    monkeypatch.setattr(collect, "_stats_of", slow_stats)
    started = time.monotonic()
    sample = collect.collect(host, {}, timezone.now())
    elapsed = time.monotonic() - started
    assert most[0] > 1
    assert elapsed < 0.4 * len(ids) * 0.75  # well below the sequential 2.4 s
    assert {c["id"] for c in sample.containers} >= ids


def test_a_dead_engine_marks_the_host_offline_and_still_records(dead_host, evaluations):
    dead_host.status = HostStatus.ONLINE
    dead_host.save()
    report = service.sample_host(dead_host)
    assert not report.engine_up
    assert not report.failed_steps
    dead_host.refresh_from_db()
    assert dead_host.status == HostStatus.OFFLINE
    assert dead_host.last_seen_at is None
    row = MetricsSample.objects.get(host=dead_host)
    assert row.cpu_percent is not None  # a local host's figures come from procfs
    assert row.container_total is None
    assert row.container_running is None
    assert snapshots.latest(dead_host.pk).containers == []
    [(_, values, _)] = evaluations
    assert values["container_stopped"] is None


def test_a_dead_engine_keeps_the_previous_container_states(dead_host, evaluations):
    ContainerWatch.objects.create(host=dead_host, container_id="abc", state="running")
    service.sample_host(dead_host)
    assert ContainerWatch.objects.filter(host=dead_host, container_id="abc").exists()


def test_a_throwing_recorder_does_not_stop_the_evaluation(dead_host, evaluations, monkeypatch):
    def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(recording, "record", broken)
    report = service.sample_host(dead_host)
    assert report.failed_steps == ["metrics history"]
    assert len(evaluations) == 1
    assert snapshots.latest(dead_host.pk) is not None


def test_a_throwing_evaluation_does_not_fail_the_task_and_advances_the_cadence(
    dead_host, monkeypatch
):
    def broken(*args):
        raise RuntimeError("rule engine down")

    from core.sampling import peers

    monkeypatch.setattr(peers, "evaluate", broken)
    assert service.sample_if_due(dead_host.pk) == "sampled"
    assert service.sample_if_due(dead_host.pk) == "not due"  # the next tick does no work
    assert MetricsSample.objects.filter(host=dead_host).count() == 1


def test_a_sample_in_progress_is_not_overlapped(dead_host, evaluations):
    from django.core.cache import cache

    cache.add(f"sampling:lock:{dead_host.pk}", "someone", 60)
    assert service.sample_if_due(dead_host.pk) == "busy"
    assert not MetricsSample.objects.filter(host=dead_host).exists()


def test_agent_hosts_are_not_sampled_by_the_control_plane(org):
    agent = DockerHost.objects.create(org=org, name="a", slug="a", kind=HostKind.AGENT)
    assert agent not in service.sampled_hosts()
    assert service.sample_if_due(agent.pk) == "gone"


def test_non_finite_values_are_stored_as_null(host):  # §13.33
    metrics = {
        "cpuPercent": math.nan,
        "memory": {"percent": math.inf},
        "disk": {"percent": -math.inf},
        "load": {"load1": 1.23},
    }
    row = recording.record(host, metrics, [], timezone.now())
    row.refresh_from_db()
    assert (row.cpu_percent, row.memory_percent, row.disk_percent) == (None, None, None)
    assert row.load_1 == 1.23
    for value in (0, 99.99, 100, 1.23):
        assert recording.finite(value) == value


def test_a_live_crash_loop_suppresses_the_down_push_but_not_the_sse_alert(
    host, stream_tap, pushes, eager_celery
):  # §13.24
    now = timezone.now()
    ContainerWatch.objects.create(
        host=host,
        container_id="c1",
        name="loop",
        state="running",
        restart_count=4,
        window_started_at=now - timedelta(minutes=1),
        rises=3,
        alerted=True,
    )
    sample = collect.Sample(
        host, now, collect.unknown_metrics(), [{"id": "c1", "name": "loop", "state": "exited"}]
    )
    report = service.Report(host.pk, True)
    service.detect_transitions(
        sample, {"c1": Watch("running", "loop", 4, now - timedelta(minutes=1), 3, True)}, report
    )
    assert [c.down for c in report.changes] == [False]
    assert pushes == []
    alerts = stream_tap.events("alert")
    assert len(alerts) == 1
    assert alerts[0]["type"] == "container_state_change"


@pytest.mark.docker
def test_a_crash_looping_container_gives_one_crash_loop_push(host, run_container, pushes):
    container = run_container(("sh", "-c", "exit 3"), restart_policy={"Name": "always"})
    deadline = time.monotonic() + 20
    loops = []
    while time.monotonic() < deadline and not loops:
        report = service.sample_host(host)
        loops = [loop for loop in report.crash_loops if loop.container_id == container.id]
        time.sleep(0.3)
    assert loops, "no crash loop detected within 20 s"
    assert loops[0].restarts >= 3
    [push] = [p for p in pushes if p[3].get("containerId") == container.id and "crash" in p[1]]
    assert (
        push[1]
        == f"\U0001f501 {container.name} crash-looping ({loops[0].restarts} restarts in 5 min)"
    )
    assert push[2] == f"{container.name} is restarting repeatedly"
    assert push[4] == "critical"
    # one push per window: further rises stay silent
    for _ in range(3):
        time.sleep(0.5)
        assert not [
            c for c in service.sample_host(host).crash_loops if c.container_id == container.id
        ]


def test_the_real_alert_evaluation_takes_the_sample(dead_host):
    report = service.sample_host(dead_host)
    assert report.failed_steps == []


def test_maintenance_keeps_state_changes_but_silences_the_down(
    org, host, stream_tap, pushes, eager_celery, django_capture_on_commit_callbacks
):  # §6.6
    from core.maintenance.services import set_state

    OutboundPolicy.objects.create(org=org, allow_private=True)
    set_state(org.id, True, "ckt-smp")
    now = timezone.now()
    sample = collect.Sample(
        host, now, collect.unknown_metrics(), [{"id": "c2", "name": "db", "state": "exited"}]
    )
    with Receiver() as receiver:
        Webhook.objects.create(org=org, name="all", url=receiver.url(), events=["*"], secret="s")
        with django_capture_on_commit_callbacks(execute=True):
            report = service.Report(host.pk, True)
            service.detect_transitions(sample, {"c2": Watch("running", "db")}, report)
    assert [c.down for c in report.changes] == [False]
    assert pushes == []
    assert [e["currentState"] for e in stream_tap.events("alert")] == ["exited"]
    assert [r.headers["x-cockpit-event"] for r in receiver.received] == ["container.state_change"]
