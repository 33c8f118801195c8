"""Celery tasks of core. Tasks stay thin: they call service functions."""

from celery import shared_task


@shared_task(name="core.ping")
def ping() -> str:
    """Round-trip probe: proves a worker consumes the broker and reports results."""
    return "pong"
