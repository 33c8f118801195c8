"""`GET /api/hosts/<id>/ping`: does the host answer right now? A local or tcp host's engine is
pinged from here (a tcp host with its TLS identity); an agent host answers through its
heartbeats, which is all the control plane can see of it without shipping a call."""

from datetime import UTC, datetime

from django.conf import settings

from core.agents.errors import HostDidNotAnswer
from core.agents.rpc import is_reachable, offline_window
from core.docker.engine import check_host
from core.hosts.models import DockerHost, HostKind


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def ping(host: DockerHost) -> dict:
    """The answer, or the API error saying why there is none (503, 502 for TLS, 504 for an
    agent that stopped sending heartbeats); never a secret."""
    answer = {"ok": True, "host": {"id": host.pk, "name": host.name, "slug": host.slug}}
    if host.kind == HostKind.AGENT:
        if not is_reachable(host):
            raise HostDidNotAnswer(host.name, offline_window())
        return answer | {"via": "heartbeat", "lastSeenAt": _iso(host.last_seen_at)}
    seconds = check_host(host, settings.HEALTH_DOCKER_TIMEOUT)
    return answer | {"via": "engine", "latencyMs": round(seconds * 1000, 1)}
