"""Celery tasks of the stacks domain: thin wrappers over the operations service."""

from celery import shared_task

from core.stacks import operations


@shared_task(name="core.stacks.run_operation", ignore_result=True)
def run_stack_operation(operation_id: int) -> str | None:
    return operations.run_operation(operation_id)
