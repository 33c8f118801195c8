"""Request body and JSON shape of a Docker host."""

from django.core.validators import RegexValidator
from rest_framework import serializers

from core.api.body import StrictBooleanField, StrictCharField, StrictSerializer
from core.hosts.models import DockerHost, HostKind

SLUG_FORMAT = RegexValidator(
    r"^[a-z0-9][a-z0-9-]*$", message="must be lower-case letters, digits and dashes"
)


class HostRequest(StrictSerializer):
    """Create takes `name` and `kind` (default local); update takes any subset (partial)."""

    name = StrictCharField(min_length=1, max_length=128)
    slug = StrictCharField(min_length=1, max_length=64, validators=[SLUG_FORMAT], required=False)
    kind = serializers.ChoiceField(choices=HostKind.values, required=False)
    baseUrl = StrictCharField(max_length=512, allow_blank=True, required=False)
    isDefault = StrictBooleanField(required=False)
    # tcp hosts: PEM text, write-only (stored encrypted, never returned).
    tlsCa = StrictCharField(max_length=65536, required=False)
    tlsCert = StrictCharField(max_length=65536, required=False)
    tlsKey = StrictCharField(max_length=65536, required=False)

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        renamed = {
            "baseUrl": "base_url",
            "isDefault": "is_default",
            "tlsCa": "tls_ca",
            "tlsCert": "tls_cert",
            "tlsKey": "tls_key",
        }
        return {renamed.get(name, name): value for name, value in values.items()}


def host_json(host: DockerHost) -> dict:
    return {
        "id": host.pk,
        "name": host.name,
        "slug": host.slug,
        "kind": host.kind,
        "baseUrl": host.base_url,
        "isDefault": host.is_default,
        "status": host.status,
        "lastSeenAt": host.last_seen_at,
        "createdAt": host.created_at,
        "tlsConfigured": bool(host.tls_material),
    }


def enrollment_json(token: str, row) -> dict:
    """The one-time enrollment token of an agent host, and how an agent uses it."""
    return {
        "token": token,
        "expiresAt": row.expires_at,
        "enrollPath": "/api/agents/enroll",
        "hint": "Start the agent with COCKPIT_URL and ENROLLMENT_TOKEN (compose/agent-compose.yml)",
    }
