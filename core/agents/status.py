"""Agent host status from heartbeats: a heartbeat makes the host online (and says so when it
was offline); the beat tick turns hosts whose agent went silent for AGENT_OFFLINE_AFTER_SECONDS
offline. Each change is claimed with a conditional UPDATE, so it is announced exactly once
however many workers run: webhooks `host.offline` / `host.online` (the sampler's payload), the
live stream (`alert` events of type `host_offline` / `host_online`), an alert event (listed
with the alert rules' events, `metric: "host_status"`, no rule) and a push."""

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.agents.enrollment import authenticate
from core.alerts.models import AlertEvent
from core.hosts.models import DockerHost, HostKind, HostStatus
from core.push.services import notify
from core.sampling import announce
from core.stream.publish import publish

log = logging.getLogger(__name__)

METRIC = "host_status"


def heartbeat(host_id, secret, info: dict | None = None, now: datetime | None = None) -> bool:
    """Record a heartbeat; False (and nothing recorded) when the agent is not who it says."""
    host = authenticate(host_id, secret)
    if host is None:
        log.warning("heartbeat for host %r refused: unknown agent credential", host_id)
        return False
    now = now or timezone.now()
    with transaction.atomic():
        came_back = DockerHost.objects.filter(pk=host.pk, status=HostStatus.OFFLINE).update(
            status=HostStatus.ONLINE, last_seen_at=now
        )
        if not came_back:
            DockerHost.objects.filter(pk=host.pk).update(status=HostStatus.ONLINE, last_seen_at=now)
        if came_back:
            host.status, host.last_seen_at = HostStatus.ONLINE, now
            announce_change(host, HostStatus.OFFLINE, HostStatus.ONLINE, now)
    return True


def mark_offline(now: datetime | None = None) -> int:
    """Turn silent agent hosts offline; returns how many changed."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.AGENT_OFFLINE_AFTER_SECONDS)
    silent = DockerHost.objects.filter(
        kind=HostKind.AGENT, status=HostStatus.ONLINE, last_seen_at__lt=cutoff
    )
    changed = 0
    for host in silent:
        with transaction.atomic():
            claimed = DockerHost.objects.filter(
                pk=host.pk, status=HostStatus.ONLINE, last_seen_at__lt=cutoff
            ).update(status=HostStatus.OFFLINE)
            if claimed:
                host.status = HostStatus.OFFLINE
                announce_change(host, HostStatus.ONLINE, HostStatus.OFFLINE, now)
                changed += 1
    return changed


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def announce_change(host: DockerHost, previous: str, current: str, now: datetime) -> None:
    offline = current == HostStatus.OFFLINE
    window = int(settings.AGENT_OFFLINE_AFTER_SECONDS)
    message = (
        f"Host {host.name} is offline: no heartbeat from its agent for {window} s"
        if offline
        else f"Host {host.name} is back online"
    )
    event = AlertEvent.objects.create(
        org_id=host.org_id,
        host=host,
        kind="fired" if offline else "resolved",
        rule_name="Host offline",
        host_name=host.name,
        metric=METRIC,
        message=message,
        severity="critical" if offline else "info",
        created_at=now,
    )
    payload = {
        "type": "host_offline" if offline else "host_online",
        "eventId": event.pk,
        "hostId": host.pk,
        "hostName": host.name,
        "hostSlug": host.slug,
        "lastSeenAt": _iso(host.last_seen_at),
        "message": message,
        "timestamp": _iso(now),
    }
    transaction.on_commit(partial(publish, host.org_id, "alert", payload), robust=True)
    try:
        announce.host_status_change(host, previous, current, now)  # webhooks, on commit
    except Exception:
        log.exception("host %s: webhooks for %s not dispatched", host.pk, current)
    title = f"Host offline: {host.name}" if offline else f"✓ Host {host.name} back online"
    data = {"type": "host", "hostId": host.pk, "eventId": event.pk}
    notify(host.org_id, title, message, data, "critical" if offline else "info")
