"""Celery tasks of schedules. `acks_late`: a message whose worker died is delivered again, and
the claim and lease in core.schedules.execution make the redelivery finish the run once."""

from celery import shared_task

from core.leases import run_or_retry
from core.schedules import execution

MAX_LEASE_WAITS = 5


@shared_task(
    bind=True, name="core.schedules.run_scheduled", ignore_result=True, acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_LEASE_WAITS,
)  # fmt: skip
def run_scheduled(self, schedule_id: int) -> None:
    """Fired by beat from the schedule's PeriodicTask (and by `catch_up`)."""
    run_or_retry(self, execution.run_due, schedule_id)


@shared_task(
    bind=True, name="core.schedules.run_now", ignore_result=True, acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_LEASE_WAITS,
)  # fmt: skip
def run_now(self, run_id: int) -> None:
    """Queued by `POST /api/schedules/<id>/run`."""
    run_or_retry(self, execution.run_manual, run_id)


@shared_task(name="core.schedules.catch_up", ignore_result=True)
def catch_up() -> None:
    """A fixed beat tick: re-send the runs beat could not send (the broker was down)."""
    for schedule_id in execution.overdue_schedule_ids():
        run_scheduled.delay(schedule_id)
