"""The periodic `metrics` and `containers` events, built from the sampler's latest snapshots.

Payloads keep the original's shapes so its clients keep working, and name the host:
- `metrics`: SystemMetrics plus `hostId`, `hostName`, `sampledAt`.
- `containers`: the original's array of `{id, name, state, health, image, composeProject}`, each
  item with `hostId` and `hostName` (one event per host).
"""

from django.db import close_old_connections

from core.sampling import snapshots
from core.stream import framing

CONTAINER_FIELDS = ("id", "name", "state", "health", "image", "composeProject")


def metrics_payload(snapshot: snapshots.Snapshot) -> dict:
    return {
        **snapshot.metrics,
        "hostId": snapshot.host_id,
        "hostName": snapshot.host_name,
        "sampledAt": snapshot.sampled_at,
    }


def containers_payload(snapshot: snapshots.Snapshot) -> list[dict]:
    return [
        {
            **{name: container.get(name) for name in CONTAINER_FIELDS},
            "hostId": snapshot.host_id,
            "hostName": snapshot.host_name,
        }
        for container in snapshot.containers
    ]


def render_org_snapshots(org_ids: list[int]) -> dict[int, list[bytes]]:
    """Framed events per organisation: `metrics` then `containers` for each sampled host."""
    close_old_connections()
    rendered: dict[int, list[bytes]] = {}
    for org_id in org_ids:
        chunks = []
        for snapshot in snapshots.latest_for_org(org_id):
            chunks.append(framing.event("metrics", framing.to_json(metrics_payload(snapshot))))
            chunks.append(
                framing.event("containers", framing.to_json(containers_payload(snapshot)))
            )
        if chunks:
            rendered[org_id] = chunks
    return rendered
