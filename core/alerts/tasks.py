"""Alert event retention: beat runs `core.alerts.prune_events` daily (CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from core.alerts.services import prune_events


@shared_task(name="core.alerts.prune_events")
def prune_alert_events() -> int:
    return prune_events()
