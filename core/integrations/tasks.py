"""Celery tasks of integrations: the beat tick that claims due polls, one task per poll, and
the hourly prune. Thin: the work is in core.integrations.polling."""

from celery import shared_task
from django.conf import settings

from core.integrations.polling import claim_due, prune_old_data, run_poll


@shared_task(name="core.integrations.tick", ignore_result=True)
def tick() -> int:
    claimed = claim_due()
    for integration_id, lease_id in claimed:
        poll.apply_async(
            kwargs={"integration_id": integration_id, "lease_id": lease_id},
            expires=settings.INTEGRATION_POLL_LEASE_SECONDS,
        )
    return len(claimed)


@shared_task(name="core.integrations.poll", ignore_result=True)
def poll(integration_id: str, lease_id: str) -> None:
    run_poll(integration_id, lease_id)


@shared_task(name="core.integrations.prune", ignore_result=True)
def prune() -> int:
    return prune_old_data()
