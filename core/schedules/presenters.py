"""JSON shapes of schedules and runs. Field names follow the original's rows (`container_id`,
`cron_expression`, `next_run`...); values are clean: real booleans and ISO-8601 UTC times."""

from django.utils import timezone

from core.schedules.models import Schedule, ScheduleRun
from core.schedules.timing import next_run_of


def iso(moment) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def schedule_json(schedule: Schedule) -> dict:
    next_run = schedule.next_run
    if schedule.enabled and (next_run is None or next_run <= timezone.now()):
        next_run = next_run_of(schedule)  # a missed or skipped run: say when the next one is
    return {
        "id": schedule.pk,
        "name": schedule.name,
        "container_id": schedule.container_id,
        "container_name": schedule.container_name,
        "stack": schedule.stack_name or None,
        "action": schedule.action,
        "cron_expression": schedule.cron_expression,
        "timezone": schedule.timezone,
        "enabled": schedule.enabled,
        "host": schedule.host.slug,
        "last_run": iso(schedule.last_run),
        "next_run": iso(next_run),
        "created_by": schedule.created_by,
        "created_at": iso(schedule.created_at),
        "updated_at": iso(schedule.updated_at),
    }


def run_json(run: ScheduleRun) -> dict:
    return {
        "id": run.pk,
        "schedule_id": run.schedule_id,
        "schedule_name": run.schedule_name,
        "container_id": run.container_id,
        "container_name": run.container_name,
        "stack": run.stack_name or None,
        "action": run.action,
        "host": run.host_name,
        "status": run.status,
        "success": run.success,
        "error": run.error or None,
        "triggered_by": run.triggered_by,
        "requested_by": run.requested_by or None,
        "scheduled_for": iso(run.scheduled_for),
        "executed_at": iso(run.started_at),
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
    }
