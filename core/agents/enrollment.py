"""Enrollment: an admin gets a one-time token for an agent host (shown once, stored hashed,
expiring); the agent exchanges it for its credentials, among them a long-lived secret (stored
hashed) it presents with everything it ships back."""

import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.accounts.tokens import sha256_hex
from core.agents.errors import AgentsNeedABroker, InvalidEnrollmentToken, NotAnAgentHost
from core.agents.models import AgentCredential, EnrollmentToken
from core.agents.queues import CONTROL_QUEUE, host_queue
from core.hosts.models import DockerHost, HostKind

TOKEN_PREFIX = "ckenroll_"  # noqa: S105 (a prefix, not a secret)
SECRET_PREFIX = "ckagent_"  # noqa: S105 (a prefix, not a secret)


def broker_url_for_agents() -> str:
    """The broker agents connect to; none when the control plane runs the embedded,
    filesystem broker (no other machine can reach it)."""
    return settings.AGENT_BROKER_URL or settings.REDIS_URL


@transaction.atomic
def issue_token(host: DockerHost) -> tuple[str, EnrollmentToken]:
    """A new token for the host; older unused tokens of the host stop working."""
    if host.kind != HostKind.AGENT:
        raise NotAnAgentHost()
    EnrollmentToken.objects.filter(host=host, used_at__isnull=True).delete()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = EnrollmentToken.objects.create(
        host=host,
        token_hash=sha256_hex(token),
        expires_at=timezone.now() + timedelta(seconds=settings.AGENT_ENROLLMENT_TTL_SECONDS),
    )
    return token, row


@transaction.atomic
def enroll(token: str, *, hostname: str = "", version: str = "") -> tuple[DockerHost, dict]:
    """(host, credentials) for a valid unused token, which is used up; the host's previous
    agent credential, if any, stops working."""
    broker_url = broker_url_for_agents()
    if not broker_url:
        raise AgentsNeedABroker()
    now = timezone.now()
    row = (
        EnrollmentToken.objects.select_related("host")
        .filter(token_hash=sha256_hex(token), used_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if row is None or row.host.kind != HostKind.AGENT:
        raise InvalidEnrollmentToken()
    if not EnrollmentToken.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
        raise InvalidEnrollmentToken()  # a concurrent exchange won
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    AgentCredential.objects.update_or_create(
        host=row.host,
        defaults={
            "secret_hash": sha256_hex(secret),
            "enrolled_at": now,
            "agent_hostname": hostname[:255],
            "agent_version": version[:64],
        },
    )
    host = row.host
    return host, {
        "hostId": host.pk,
        "hostName": host.name,
        "hostSlug": host.slug,
        "queue": host_queue(host.pk),
        "controlQueue": CONTROL_QUEUE,
        "brokerUrl": broker_url,
        "secret": secret,
        "heartbeatSeconds": settings.AGENT_HEARTBEAT_SECONDS,
    }


def authenticate(host_id, secret) -> DockerHost | None:
    """The agent host whose enrolled agent holds `secret`, else None."""
    if not isinstance(host_id, int) or not isinstance(secret, str) or not secret:
        return None
    credential = (
        AgentCredential.objects.select_related("host")
        .filter(host_id=host_id, host__kind=HostKind.AGENT)
        .first()
    )
    if credential is None or not hmac.compare_digest(credential.secret_hash, sha256_hex(secret)):
        return None
    return credential.host
