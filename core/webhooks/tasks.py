"""Celery tasks of webhooks: one task per delivery attempt, re-enqueued with a countdown for
each retry, so a delivery waiting out its backoff occupies no worker."""

from celery import shared_task

from core.webhooks.delivery import attempt_delivery
from core.webhooks.models import Webhook
from core.webhooks.services import prune_deliveries


@shared_task(name="core.webhooks.deliver", ignore_result=True)
def deliver(
    webhook_id: int, delivery_id: str, event: str, body: str, attempt: int = 1, request_id: str = ""
) -> None:
    webhook = Webhook.objects.filter(pk=webhook_id, enabled=True).first()
    if webhook is None:  # deleted or disabled since the event fired: nothing more to send
        return
    outcome = attempt_delivery(
        webhook,
        delivery_id=delivery_id,
        event=event,
        body=body,
        attempt=attempt,
        request_id=request_id,
    )
    if outcome.retry_in is not None:
        deliver.apply_async(
            kwargs={
                "webhook_id": webhook_id,
                "delivery_id": delivery_id,
                "event": event,
                "body": body,
                "attempt": attempt + 1,
                "request_id": request_id,
            },
            countdown=outcome.retry_in,
        )


@shared_task(name="core.webhooks.prune", ignore_result=True)
def prune() -> int:
    return prune_deliveries()
