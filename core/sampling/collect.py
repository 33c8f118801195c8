"""One sample of one host, from its engine: host figures, the container list (one call), then
per-container one-shot stats and the few restart-count inspects, all in parallel threads.

Nothing here writes anything but the cache of previous CPU readings; `core.sampling.service`
decides what the sample feeds.
"""

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache

from core.docker import sampling as engine_calls
from core.docker.containers import stats_summary
from core.hostmetrics.metrics import system_metrics
from core.hosts.models import DockerHost, HostKind
from core.sampling import cpu
from core.sampling.transitions import Seen, Watch, needs_inspect

log = logging.getLogger(__name__)

# Threads per sample. The SDK keeps 10 pooled connections per engine; more threads would
# only open and drop extra ones.
MAX_THREADS = 10
CPU_READINGS_TTL = 10 * 60  # previous CPU readings of a host outlive a few missed samples
CONTAINER_FIELDS = ("id", "name", "state", "status", "health", "image", "composeProject")
STATS_FIELDS = ("cpuPercent", "memoryUsage", "memoryLimit", "networkRx", "networkTx")


@dataclass
class Sample:
    host: DockerHost
    sampled_at: datetime
    metrics: dict  # SystemMetrics (spec A.1); null figures where unknown
    containers: list[dict] | None  # None: the engine did not answer
    restart_counts: dict[str, int] = field(default_factory=dict)
    engine_error: str | None = None

    @property
    def engine_up(self) -> bool:
        return self.containers is not None

    def seen(self) -> list[Seen]:
        return [
            Seen(c["id"], c["name"], c.get("state") or "", c.get("status") or "")
            for c in self.containers or []
        ]


def parallel(call: Callable, items: Iterable) -> list:
    """`call(item)` for every item, at most MAX_THREADS at a time, results in item order."""
    items = list(items)
    if len(items) <= 1:
        return [call(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(items))) as pool:
        return list(pool.map(call, items))


# --- host figures ---------------------------------------------------------------------------


def unknown_metrics(hostname: str = "unknown") -> dict:
    return {
        "hostname": hostname,
        "cpuPercent": None,
        "cpuCount": None,
        "memory": {"total": None, "used": None, "free": None, "percent": None},
        "disk": {"total": None, "used": None, "free": None, "percent": None},
        "load": {"load1": None, "load5": None, "load15": None},
        "uptimeSeconds": None,
    }


def host_metrics(host: DockerHost, engine_up: bool) -> dict:
    """procfs figures for a local host (its engine runs on this machine). A tcp host's procfs
    is out of reach: what the engine's /info tells (name, CPUs, total memory), else nulls."""
    if host.kind == HostKind.LOCAL:
        return system_metrics()
    metrics = unknown_metrics(host.name)
    if engine_up:
        try:
            info = engine_calls.engine_info(host)
        except engine_calls.SAMPLING_FAILURES as exc:
            log.info("host %s: /info failed: %s", host.pk, exc)
            return metrics
        metrics["hostname"] = info.get("Name") or host.name
        metrics["cpuCount"] = info.get("NCPU")
        metrics["memory"]["total"] = info.get("MemTotal")
    return metrics


# --- containers -----------------------------------------------------------------------------


def _cpu_key(host_id: int) -> str:
    return f"sampling:cpu:{host_id}"


def _stats_of(host: DockerHost, container_id: str) -> dict | None:
    return engine_calls.raw_stats(host, container_id)


def container_figures(
    host: DockerHost, containers: list[dict], previous: dict[str, Watch]
) -> tuple[list[dict], dict[str, int]]:
    """The snapshot's container dicts (with stats for running containers) and the restart
    counts of the containers that needed an inspect."""
    running = [c["id"] for c in containers if c.get("state") == "running"]
    to_inspect = [
        c["id"]
        for c in containers
        if needs_inspect(
            Seen(c["id"], c["name"], c.get("state") or "", c.get("status") or ""),
            previous.get(c["id"]),
        )
    ]
    calls = [("stats", cid) for cid in running] + [("inspect", cid) for cid in to_inspect]

    def run(call: tuple[str, str]):
        kind, container_id = call
        if kind == "stats":
            return _stats_of(host, container_id)
        return engine_calls.restart_count(host, container_id)

    results = parallel(run, calls)
    raw_stats = dict(zip(running, results[: len(running)], strict=True))
    restart_counts = {
        cid: count
        for cid, count in zip(to_inspect, results[len(running) :], strict=True)
        if count is not None
    }

    previous_cpu = cache.get(_cpu_key(host.pk)) or {}
    current_cpu: dict[str, dict] = {}
    figures = []
    for container in containers:
        item = {name: container.get(name) for name in CONTAINER_FIELDS}
        item |= dict.fromkeys(STATS_FIELDS)
        raw = raw_stats.get(container["id"])
        if raw:
            summary = stats_summary(raw)
            reading = cpu.reading_of(raw)
            before = cpu.CpuReading.from_dict(previous_cpu.get(container["id"]))
            item |= {name: summary[name] for name in STATS_FIELDS}
            item["cpuPercent"] = cpu.cpu_percent(reading, before or cpu.engine_previous(raw))
            if reading is not None:
                current_cpu[container["id"]] = reading.as_dict()
        watch = previous.get(container["id"])
        item["restartCount"] = restart_counts.get(
            container["id"], watch.restart_count if watch else None
        )
        figures.append(item)
    cache.set(_cpu_key(host.pk), current_cpu, CPU_READINGS_TTL)
    return figures, restart_counts


def collect(host: DockerHost, previous: dict[str, Watch], sampled_at: datetime) -> Sample:
    """Read one sample. An unreachable engine gives a sample without containers (None) and the
    host figures that do not need the engine."""
    try:
        containers = engine_calls.list_for_sampling(host)
    except engine_calls.SAMPLING_FAILURES as exc:
        detail = getattr(exc, "detail", None) or exc.__class__.__name__
        metrics = host_metrics(host, engine_up=False)
        return Sample(host, sampled_at, metrics, None, engine_error=str(detail))
    metrics = host_metrics(host, engine_up=True)
    figures, restart_counts = container_figures(host, containers, previous)
    return Sample(host, sampled_at, metrics, figures, restart_counts)
