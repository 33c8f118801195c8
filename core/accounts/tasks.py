"""Session hygiene: beat runs `core.accounts.prune_refresh_tokens` hourly (CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from core.accounts import sessions


@shared_task(name="core.accounts.prune_refresh_tokens")
def prune_refresh_tokens() -> int:
    return sessions.prune()
