"""Audit retention: beat runs `core.audit.prune` daily (CELERY_BEAT_SCHEDULE in settings)."""

from celery import shared_task

from core.audit.services import prune_older_than_retention


@shared_task(name="core.audit.prune")
def prune_audit_log() -> int:
    return prune_older_than_retention()
