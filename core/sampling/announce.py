"""What the sampler tells the world about containers and hosts: SSE `alert` events, webhooks and
pushes, with the original's titles, bodies and severities (spec §6.5, §8.1).

Every payload names the host (`hostId`, `hostName`) on top of the original's fields, as one
organisation watches several hosts.
"""

import logging
from datetime import datetime

from core.hosts.models import DockerHost, HostStatus
from core.sampling import peers
from core.sampling.transitions import CRASH_WINDOW, CrashLoop, StateChange
from core.stream.publish import publish
from core.webhooks.services import dispatch

log = logging.getLogger(__name__)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def state_change_payload(host: DockerHost, change: StateChange, now: datetime) -> dict:
    return {
        "type": "container_state_change",
        "containerId": change.container_id,
        "containerName": change.container_name,
        "previousState": change.previous,
        "currentState": change.current,
        "timestamp": iso(now),
        "hostId": host.pk,
        "hostName": host.name,
    }


def state_change(host: DockerHost, change: StateChange, now: datetime) -> None:
    """Always: SSE `alert` and webhook `container.state_change` (even in maintenance). On a
    "down": the Container Down push and webhook `container.down`."""
    payload = state_change_payload(host, change, now)
    publish(host.org_id, "alert", payload)
    dispatch(host.org_id, "container.state_change", payload)
    if change.down:
        name = change.container_name
        peers.notify(
            host.org_id,
            f"Container Down: {name}",
            f"{name} changed from {change.previous} to {change.current}",
            {"type": "container", "containerId": change.container_id, "hostId": host.pk},
            "critical",
        )
        dispatch(host.org_id, "container.down", payload)


def crash_loop(host: DockerHost, loop: CrashLoop, now: datetime) -> None:
    """Push (the original's) and webhook `container.crash_loop` (new); never in maintenance —
    the caller does not report one then."""
    name = loop.container_name
    window_minutes = int(CRASH_WINDOW.total_seconds() // 60)
    peers.notify(
        host.org_id,
        f"\U0001f501 {name} crash-looping ({loop.restarts} restarts in {window_minutes} min)",
        f"{name} is restarting repeatedly",
        {"type": "container", "containerId": loop.container_id, "hostId": host.pk},
        "critical",
    )
    dispatch(
        host.org_id,
        "container.crash_loop",
        {
            "type": "container_crash_loop",
            "containerId": loop.container_id,
            "containerName": name,
            "restarts": loop.restarts,
            "windowSeconds": int(CRASH_WINDOW.total_seconds()),
            "timestamp": iso(now),
            "hostId": host.pk,
            "hostName": host.name,
        },
    )


def host_status_change(host: DockerHost, previous: str, current: str, now: datetime) -> None:
    """Webhooks `host.offline` / `host.online` when a host goes down or comes back (not on its
    first sighting: unknown → online is no news)."""
    if current == HostStatus.OFFLINE and previous != HostStatus.OFFLINE:
        event = "host.offline"
    elif current == HostStatus.ONLINE and previous == HostStatus.OFFLINE:
        event = "host.online"
    else:
        return
    dispatch(
        host.org_id,
        event,
        {
            "hostId": host.pk,
            "hostName": host.name,
            "hostSlug": host.slug,
            "previousStatus": previous,
            "currentStatus": current,
            "timestamp": iso(now),
        },
    )
