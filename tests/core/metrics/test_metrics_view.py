"""`GET /metrics` from the snapshot store, parsed with prometheus_client's own parser."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from core.accounts.models import Organization
from core.hosts.models import DockerHost, HostKind
from core.metrics import hooks
from core.sampling import snapshots

pytestmark = pytest.mark.django_db

SPEC_FAMILIES = [
    "cockpit_cpu_percent", "cockpit_memory_used_bytes", "cockpit_memory_total_bytes",
    "cockpit_memory_percent", "cockpit_disk_used_bytes", "cockpit_disk_total_bytes",
    "cockpit_disk_percent", "cockpit_load_1m", "cockpit_load_5m", "cockpit_load_15m",
    "cockpit_uptime_seconds", "cockpit_cpu_count", "cockpit_containers_running",
    "cockpit_containers_stopped", "cockpit_containers_total", "cockpit_container_running",
]  # fmt: skip

METRICS = {
    "hostname": "box",
    "cpuPercent": 12.34,
    "cpuCount": 4,
    "memory": {"total": 8_000_000_000, "used": 2_000_000_000, "free": 6_000_000_000,
               "percent": 25.0},
    "disk": {"total": 100_000, "used": 40_000, "free": 60_000, "percent": 40.0, "mountpoint": "/"},
    "load": {"load1": 0.5, "load5": 0.25, "load15": 0.125},
    "uptimeSeconds": 3600,
}  # fmt: skip
CONTAINERS = [
    {"id": "a1", "name": "web.1 (blue)", "state": "running", "health": None,
     "image": "registry:5000/shop/web:1.2@sha256:ab", "composeProject": "shop",
     "cpuPercent": 3.5, "memoryUsage": 1024, "memoryLimit": 4096, "networkRx": 10,
     "networkTx": 20, "restartCount": 2},
    {"id": "b2", "name": "worker", "state": "exited", "health": None, "image": "busybox",
     "composeProject": None},
]  # fmt: skip


@pytest.fixture
def sampled_host():
    org = Organization.objects.create(name="Acme", slug="acme")
    host = DockerHost.objects.create(org=org, name="Main", slug="main", is_default=True)
    snapshots.store(host.pk, org.pk, METRICS, CONTAINERS, datetime(2026, 1, 2, tzinfo=UTC))
    return host


def scrape(**headers):
    response = Client().get("/metrics", **headers)
    families = {}
    if response.status_code == 200:
        families = {f.name: f for f in text_string_to_metric_families(response.content.decode())}
    return response, families


def samples(family) -> dict[tuple, float]:
    return {tuple(sorted(s.labels.items())): s.value for s in family.samples}


def test_every_spec_family_from_the_snapshot(sampled_host):
    response, families = scrape()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = response.content.decode()
    assert text.endswith("\n")
    for name in SPEC_FAMILIES:
        assert name in families, name
        assert families[name].type == "gauge"
        assert f"# HELP {name} " in text
        assert f"# TYPE {name} gauge\n" in text
    where = (("host", "main"), ("org", "acme"))
    assert samples(families["cockpit_cpu_percent"]) == {where: 12.34}
    assert samples(families["cockpit_memory_total_bytes"]) == {where: 8e9}
    assert samples(families["cockpit_load_15m"]) == {where: 0.125}
    assert samples(families["cockpit_cpu_count"]) == {where: 4}
    assert samples(families["cockpit_containers_running"]) == {where: 1}
    assert samples(families["cockpit_containers_stopped"]) == {where: 1}
    assert samples(families["cockpit_containers_total"]) == {where: 2}
    # Label sanitising: names keep [A-Za-z0-9_-], images [A-Za-z0-9_./:@-].
    assert samples(families["cockpit_container_running"]) == {
        (*where[:1], ("image", "registry:5000/shop/web:1.2@sha256:ab"), ("name", "web_1__blue_"),
         where[1]): 1,
        (*where[:1], ("image", "busybox"), ("name", "worker"), where[1]): 0,
    }  # fmt: skip
    # Families are separated by blank lines.
    assert "\n\n# HELP cockpit_memory_used_bytes" in text


def test_per_container_and_per_host_figures(sampled_host):
    _, families = scrape()
    web = (("host", "main"), ("name", "web_1__blue_"), ("org", "acme"))
    assert samples(families["cockpit_container_cpu_percent"]) == {web: 3.5}
    assert samples(families["cockpit_container_memory_usage_bytes"]) == {web: 1024}
    assert samples(families["cockpit_container_memory_limit_bytes"]) == {web: 4096}
    assert samples(families["cockpit_container_network_rx_bytes"]) == {web: 10}
    assert samples(families["cockpit_container_network_tx_bytes"]) == {web: 20}
    assert samples(families["cockpit_container_restart_count"]) == {web: 2}
    stamp = families["cockpit_host_snapshot_timestamp_seconds"]
    assert samples(stamp) == {(("host", "main"), ("org", "acme")): 1767312000.0}


def test_no_containers_omits_the_per_container_family():
    org = Organization.objects.create(name="Empty", slug="empty")
    host = DockerHost.objects.create(org=org, name="Bare", slug="bare", is_default=True)
    snapshots.store(host.pk, org.pk, METRICS, [], datetime.now(UTC))
    _, families = scrape()
    assert "cockpit_container_running" not in families
    assert samples(families["cockpit_containers_total"]) == {
        (("host", "bare"), ("org", "empty")): 0
    }


def test_alerts_queues_streams_and_request_metrics(sampled_host, monkeypatch, settings):
    monkeypatch.setattr(hooks, "active_alerts_by_severity", lambda: {"acme": {"critical": 2}})
    agent = DockerHost.objects.create(
        org=sampled_host.org, name="Edge", slug="edge", kind=HostKind.AGENT
    )
    queue_dir = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    queue_dir.mkdir(parents=True, exist_ok=True)
    waiting = [queue_dir / f"1_{n}.celery.msg" for n in range(3)]
    for path in waiting:
        path.write_bytes(b"{}")
    try:
        Client().get("/health")  # something for django-prometheus to count
        _, families = scrape()
    finally:
        for path in waiting:
            path.unlink()
    assert samples(families["cockpit_alerts_active"]) == {
        (("org", "acme"), ("severity", "critical")): 2
    }
    queues = samples(families["cockpit_celery_queue_length"])
    assert queues[(("queue", "celery"),)] == 3
    assert queues[(("queue", f"host.{agent.pk}"),)] == 0
    assert samples(families["cockpit_sse_clients"]) == {(): 0}
    assert "django_http_requests_total_by_method" in families


def test_no_active_alert_exports_no_alert_series():
    assert hooks.active_alerts_by_severity() == {}
    _, families = scrape()
    assert families["cockpit_alerts_active"].samples == []


def test_metrics_token(settings, sampled_host):
    settings.METRICS_TOKEN = "scrape-secret"
    for headers in (
        {},
        {"HTTP_AUTHORIZATION": "Bearer wrong"},
        {"HTTP_AUTHORIZATION": "scrape-secret"},
    ):
        response, _ = scrape(**headers)
        assert response.status_code == 401
        assert response["Content-Type"].startswith("text/plain")
        assert response.content == b"Unauthorized\n"
    response, families = scrape(HTTP_AUTHORIZATION="Bearer scrape-secret")
    assert response.status_code == 200
    assert "cockpit_cpu_percent" in families


def test_wrong_method_is_json_405():
    response = Client().post("/metrics")
    assert response.status_code == 405
    assert response.json() == {"error": "Method not allowed"}
