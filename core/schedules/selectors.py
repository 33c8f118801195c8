"""Reading an organisation's schedules and run history; always scoped to one org."""

from django.db.models import QuerySet

from core.schedules.errors import ScheduleNotFound
from core.schedules.models import Schedule, ScheduleRun


def schedules_of(org_id: int) -> QuerySet:
    return (
        Schedule.objects.filter(org_id=org_id).select_related("host").order_by("-created_at", "-id")
    )


def get_schedule(org_id: int, schedule_id: int, *, for_update: bool = False) -> Schedule:
    rows = schedules_of(org_id)
    if for_update:
        rows = rows.select_for_update(of=("self",))
    schedule = rows.filter(pk=schedule_id).first()
    if schedule is None:
        raise ScheduleNotFound()
    return schedule


def history_of(org_id: int, filters: dict | None = None) -> QuerySet:
    """Runs newest first; `filters` are ORM lookups built by the view from query values."""
    return ScheduleRun.objects.filter(org_id=org_id, **(filters or {})).order_by(
        "-started_at", "-id"
    )
