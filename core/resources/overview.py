"""The dashboard summary of one host: host figures, container and stack counts."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.conf import settings

from core.docker.system import ContainerState, container_states
from core.health import now_iso
from core.hostmetrics.metrics import system_metrics
from core.hosts.models import DockerHost
from core.sampling import snapshots
from core.stream import clients as stream_clients

# A sampler snapshot this recent answers the counts without a call to the engine.
SNAPSHOT_MAX_AGE = timedelta(seconds=20)


def connected_sse_clients() -> int:
    return stream_clients.count()


def _states(host: DockerHost) -> list[ContainerState]:
    snapshot = snapshots.latest(host.id)
    if snapshot is None or datetime.now(UTC) - snapshot.sampled_at > SNAPSHOT_MAX_AGE:
        return container_states(host)
    return [
        ContainerState(
            running=container.get("state") == "running",
            health=container.get("health"),
            project=container.get("composeProject") or None,
        )
        for container in snapshot.containers
    ]


def overview(host: DockerHost) -> dict:
    states = _states(host)
    running = sum(1 for state in states if state.running)
    per_project: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # [running, total]
    for state in states:
        if state.project:
            per_project[state.project][0] += state.running
            per_project[state.project][1] += 1
    return {
        "serverName": settings.SERVER_NAME,
        "system": system_metrics(),
        "containers": {
            "total": len(states),
            "running": running,
            "stopped": len(states) - running,
            "unhealthy": sum(1 for state in states if state.health == "unhealthy"),
        },
        "stacks": {
            "total": len(per_project),
            "allHealthy": all(run == total for run, total in per_project.values()),
        },
        "sseClients": connected_sse_clients(),
        "timestamp": now_iso(),
    }
