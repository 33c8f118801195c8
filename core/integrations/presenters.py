"""JSON shapes of integrations and their points. Field names follow the original (spec §3.9);
values are clean: real booleans, ISO-8601 UTC timestamps. Configs are always redacted; a row
whose config no configured key opens shows `config: null` and `config_error`, instead of
failing the whole list (spec §14.38)."""

from core.integrations.crypto import ConfigUndecryptable, decrypt_config
from core.integrations.models import Integration, IntegrationData
from core.integrations.redaction import redact


def integration_json(integration: Integration) -> dict:
    try:
        config, config_error = redact(decrypt_config(integration.encrypted_config)), None
    except ConfigUndecryptable as exc:
        config, config_error = None, exc.message
    return {
        "id": str(integration.pk),
        "adapter": integration.adapter,
        "name": integration.name,
        "config": config,
        "config_error": config_error,
        "poll_interval": integration.poll_interval,
        "enabled": integration.enabled,
        "last_pull": integration.last_pull,
        "last_status": integration.last_status or None,
        "last_error": integration.last_error or None,
        "next_poll_at": integration.next_poll_at if integration.enabled else None,
        "created_at": integration.created_at,
        "updated_at": integration.updated_at,
    }


def created_json(integration: Integration) -> dict:
    return {
        "id": str(integration.pk),
        "adapter": integration.adapter,
        "name": integration.name,
        "poll_interval": integration.poll_interval,
        "enabled": integration.enabled,
    }


def data_json(row: IntegrationData) -> dict:
    return {
        "id": row.pk,
        "integration_id": str(row.integration_id),
        "type": row.type,
        "data": row.data,
        "timestamp": row.timestamp,
        "created_at": row.created_at,
    }
