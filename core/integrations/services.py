"""Writing integrations: create, update (PUT/PATCH), delete, connection test.

Configs are validated by their adapter (spec §14.39), encrypted before they are stored
(core.integrations.crypto) and redacted on every read (core.integrations.redaction). Polling
lives in core.integrations.polling.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from core.accounts.models import Organization
from core.editions.gates import enforce_limit
from core.integrations.adapters.base import Adapter, ConfigInvalid, Context
from core.integrations.crypto import ConfigUndecryptable, decrypt_config, encrypt_config
from core.integrations.errors import IntegrationInvalid
from core.integrations.models import DEFAULT_POLL_INTERVAL, Integration
from core.integrations.redaction import MaskedWithoutSecret, restore_masked
from core.integrations.registry import UnknownAdapter, registry
from core.integrations.selectors import get_integration, integrations_of
from core.outbound import OutboundError, check_url, policy_for_org

HARD_CAP = 100  # integrations per organisation, whatever the edition
ADAPTER_IMMUTABLE = "adapter cannot be changed; create a new integration instead"


def adapter_class(name: str) -> type[Adapter]:
    try:
        return registry.get(name)
    except UnknownAdapter as exc:
        raise IntegrationInvalid(exc.message) from None


def validated_config(adapter: type[Adapter], config: dict, org_id: int) -> dict:
    """The config if its adapter accepts it and its URLs pass the organisation's policy (the
    name-level check; the full one runs on every request)."""
    try:
        adapter.validate_config(config)
    except ConfigInvalid as exc:
        raise IntegrationInvalid(exc.message) from None
    policy = policy_for_org(org_id)
    for url in adapter(config, policy=policy).target_urls():
        try:
            check_url(url, policy, resolve=False)
        except OutboundError as exc:
            raise IntegrationInvalid(exc.message) from None
    return config


def first_poll_at(integration: Integration, now: datetime) -> datetime | None:
    """When an integration is due after a change of its schedule: never polled, or due by
    the new interval already → now; else its last poll plus the (new) interval."""
    if not integration.enabled:
        return None
    if integration.last_pull is None:
        return now
    return max(now, integration.last_pull + timedelta(seconds=integration.poll_interval))


@transaction.atomic
def create_integration(org_id: int, body: dict) -> Integration:
    """Checks in the original's order: edition limit (402), unknown adapter, then the config
    (which the original never checked) and the hard cap."""
    Organization.objects.select_for_update().filter(pk=org_id).first()  # serialise creates
    count = integrations_of(org_id).count()
    enforce_limit(org_id, "integrations", count)
    adapter = adapter_class(body["adapter"])
    config = validated_config(adapter, body["config"], org_id)
    if count >= HARD_CAP:
        raise IntegrationInvalid(f"Maximum {HARD_CAP} integrations allowed")
    now = timezone.now()
    integration = Integration(
        org_id=org_id,
        adapter=adapter.name,
        name=body["name"],
        encrypted_config=encrypt_config(config),
        poll_interval=body.get("poll_interval", DEFAULT_POLL_INTERVAL),
        enabled=body.get("enabled", True),
        created_at=now,
        updated_at=now,
    )
    integration.next_poll_at = first_poll_at(integration, now)
    integration.save()
    return integration


def stored_config(integration: Integration) -> dict | None:
    """The decrypted config, or None when no configured key opens it."""
    try:
        return decrypt_config(integration.encrypted_config)
    except ConfigUndecryptable:
        return None


@transaction.atomic
def update_integration(org_id: int, integration_id: str, body: dict) -> Integration:
    """PUT and PATCH: the fields present change (PUT's schema requires adapter, name and
    config). A masked secret sent back keeps the stored one. A new interval or a switch on
    takes effect at the next tick."""
    integration = get_integration(org_id, integration_id, for_update=True)
    if "adapter" in body and body["adapter"] != integration.adapter:
        raise IntegrationInvalid(ADAPTER_IMMUTABLE)
    if "name" in body:
        integration.name = body["name"]
    if "config" in body:
        try:
            config = restore_masked(body["config"], stored_config(integration))
        except MaskedWithoutSecret as exc:
            raise IntegrationInvalid(str(exc)) from None
        adapter = adapter_class(integration.adapter)
        integration.encrypted_config = encrypt_config(validated_config(adapter, config, org_id))
    schedule_changed = False
    if "poll_interval" in body and body["poll_interval"] != integration.poll_interval:
        integration.poll_interval = body["poll_interval"]
        schedule_changed = True
    if "enabled" in body and body["enabled"] != integration.enabled:
        integration.enabled = body["enabled"]
        schedule_changed = True
    now = timezone.now()
    if schedule_changed:
        integration.next_poll_at = first_poll_at(integration, now)
    integration.updated_at = now
    integration.save()
    return integration


def delete_integration(org_id: int, integration_id: str) -> Integration:
    integration = get_integration(org_id, integration_id)
    deleted = Integration(pk=integration.pk, name=integration.name, adapter=integration.adapter)
    integration.delete()  # its stored points go with it (ON DELETE CASCADE)
    return deleted


def build_adapter(integration: Integration) -> Adapter:
    """The integration's adapter with its decrypted config and the org's outbound policy.
    Raises ConfigUndecryptable or UnknownAdapter."""
    config = decrypt_config(integration.encrypted_config)
    return registry.create(
        integration.adapter,
        config,
        policy=policy_for_org(integration.org_id),
        context=Context(str(integration.pk), integration.poll_interval),
    )


def test_connection(integration: Integration) -> dict:
    """{ok, message, latencyMs}; a failure is an answer, not an error."""
    try:
        adapter = build_adapter(integration)
    except ConfigUndecryptable as exc:
        return {"ok": False, "message": exc.message, "latencyMs": 0}
    except UnknownAdapter as exc:
        raise IntegrationInvalid(exc.message) from None
    return adapter.test_connection()
