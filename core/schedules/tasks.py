"""Celery tasks of schedules. `acks_late`: a message whose worker died is delivered again, and
the claim in core.schedules.execution makes the redelivery harmless."""

from celery import shared_task

from core.schedules import execution


@shared_task(name="core.schedules.run_scheduled", ignore_result=True, acks_late=True)
def run_scheduled(schedule_id: int) -> None:
    """Fired by beat from the schedule's PeriodicTask."""
    execution.run_due(schedule_id)


@shared_task(name="core.schedules.run_now", ignore_result=True, acks_late=True)
def run_now(run_id: int) -> None:
    """Queued by `POST /api/schedules/<id>/run`."""
    execution.run_manual(run_id)
