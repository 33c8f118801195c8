"""Sending one delivery attempt and logging it. Retrying is the task's job (core.webhooks.tasks);
this module decides whether a failure deserves a retry: timeouts, connection errors and 5xx do,
4xx, redirects, TLS and policy failures do not."""

import json
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from core.outbound import OutboundError, fetch, policy_for_org
from core.webhooks import signing
from core.webhooks.models import Webhook, WebhookDelivery

log = logging.getLogger(__name__)

RESPONSE_BODY_LIMIT = 64 * 1024  # receivers' answers are not used; read a little, then stop


@dataclass(frozen=True)
class AttemptOutcome:
    row: WebhookDelivery
    retry_in: int | None  # seconds until the next attempt, None when this was the last


def iso_now() -> str:
    return timezone.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")


def envelope(event: str, data, timestamp: str | None = None) -> str:
    """The JSON body of a delivery: `{event, timestamp, data}`, identical on every retry."""
    return json.dumps(
        {"event": event, "timestamp": timestamp or iso_now(), "data": data},
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
    )


def retry_delay(attempt: int) -> int | None:
    """Seconds to wait after failed attempt number `attempt` (1-based), None when none is left."""
    delays = settings.WEBHOOK_RETRY_DELAYS
    return delays[attempt - 1] if attempt <= len(delays) else None


def signed_headers(webhook: Webhook, event: str, delivery_id: str, body: bytes) -> dict:
    timestamp = str(int(time.time()))
    return {
        "Content-Type": "application/json",
        **webhook.headers,  # may override Content-Type, never the X-Cockpit-* headers below
        "X-Cockpit-Event": event,
        "X-Cockpit-Delivery": delivery_id,
        "X-Cockpit-Timestamp": timestamp,
        "X-Cockpit-Signature": signing.signature(webhook.secret, timestamp, body),
    }


def _send(webhook: Webhook, event: str, delivery_id: str, body: bytes):
    """(status code, error text, retryable, latency ms)."""
    started = time.monotonic()
    try:
        response = fetch(
            "POST",
            webhook.url,
            policy=policy_for_org(webhook.org_id),
            headers=signed_headers(webhook, event, delivery_id, body),
            body=body,
            timeout=settings.WEBHOOK_TIMEOUT,
            max_redirects=0,
            max_response_bytes=RESPONSE_BODY_LIMIT,
            truncate=True,
        )
    except OutboundError as exc:
        return None, exc.message, exc.retryable, round((time.monotonic() - started) * 1000)
    latency = response.elapsed_ms
    if response.ok:
        return response.status, "", False, latency
    error = f"HTTP {response.status}"
    if 300 <= response.status < 400:
        error += " (redirects are not followed)"
    return response.status, error, response.status >= 500, latency


def attempt_delivery(
    webhook: Webhook,
    *,
    delivery_id: str,
    event: str,
    body: str,
    attempt: int = 1,
    request_id: str = "",
    retries: bool = True,
) -> AttemptOutcome:
    """Send attempt number `attempt` of a delivery and log it."""
    status_code, error, retryable, latency = _send(webhook, event, delivery_id, body.encode())
    retry_in = retry_delay(attempt) if retries and retryable else None
    next_retry_at = None if retry_in is None else timezone.now() + timedelta(seconds=retry_in)
    row = WebhookDelivery.objects.create(
        webhook=webhook,
        delivery_id=delivery_id,
        event=event,
        attempt=attempt,
        success=not error,
        status_code=status_code,
        latency_ms=latency,
        error=error,
        next_retry_at=next_retry_at,
        request_id=request_id[:128],
    )
    if error:
        log.info(
            "Webhook %s delivery %s attempt %s of %s failed: %s%s",
            webhook.pk, delivery_id, attempt, event, error,
            f"; retrying in {retry_in}s" if retry_in is not None else "",
        )  # fmt: skip
    return AttemptOutcome(row=row, retry_in=retry_in)
