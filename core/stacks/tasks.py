"""Celery tasks of the stacks domain: thin wrappers over the operations service.

`acks_late` and `reject_on_worker_lost`: the message of an operation whose worker (or only
its pool process) died is delivered again, and the lease in
core.stacks.operations makes the redelivery run it once more, never next to a live worker. The
retries while the lease holds are not counted: a live worker renews it only while its compose
command runs, and that command has a timeout.
"""

from celery import shared_task

from core.leases import run_or_retry
from core.stacks import operations


@shared_task(
    bind=True, name="core.stacks.run_operation", ignore_result=True, acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
)  # fmt: skip
def run_stack_operation(self, operation_id: int) -> str | None:
    return run_or_retry(self, operations.run_operation, operation_id)
