"""Running schedules: the beat-fired cron runs and the queued manual ones.

Exactly once per due minute. Beat's message names only the schedule; the run it stands for is
the LATEST run time of the expression at or before now (in the schedule's timezone), at most
SCHEDULE_MISFIRE_GRACE_SECONDS old. A run is claimed by inserting its ScheduleRun row, whose
(schedule, scheduled_for) pair is unique in the database: of any number of workers, retries
or redelivered messages racing for the same minute exactly one insert succeeds, and only that
one touches the container. A message that arrives after a later run time has passed runs
that later one (a backlog collapses instead of replaying). A worker that dies between the
claim and the action leaves a `running` row behind and the minute is not retried: at most
once, never twice.
"""

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit.services import record_event
from core.docker import containers
from core.docker.errors import DockerAPIError, DockerNotFound, DockerNotModified
from core.docker.self_protection import SelfActionRefused, refuse_self
from core.schedules import cron
from core.schedules.beat import periodic_task_name, remove_periodic_task
from core.schedules.models import Action, RunStatus, Schedule, ScheduleRun, Trigger
from core.schedules.presenters import iso
from core.schedules.timing import next_run_of
from core.stacks.errors import StackNotFound
from core.stacks.services import act_on_stack

log = logging.getLogger(__name__)

SCHEDULER_USER = "scheduler"
STOP_SECONDS = containers.DEFAULT_STOP_SECONDS
_ACTIONS = {Action.START: containers.start, Action.STOP: containers.stop,
            Action.RESTART: containers.restart}  # fmt: skip


def due_minute(schedule: Schedule, now):
    """The run time a message received `now` stands for, or None when there is none within
    the grace period (or it predates the schedule)."""
    grace = timedelta(seconds=settings.SCHEDULE_MISFIRE_GRACE_SECONDS)
    expression = cron.parse(schedule.cron_expression)
    due = expression.latest_at_or_before(now, ZoneInfo(schedule.timezone), grace)
    if due is None or due < schedule.created_at:
        return None
    return due


def claim(schedule: Schedule, due) -> ScheduleRun | None:
    """Insert the run row of (schedule, due); None when another execution has it already."""
    try:
        with transaction.atomic():
            return ScheduleRun.objects.create(
                org_id=schedule.org_id,
                schedule=schedule,
                schedule_name=schedule.name,
                host_name=schedule.host.name,
                container_id=schedule.container_id,
                container_name=schedule.container_name,
                stack_name=schedule.stack_name,
                action=schedule.action,
                triggered_by=Trigger.CRON,
                scheduled_for=due,
                status=RunStatus.RUNNING,
            )
    except IntegrityError:
        return None


def run_due(schedule_id: int, now=None) -> ScheduleRun | None:
    """What the beat-fired task does; returns the run it executed, else None."""
    now = now or timezone.now()
    schedule = Schedule.objects.select_related("host").filter(pk=schedule_id).first()
    if schedule is None:  # deleted behind beat's back: drop the orphan entry
        remove_periodic_task(None, name=periodic_task_name(schedule_id))
        return None
    if not schedule.enabled:
        return None
    due = due_minute(schedule, now)
    if due is None:
        log.info("Schedule %s: no run time due at %s; nothing to do", schedule_id, iso(now))
        return None
    run = claim(schedule, due)
    if run is None:
        log.info("Schedule %s: the run of %s is already claimed", schedule_id, iso(due))
        return None
    execute(run, schedule)
    return run


def run_manual(run_id: int) -> ScheduleRun | None:
    """What the run-now task does: claims the queued row (once), then executes it."""
    claimed = ScheduleRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    run = ScheduleRun.objects.select_related("schedule__host").get(pk=run_id)
    if run.schedule is None:
        _finish(run, "The schedule was deleted before the run started")
        _report(run, None)
        return run
    execute(run, run.schedule)
    return run


def perform(schedule: Schedule) -> str:
    """Carry out the action on the schedule's host; "" on success, else the error text."""
    if schedule.stack_name:
        return _perform_on_stack(schedule)
    host = schedule.host
    try:
        if schedule.action != Action.START:
            refuse_self(host, schedule.container_id)
        _ACTIONS[schedule.action](host, schedule.container_id)
    except DockerNotModified:
        return ""  # already in the state asked for
    except DockerNotFound:
        return f"Container {schedule.container_name} ({schedule.container_id}) not found"
    except (DockerAPIError, SelfActionRefused) as exc:
        return str(exc.detail)
    except Exception:
        log.exception("Schedule %s: %s failed unexpectedly", schedule.pk, schedule.action)
        return "Internal error while running the action"
    return ""


def _perform_on_stack(schedule: Schedule) -> str:
    """Every member in turn, as the stack routes do; the run fails if any member failed."""
    try:
        results = act_on_stack(schedule.host, schedule.stack_name, schedule.action, STOP_SECONDS)
    except StackNotFound:
        return f"Stack {schedule.stack_name} not found"
    except DockerAPIError as exc:
        return str(exc.detail)
    except Exception:
        log.exception(
            "Schedule %s: %s of a stack failed unexpectedly", schedule.pk, schedule.action
        )
        return "Internal error while running the action"
    failed = [result for result in results if result["action"] == "error"]
    if not failed:
        return ""
    first = failed[0]
    return (
        f"{len(failed)} of {len(results)} containers failed ({first['name']}: {first.get('error')})"
    )


def execute(run: ScheduleRun, schedule: Schedule) -> None:
    error = perform(schedule)
    now = timezone.now()
    _finish(run, error, now)
    Schedule.objects.filter(pk=schedule.pk).update(
        last_run=now, next_run=next_run_of(schedule, after=now)
    )
    _report(run, schedule)


def _finish(run: ScheduleRun, error: str, now=None) -> None:
    run.status = RunStatus.FAILED if error else RunStatus.SUCCEEDED
    run.success = not error
    run.error = error
    run.finished_at = now or timezone.now()
    run.save(update_fields=["status", "success", "error", "finished_at"])


def _report(run: ScheduleRun, schedule: Schedule | None) -> None:
    """The audit row, and on failure the `schedule.failed` webhook and a push."""
    target_name = f"stack {run.stack_name}" if run.stack_name else run.container_name
    detail = f"{run.schedule_name}: {run.action} {target_name}"
    if run.error:
        detail += f" [FAILED: {run.error}]"
    record_event(
        action=f"schedule.{run.action}",
        user_id=SCHEDULER_USER,
        org=run.org_id,
        target=run.stack_name or run.container_id,
        detail=detail,
    )
    if run.success:
        return
    payload = {
        "type": "schedule_failed",
        "scheduleId": run.schedule_id,
        "scheduleName": run.schedule_name,
        "runId": run.pk,
        "containerId": run.container_id,
        "containerName": run.container_name,
        "stack": run.stack_name or None,
        "action": run.action,
        "host": run.host_name,
        "triggeredBy": run.triggered_by,
        "error": run.error,
        "timestamp": iso(run.finished_at),
    }
    try:
        from core.webhooks.services import dispatch

        dispatch(run.org_id, "schedule.failed", payload)
    except Exception:
        log.exception("Schedule run %s: could not dispatch schedule.failed", run.pk)
    from core.push.services import notify

    notify(
        run.org_id,
        f"Schedule failed: {run.schedule_name}",
        f"{run.action} {target_name}: {run.error}",
        {"type": "schedule_failed", "scheduleId": run.schedule_id, "runId": run.pk},
        "warn",
    )
