"""Keeping each Schedule's django-celery-beat PeriodicTask in step with it.

Beat's DatabaseScheduler re-reads its tables when PeriodicTasks.last_update moves. That
happens through model signals on `.save()`/`.delete()` (never on a queryset `.update()`), so
every write here goes through the model, and `update_changed()` is called once more at the end
to be certain a change of the crontab alone is noticed.

The crontab fires at every run time of the expression (a superset when both day fields are
restricted, see cron.CronExpression.celery_fields); the task re-checks the expression, so
beat is the clock and core.schedules.cron the authority.
"""

import json

from django_celery_beat.models import CrontabSchedule, PeriodicTask, PeriodicTasks

from core.schedules import cron

TASK_NAME = "core.schedules.run_scheduled"


def periodic_task_name(schedule_id: int) -> str:
    return f"cockpit-schedule-{schedule_id}"


def sync_periodic_task(schedule) -> PeriodicTask:
    """Create or update the schedule's periodic task (crontab, timezone, enabled)."""
    fields = cron.parse(schedule.cron_expression).celery_fields()
    task = schedule.periodic_task
    crontab = task.crontab if task is not None else None
    if crontab is None:
        crontab = CrontabSchedule(timezone=schedule.timezone, **fields)
    else:
        for name, value in fields.items():
            setattr(crontab, name, value)
        crontab.timezone = schedule.timezone
    crontab.save()
    if task is None:
        task = PeriodicTask.objects.filter(name=periodic_task_name(schedule.pk)).first()
    if task is None:
        task = PeriodicTask(name=periodic_task_name(schedule.pk), task=TASK_NAME)
    task.crontab = crontab
    task.kwargs = json.dumps({"schedule_id": schedule.pk})
    task.enabled = schedule.enabled
    task.description = f"{schedule.action} {schedule.container_name} (org {schedule.org_id})"
    task.save()
    if schedule.periodic_task_id != task.pk:
        schedule.periodic_task = task
        type(schedule).objects.filter(pk=schedule.pk).update(periodic_task=task)
    PeriodicTasks.update_changed()
    return task


def remove_periodic_task(task_id: int | None, name: str | None = None) -> None:
    """Delete a periodic task (by id, or by name for an orphan) and its crontab."""
    tasks = PeriodicTask.objects.filter(pk=task_id) if task_id else PeriodicTask.objects.none()
    if name:
        tasks = tasks | PeriodicTask.objects.filter(name=name)
    for task in tasks:
        crontab_id = task.crontab_id
        task.delete()  # pre_delete bumps PeriodicTasks
        if crontab_id and not PeriodicTask.objects.filter(crontab_id=crontab_id).exists():
            CrontabSchedule.objects.filter(pk=crontab_id).delete()
    PeriodicTasks.update_changed()
