"""The organisation across all its hosts, from the sampler's cached snapshots only (one
database query for the hosts, one cache read for their snapshots; never a call to an engine):
an overview with per-host figures that add up to the totals, and one container list whose rows
name their host."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.hosts.models import HostStatus
from core.hosts.selectors import hosts_of
from core.sampling import snapshots

# A snapshot older than this is shown, but flagged: its host has not been sampled lately.
STALE_AFTER = timedelta(seconds=45)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


@dataclass(frozen=True)
class HostView:
    row: dict
    snapshot: snapshots.Snapshot | None


def _hosts(org_id: int) -> list[HostView]:
    rows = list(
        hosts_of(org_id)
        .order_by("name", "id")
        .values("id", "name", "slug", "kind", "status", "last_seen_at", "is_default")
    )
    by_host = {snapshot.host_id: snapshot for snapshot in snapshots.latest_for_org(org_id)}
    return [HostView(row, by_host.get(row["id"])) for row in rows]


def container_counts(containers: list[dict]) -> dict:
    running = sum(1 for container in containers if container.get("state") == "running")
    return {
        "total": len(containers),
        "running": running,
        "stopped": len(containers) - running,
        "unhealthy": sum(1 for container in containers if container.get("health") == "unhealthy"),
    }


def _system(metrics: dict) -> dict:
    return {
        "cpuPercent": metrics.get("cpuPercent"),
        "memoryPercent": (metrics.get("memory") or {}).get("percent"),
        "diskPercent": (metrics.get("disk") or {}).get("percent"),
        "load1": (metrics.get("load") or {}).get("load1"),
    }


def _host_fields(row: dict) -> dict:
    return {
        "id": row["id"],
        "name": row["name"],
        "slug": row["slug"],
        "kind": row["kind"],
        "status": row["status"],
        "isDefault": row["is_default"],
        "lastSeenAt": _iso(row["last_seen_at"]),
    }


def overview(org_id: int, now: datetime | None = None) -> dict:
    now = now or datetime.now(UTC)
    hosts, totals = [], {"total": 0, "running": 0, "stopped": 0, "unhealthy": 0}
    for view in _hosts(org_id):
        entry = _host_fields(view.row)
        snapshot = view.snapshot
        if snapshot is None:
            entry |= {"sampledAt": None, "stale": True, "containers": None, "system": None}
        else:
            counts = container_counts(snapshot.containers)
            for name, value in counts.items():
                totals[name] += value
            entry |= {
                "sampledAt": _iso(snapshot.sampled_at),
                "stale": now - snapshot.sampled_at > STALE_AFTER,
                "containers": counts,
                "system": _system(snapshot.metrics),
            }
        hosts.append(entry)
    statuses = [host["status"] for host in hosts]
    return {
        "hosts": hosts,
        "totals": {
            "hosts": len(hosts),
            "online": statuses.count(HostStatus.ONLINE),
            "offline": statuses.count(HostStatus.OFFLINE),
            "sampled": sum(1 for host in hosts if host["containers"] is not None),
            "containers": totals,
        },
        "timestamp": _iso(now),
    }


def containers(org_id: int) -> list[dict]:
    """Every container of every sampled host, by host name then container name."""
    rows = []
    for view in _hosts(org_id):
        if view.snapshot is None:
            continue
        host = {"id": view.row["id"], "name": view.row["name"], "slug": view.row["slug"]}
        sampled_at = _iso(view.snapshot.sampled_at)
        for container in sorted(view.snapshot.containers, key=lambda c: c.get("name") or ""):
            rows.append({**container, "host": host, "sampledAt": sampled_at})
    return rows
