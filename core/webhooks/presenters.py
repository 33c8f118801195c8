"""JSON shapes of webhooks and delivery rows. Field names follow the original (`created_at`,
snake_case rows); values are clean: real booleans, ISO-8601 UTC timestamps, masked headers."""

from core.webhooks.inputs import masked_headers
from core.webhooks.models import Webhook, WebhookDelivery


def _iso(moment) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def webhook_json(webhook: Webhook) -> dict:
    return {
        "id": webhook.pk,
        "name": webhook.name,
        "url": webhook.url,
        "events": list(webhook.events),
        "headers": masked_headers(webhook.headers),
        "enabled": webhook.enabled,
        "created_at": _iso(webhook.created_at),
        "updated_at": _iso(webhook.updated_at),
    }


def delivery_json(row: WebhookDelivery) -> dict:
    return {
        "id": row.pk,
        "webhook_id": row.webhook_id,
        "delivery_id": str(row.delivery_id),
        "event": row.event,
        "attempt": row.attempt,
        "success": row.success,
        "status_code": row.status_code,
        "latency_ms": row.latency_ms,
        "error": row.error,
        "next_retry_at": _iso(row.next_retry_at),
        "request_id": row.request_id,
        "created_at": _iso(row.created_at),
    }
