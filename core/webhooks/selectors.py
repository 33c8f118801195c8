"""Reading an organisation's webhooks and their delivery log; always scoped to one org."""

from django.db.models import QuerySet

from core.webhooks.errors import WebhookNotFound
from core.webhooks.models import Webhook, WebhookDelivery


def webhooks_of(org_id: int) -> QuerySet:
    return Webhook.objects.filter(org_id=org_id).order_by("-created_at", "-id")


def get_webhook(org_id: int, webhook_id: int, *, for_update: bool = False) -> Webhook:
    rows = webhooks_of(org_id)
    if for_update:
        rows = rows.select_for_update()
    webhook = rows.filter(pk=webhook_id).first()
    if webhook is None:
        raise WebhookNotFound()
    return webhook


def deliveries_of(webhook: Webhook) -> QuerySet:
    return WebhookDelivery.objects.filter(webhook=webhook).order_by("-created_at", "-id")
