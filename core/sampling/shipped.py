"""Samples of agent hosts: collected ON the agent (task `core.sampling.sample_on_agent` on
`host.<id>`), shipped back as JSON with the agent's secret, and fed by the control plane
(task `core.sampling.store_agent_sample`) through the same steps as any sample, except the
host status, which the agent's heartbeats keep.

The control plane sends each agent what it remembers of the host's containers (state and
restart count per id), which the agent needs to decide which containers to inspect."""

import logging
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone

from core.agents.enrollment import authenticate
from core.hosts.models import DockerHost, HostKind, HostStatus
from core.sampling import service, watch_store
from core.sampling.collect import Sample, collect
from core.sampling.models import ContainerWatch
from core.sampling.transitions import Watch

log = logging.getLogger(__name__)

LAST_SHIPPED_TTL = 3600


def agent_hosts_to_sample():
    """Agent hosts whose agent is online (a silent one would only queue up samples)."""
    return DockerHost.objects.filter(kind=HostKind.AGENT, status=HostStatus.ONLINE)


def remembered(host_ids: list[int]) -> dict[int, dict[str, list]]:
    """{host id: {container id: [state, restart count]}} in one query."""
    memory: dict[int, dict[str, list]] = {host_id: {} for host_id in host_ids}
    rows = ContainerWatch.objects.filter(host_id__in=host_ids).values_list(
        "host_id", "container_id", "state", "restart_count"
    )
    for host_id, container_id, state, restart_count in rows:
        memory[host_id][container_id] = [state, restart_count]
    return memory


# --- on the agent ---------------------------------------------------------------------------


def collect_here(host: DockerHost, memory: dict[str, list]) -> dict:
    previous = {
        container_id: Watch(state=state, restart_count=restart_count)
        for container_id, (state, restart_count) in memory.items()
    }
    return pack(collect(host, previous, timezone.now()))


def pack(sample: Sample) -> dict:
    return {
        "sampledAt": sample.sampled_at.isoformat(),
        "metrics": sample.metrics,
        "containers": sample.containers,
        "restartCounts": sample.restart_counts,
        "engineError": sample.engine_error,
    }


# --- on the control plane -------------------------------------------------------------------


def unpack(host: DockerHost, payload: dict) -> Sample:
    return Sample(
        host=host,
        sampled_at=datetime.fromisoformat(payload["sampledAt"]),
        metrics=payload.get("metrics") or {},
        containers=payload.get("containers"),
        restart_counts={
            key: int(value) for key, value in (payload.get("restartCounts") or {}).items()
        },
        engine_error=payload.get("engineError"),
    )


def store(host_id, secret, payload: dict) -> str:
    """Feed a shipped sample; refused when the agent is not who it says, dropped when a newer
    sample of the host was already fed (messages can arrive out of order)."""
    host = authenticate(host_id, secret)
    if host is None:
        log.warning("sample for host %r refused: unknown agent credential", host_id)
        return "refused"
    sample = unpack(host, payload)
    last_key = f"sampling:shipped:{host.pk}"
    last = cache.get(last_key)
    if last is not None and sample.sampled_at.timestamp() <= last:
        return "stale"
    cache.set(last_key, sample.sampled_at.timestamp(), LAST_SHIPPED_TTL)
    service.feed(sample, watch_store.load(host), host_status=False)
    return "stored"
