"""The latest snapshot of each host: what the sampler saw last, for readers that must not wait.

The sampler (every 15 s) calls `store()`; `/metrics`, the SSE stream and hot read paths call
`latest()` / `latest_for_org()` / `latest_for_all()` and never touch a Docker engine. Snapshots
live in the Django cache (Redis with REDIS_URL, the file cache in DATA_DIR otherwise), so every
web process reads what a worker wrote.

Shapes the sampler writes:
- `metrics`: SystemMetrics (spec Appendix A.1).
- `containers`: one dict per container with at least `id, name, state, health, image,
  composeProject`; optionally `cpuPercent, memoryUsage, memoryLimit, networkRx, networkTx,
  restartCount` (exported by `/metrics` when present).

Readers get the host's current name and slug and its organisation's slug from the database (the
snapshot stays valid across a rename).
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.cache import cache

from core.hosts.models import DockerHost

KEY_PREFIX = "sampling:snapshot:"
# A snapshot outlives a stopped sampler by this much; then the host shows no figures at all.
TTL_SECONDS = 15 * 60


@dataclass(frozen=True)
class Snapshot:
    host_id: int
    org_id: int
    host_name: str
    host_slug: str
    org_slug: str
    metrics: dict
    containers: list[dict]
    sampled_at: datetime


def _key(host_id: int) -> str:
    return f"{KEY_PREFIX}{host_id}"


def store(
    host_id: int, org_id: int, metrics: dict, containers: list[dict], sampled_at: datetime
) -> None:
    if sampled_at.tzinfo is None:
        raise ValueError("sampled_at must be timezone-aware")
    record = {
        "host_id": host_id,
        "org_id": org_id,
        "metrics": metrics,
        "containers": containers,
        "sampled_at": sampled_at.astimezone(UTC).isoformat(),
    }
    cache.set(_key(host_id), record, timeout=TTL_SECONDS)


def latest(host_id: int) -> Snapshot | None:
    return next(iter(_snapshots(DockerHost.objects.filter(pk=host_id))), None)


def latest_metrics(host_id: int, org_id: int) -> tuple[dict, datetime] | None:
    """The host's latest metrics and when they were sampled, from the cache alone (no database
    round trip, for hot read paths). None when never sampled, expired, or sampled while the
    host belonged to another organisation."""
    record = cache.get(_key(host_id))
    if record is None or record["org_id"] != org_id:
        return None
    return record["metrics"], datetime.fromisoformat(record["sampled_at"])


def latest_for_org(org_id: int) -> list[Snapshot]:
    return _snapshots(DockerHost.objects.filter(org_id=org_id))


def latest_for_all() -> list[Snapshot]:
    return _snapshots(DockerHost.objects.all())


def _snapshots(hosts) -> list[Snapshot]:
    rows = list(
        hosts.order_by("org_id", "name").values("id", "org_id", "name", "slug", "org__slug")
    )
    if not rows:
        return []
    records = cache.get_many([_key(row["id"]) for row in rows])
    snapshots = []
    for row in rows:
        record = records.get(_key(row["id"]))
        if record is None or record["org_id"] != row["org_id"]:
            continue  # never sampled, expired, or sampled while it belonged to another tenant
        snapshots.append(
            Snapshot(
                host_id=row["id"],
                org_id=row["org_id"],
                host_name=row["name"],
                host_slug=row["slug"],
                org_slug=row["org__slug"],
                metrics=record["metrics"],
                containers=record["containers"],
                sampled_at=datetime.fromisoformat(record["sampled_at"]),
            )
        )
    return snapshots
