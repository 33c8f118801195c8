"""SystemMetrics (Appendix A.1) from a procfs root, and CPU % that callers cannot steal
(spec §14.32)."""

import time
from pathlib import Path

import pytest
from django.core.cache import cache

from core.hostmetrics import cpu, procfs
from core.hostmetrics.disk import disk_usage
from core.hostmetrics.metrics import system_metrics

STAT = "cpu  {busy} 0 0 {idle} 0 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 1 2 3\n"


def fake_proc(root: Path, busy: int = 100, idle: int = 900) -> Path:
    (root / "sys" / "kernel").mkdir(parents=True, exist_ok=True)
    (root / "stat").write_text(STAT.format(busy=busy, idle=idle))
    (root / "meminfo").write_text(
        "MemTotal:       1000 kB\nMemFree:         100 kB\nMemAvailable:    250 kB\n"
    )
    (root / "loadavg").write_text("0.50 1.25 2.00 1/123 4567\n")
    (root / "uptime").write_text("12345.67 54321.00\n")
    (root / "cpuinfo").write_text("processor\t: 0\nmodel\t: x\n\nprocessor\t: 1\nmodel\t: x\n")
    (root / "sys" / "kernel" / "hostname").write_text("fakehost\n")
    return root


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_metrics_from_a_procfs_root(tmp_path):
    proc = fake_proc(tmp_path / "proc")
    metrics = system_metrics(str(proc), str(tmp_path))
    assert metrics["hostname"] == "fakehost"
    assert metrics["cpuCount"] == 2
    assert metrics["cpuPercent"] == 10.0  # first call: the average since boot (100 / 1000)
    assert metrics["memory"] == {"total": 1024000, "used": 768000, "free": 256000, "percent": 75.0}
    assert metrics["load"] == {"load1": 0.5, "load5": 1.25, "load15": 2.0}
    assert metrics["uptimeSeconds"] == 12345
    assert metrics["disk"]["mountpoint"] == str(tmp_path)
    assert set(metrics) == {
        "hostname", "cpuPercent", "cpuCount", "memory", "disk", "load", "uptimeSeconds",
    }  # fmt: skip


def test_memory_without_memavailable_counts_buffers_and_cache(tmp_path):
    proc = fake_proc(tmp_path)
    (proc / "meminfo").write_text(
        "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 150 kB\n"
    )
    assert procfs.memory(proc) == {
        "total": 1024000,
        "used": 716800,
        "free": 307200,
        "percent": 70.0,
    }


def test_missing_files_fall_back_to_zeros(tmp_path):
    metrics = system_metrics(str(tmp_path / "nothing"), str(tmp_path / "no-such-mount"))
    assert metrics["hostname"] == "unknown"
    assert metrics["cpuPercent"] == 0.0
    assert metrics["cpuCount"] == 1
    assert metrics["memory"] == {"total": 0, "used": 0, "free": 0, "percent": 0}
    assert metrics["load"] == {"load1": 0.0, "load5": 0.0, "load15": 0.0}
    assert metrics["uptimeSeconds"] == 0
    assert metrics["disk"] == {"total": 0, "used": 0, "free": 0, "percent": 0}  # no mountpoint


def test_cpu_delta_is_taken_against_a_baseline_at_least_a_second_old(tmp_path):
    proc = fake_proc(tmp_path, busy=100, idle=900)
    start = time.time()
    assert cpu.cpu_percent(proc, now=start) == 10.0  # since boot; becomes the baseline
    fake_proc(tmp_path, busy=150, idle=950)  # +50 busy, +50 idle
    assert cpu.cpu_percent(proc, now=start + 0.2) == 10.0  # too soon: last value, same baseline
    assert cpu.cpu_percent(proc, now=start + 1.2) == 50.0  # delta over 1.2 s: 50 / 100
    assert cpu.cpu_percent(proc, now=start + 1.3) == 50.0  # a quick second caller: same, not 0


def test_cpu_counter_reset_starts_over(tmp_path):
    proc = fake_proc(tmp_path, busy=500, idle=500)
    start = time.time()
    cpu.cpu_percent(proc, now=start)
    fake_proc(tmp_path, busy=10, idle=90)
    assert cpu.cpu_percent(proc, now=start + 5) == 10.0


def test_real_proc_values_in_range():
    metrics = system_metrics("/proc", "/")
    assert 0 <= metrics["cpuPercent"] <= 100
    assert metrics["cpuCount"] >= 1
    memory = metrics["memory"]
    assert memory["total"] > 0
    assert 0 <= memory["used"] <= memory["total"]
    assert 0 <= memory["percent"] <= 100
    disk = metrics["disk"]
    assert disk["mountpoint"] == "/"
    assert disk["total"] > 0
    assert 0 <= disk["used"] <= disk["total"]
    assert 0 <= disk["percent"] <= 100
    assert metrics["uptimeSeconds"] > 0
    assert metrics["hostname"]
    assert metrics["hostname"] != "unknown"
    assert all(value >= 0 for value in metrics["load"].values())


def test_two_quick_real_calls_do_not_zero_each_other():
    """Burn CPU between two readings a second apart, then read twice at once: the second
    reader gets the same (non-zero) figure instead of a near-empty delta."""
    proc = Path("/proc")
    cpu.cpu_percent(proc)
    deadline = time.monotonic() + 1.1
    while time.monotonic() < deadline:
        sum(range(1000))
    first = cpu.cpu_percent(proc)
    second = cpu.cpu_percent(proc)
    assert first > 0
    assert second == first


def test_disk_of_a_configured_mount(tmp_path):
    usage = disk_usage(str(tmp_path))
    assert usage["mountpoint"] == str(tmp_path)
    assert usage["total"] >= usage["used"] >= 0
    assert usage["free"] >= 0
    assert 0 <= usage["percent"] <= 100


@pytest.mark.django_db
def test_metrics_route_reads_proc_path_and_host_disk_path(settings, tmp_path, viewer):
    settings.PROC_PATH = str(fake_proc(tmp_path / "proc"))
    settings.HOST_DISK_PATH = str(tmp_path)
    response = viewer.get("/api/system/metrics")
    assert response.status_code == 200
    body = response.json()
    assert body["hostname"] == "fakehost"
    assert body["disk"]["mountpoint"] == str(tmp_path)
    assert body["cpuPercent"] == 10.0


@pytest.mark.django_db
def test_metrics_route_needs_authentication(api_client):
    response = api_client.get("/api/system/metrics")
    assert response.status_code == 401
    assert response.json() == {"error": "Missing or invalid Authorization header"}
