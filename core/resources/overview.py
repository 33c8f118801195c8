"""The dashboard summary of one host: host figures, container and stack counts.

Served without an engine call per request: the counts come from the host's container snapshot
(core.containers.snapshot, kept fresh by the engine's event stream) and are computed once per
listing; when that is not warm, from the sampler's snapshot if it is fresh; only then from a
direct listing. Host figures come from the sampler's snapshot when fresh, else from procfs
(file reads, no subprocess), and are kept for METRICS_MEMO_SECONDS per host and process.
"""

import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.conf import settings

from core.containers import snapshot as container_snapshot
from core.health import now_iso
from core.hostmetrics.metrics import system_metrics
from core.hosts.models import DockerHost
from core.sampling import snapshots
from core.stream import clients as stream_clients

# A sampler snapshot this recent answers without a call to the engine.
SNAPSHOT_MAX_AGE = timedelta(seconds=20)
# Host figures move slowly (CPU % is a value over at least a second): one read per second.
METRICS_MEMO_SECONDS = 1.0

_metrics_memo: dict[int, tuple[float, int, dict]] = {}
_memo_lock = threading.Lock()


def connected_sse_clients() -> int:
    return stream_clients.count()


def container_counts(containers: list[dict]) -> dict:
    """`{"containers": {total, running, stopped, unhealthy}, "stacks": {total, allHealthy}}`
    of ContainerSummary-like dicts (state, health, composeProject)."""
    running = sum(1 for c in containers if c.get("state") == "running")
    per_project: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # [running, total]
    for container in containers:
        project = container.get("composeProject")
        if project:
            per_project[project][0] += container.get("state") == "running"
            per_project[project][1] += 1
    return {
        "containers": {
            "total": len(containers),
            "running": running,
            "stopped": len(containers) - running,
            "unhealthy": sum(1 for c in containers if c.get("health") == "unhealthy"),
        },
        "stacks": {
            "total": len(per_project),
            "allHealthy": all(run == total for run, total in per_project.values()),
        },
    }


def _fresh(sampled_at: datetime) -> bool:
    return datetime.now(UTC) - sampled_at <= SNAPSHOT_MAX_AGE


def _counts(host: DockerHost) -> dict:
    watched = container_snapshot.watched(host)
    if watched is not None:
        return watched.derived(container_counts)
    sampled = snapshots.latest(host.id)
    if sampled is not None and _fresh(sampled.sampled_at):
        return container_counts(sampled.containers)
    return container_snapshot.current(host).derived(container_counts)


def host_figures(host: DockerHost) -> dict:
    """SystemMetrics of the host: the sampler's when fresh, else procfs."""
    now = time.monotonic()
    memo = _metrics_memo.get(host.id)
    if memo is not None and memo[1] == host.org_id and now - memo[0] < METRICS_MEMO_SECONDS:
        return memo[2]
    sampled = snapshots.latest_metrics(host.id, host.org_id)
    if sampled is not None and sampled[0] and _fresh(sampled[1]):
        metrics = sampled[0]
    else:
        metrics = system_metrics()
    with _memo_lock:
        _metrics_memo[host.id] = (now, host.org_id, metrics)
    return metrics


def _summary(host: DockerHost, counts: dict) -> dict:
    return {
        "serverName": settings.SERVER_NAME,
        "system": host_figures(host),
        "containers": counts["containers"],
        "stacks": counts["stacks"],
        "sseClients": connected_sse_clients(),
        "timestamp": now_iso(),
    }


def overview(host: DockerHost) -> dict:
    return _summary(host, _counts(host))


async def overview_from_memory(host: DockerHost) -> dict | None:
    """For the event loop: the overview from the host's container snapshot in this process,
    else None. Never calls the engine (host figures may read procfs or the cache, once a
    second)."""
    snapshot = await container_snapshot.apeek(host)
    if snapshot is None:
        return None
    return _summary(host, snapshot.derived(container_counts))
