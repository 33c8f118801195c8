"""Writing webhooks, and `dispatch`, the entry point other features call to fire an event:

    from core.webhooks.services import dispatch
    dispatch(org_id, "container.down", {...})

It enqueues one Celery task per enabled webhook subscribed to the event (or to `*`), once the
caller's transaction commits, and returns at once: no network I/O happens in the caller, and
one slow receiver delays no other (each delivery and its retries run as their own tasks).
"""

import uuid
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.accounts.models import Organization
from core.editions.gates import enforce_limit
from core.http import request_id as request_ids
from core.outbound import policy_for_org
from core.webhooks import inputs, signing
from core.webhooks.delivery import AttemptOutcome, attempt_delivery, envelope
from core.webhooks.errors import WebhookInvalid
from core.webhooks.events import TEST_EVENT, WILDCARD, is_subscribable, subscribed
from core.webhooks.models import Webhook, WebhookDelivery
from core.webhooks.selectors import get_webhook, webhooks_of

HARD_CAP = 50  # regardless of edition (spec §11.2)


def _current_request_id() -> str:
    current = request_ids.current()
    return "" if current == "-" else current


@transaction.atomic
def create_webhook(org_id: int, body: dict) -> tuple[Webhook, str]:
    """(webhook, signing secret). Checks in the original's order: edition limit (402), name and
    url, URL, then the hard cap of 50."""
    Organization.objects.select_for_update().filter(pk=org_id).first()  # serialise creates
    count = webhooks_of(org_id).count()
    enforce_limit(org_id, "webhooks", count)
    inputs.require_name_and_url(body)
    name = inputs.parse_name(body.get("name"))
    url = inputs.parse_url(body.get("url"), policy_for_org(org_id))
    events = inputs.parse_events(body.get("events"), default_when_empty=True)
    headers = inputs.parse_headers(body.get("headers"))
    enabled = inputs.parse_enabled(body["enabled"]) if "enabled" in body else True
    if count >= HARD_CAP:
        raise WebhookInvalid(f"Maximum {HARD_CAP} webhooks allowed")
    secret = signing.new_secret()
    webhook = Webhook.objects.create(
        org_id=org_id,
        name=name,
        url=url,
        events=events,
        headers=headers,
        enabled=enabled,
        secret=secret,
    )
    return webhook, secret


@transaction.atomic
def update_webhook(org_id: int, webhook_id: int, body: dict, *, replace: bool) -> Webhook:
    """PATCH (`replace=False`) changes the fields present; PUT (`replace=True`) needs name and
    url and resets events and headers to their defaults when absent. Masked header values sent
    back keep the stored ones."""
    webhook = get_webhook(org_id, webhook_id, for_update=True)
    if replace:
        inputs.require_name_and_url(body)
    if replace or "name" in body:
        webhook.name = inputs.parse_name(body.get("name"))
    if replace or "url" in body:
        webhook.url = inputs.parse_url(body.get("url"), policy_for_org(org_id))
    if replace or "events" in body:
        webhook.events = inputs.parse_events(body.get("events"), default_when_empty=replace)
    if replace or "headers" in body:
        webhook.headers = inputs.parse_headers(body.get("headers"), stored=webhook.headers)
    if "enabled" in body:
        webhook.enabled = inputs.parse_enabled(body["enabled"])
    webhook.updated_at = timezone.now()
    webhook.save()
    return webhook


def set_enabled(org_id: int, webhook_id: int, enabled: bool) -> Webhook:
    webhook = get_webhook(org_id, webhook_id)
    webhook.enabled = enabled
    webhook.updated_at = timezone.now()
    webhook.save(update_fields=["enabled", "updated_at"])
    return webhook


def rotate_secret(org_id: int, webhook_id: int) -> tuple[Webhook, str]:
    webhook = get_webhook(org_id, webhook_id)
    webhook.secret = signing.new_secret()
    webhook.updated_at = timezone.now()
    webhook.save(update_fields=["secret", "updated_at"])
    return webhook, webhook.secret


def delete_webhook(org_id: int, webhook_id: int) -> Webhook:
    webhook = get_webhook(org_id, webhook_id)
    webhook.delete()
    return webhook


def _enqueue(webhook_id: int, delivery_id: str, event: str, body: str, request_id: str) -> None:
    from core.webhooks.tasks import deliver

    deliver.delay(
        webhook_id=webhook_id,
        delivery_id=delivery_id,
        event=event,
        body=body,
        attempt=1,
        request_id=request_id,
    )


def dispatch(org_id: int, event: str, data) -> list[str]:
    """Fire `event` with payload `data` (JSON-serialisable; datetimes allowed) to the
    organisation's enabled webhooks subscribed to it. Returns the delivery ids enqueued."""
    if event == WILDCARD or not is_subscribable(event):
        raise ValueError(f"Unknown webhook event {event!r}")
    targets = [
        webhook_id
        for webhook_id, events in Webhook.objects.filter(org_id=org_id, enabled=True)
        .order_by("id")
        .values_list("id", "events")
        if subscribed(events, event)
    ]
    if not targets:
        return []
    body = envelope(event, data)
    request_id = _current_request_id()
    delivery_ids = []
    for webhook_id in targets:
        delivery_id = str(uuid.uuid4())
        delivery_ids.append(delivery_id)
        transaction.on_commit(
            partial(_enqueue, webhook_id, delivery_id, event, body, request_id), robust=True
        )
    return delivery_ids


def test_fire(org_id: int, webhook_id: int) -> AttemptOutcome:
    """One synchronous, signed delivery of the `webhook.test` event; logged, never retried.
    Works on a disabled webhook too, so a receiver can be checked before it is switched on."""
    webhook = get_webhook(org_id, webhook_id)
    body = envelope(
        TEST_EVENT,
        {"message": "Test delivery from Cockpit", "webhookId": webhook.pk, "name": webhook.name},
    )
    return attempt_delivery(
        webhook,
        delivery_id=str(uuid.uuid4()),
        event=TEST_EVENT,
        body=body,
        request_id=_current_request_id(),
        retries=False,
    )


def prune_deliveries(now=None) -> int:
    """Delete delivery log rows older than WEBHOOK_DELIVERY_RETENTION_DAYS."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.WEBHOOK_DELIVERY_RETENTION_DAYS)
    deleted, _ = WebhookDelivery.objects.filter(created_at__lt=cutoff).delete()
    return deleted
