"""When a schedule runs next, in its own timezone, as an aware UTC datetime."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from core.schedules import cron


def next_run_of(schedule, after: datetime | None = None) -> datetime | None:
    """None for a disabled schedule (and for an expression that never runs)."""
    if not schedule.enabled:
        return None
    expression = cron.parse(schedule.cron_expression)
    return expression.next_after(after or timezone.now(), ZoneInfo(schedule.timezone))
