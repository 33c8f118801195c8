"""Running schedules: the beat-fired cron runs and the queued manual ones.

Exactly once per due minute. Beat's message names only the schedule; the run it stands for is
the LATEST run time of the expression at or before now (in the schedule's timezone), at most
SCHEDULE_MISFIRE_GRACE_SECONDS old. A run is claimed by inserting its ScheduleRun row, whose
(schedule, scheduled_for) pair is unique in the database: of any number of workers, retries
or redelivered messages racing for the same minute exactly one insert succeeds, and only that
one touches the container. A message that arrives after a later run time has passed runs
that later one (a backlog collapses instead of replaying).

A worker that dies mid-run leaves a `running` row behind; its message (`acks_late`) is
delivered again. The row's `started_at` is a lease of SCHEDULE_RUN_LEASE_SECONDS (longer than
any action may take): while it holds, the redelivery waits (RunInProgress, the task retries);
once it has run out, the redelivery takes the run over with a conditional UPDATE and finishes
it, doing the action only if the dead worker had not done it (`resume`): start and stop are
idempotent (a 304 counts as done), a restart counts as done when the container started after
the dead execution began. So the action happens once, not zero times and not twice.

Beat drops a message it cannot publish (the broker was down at the due minute); the
`catch_up` tick re-sends the runs of schedules whose `next_run` has passed without a run, and
the unique row keeps a late duplicate harmless.
"""

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import leases
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

INTERRUPTED_STACK_RESTART = (
    "Interrupted: the worker running this stack restart stopped; it was not repeated"
)
SCHEDULER_USER = "scheduler"
STOP_SECONDS = containers.DEFAULT_STOP_SECONDS
_ACTIONS = {Action.START: containers.start, Action.STOP: containers.stop,
            Action.RESTART: containers.restart}  # fmt: skip


RunInProgress = leases.LeaseHeld  # what the tasks retry on


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


def take_over(run_id: int, now) -> tuple[ScheduleRun, object] | None:
    """Claim a `running` run whose lease ran out (its worker died) for this execution by moving
    the lease forward. Returns (run, when the abandoned execution started), or None when the
    run is finished (or another execution took it over first); raises RunInProgress while the
    lease holds."""
    running = ScheduleRun.objects.filter(pk=run_id, status=RunStatus.RUNNING)
    taken = leases.take_over(running, "started_at", settings.SCHEDULE_RUN_LEASE_SECONDS, now)
    if taken is not None:
        log.warning("Schedule run %s: taking over from a worker that stopped mid-run", run_id)
    return taken


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
        _advance_next_run(schedule, now)
        return None
    run, abandoned_at = claim(schedule, due), None
    if run is None:
        existing = ScheduleRun.objects.filter(schedule=schedule, scheduled_for=due).first()
        taken = take_over(existing.pk, now) if existing else None
        if taken is None:
            log.info("Schedule %s: the run of %s is already claimed", schedule_id, iso(due))
            _advance_next_run(schedule, now)
            return None
        run, abandoned_at = taken
    execute(run, schedule, abandoned_at)
    return run


def run_manual(run_id: int, now=None) -> ScheduleRun | None:
    """What the run-now task does: claims the queued row (once), or takes over the run of a
    worker that died, then executes it."""
    now = now or timezone.now()
    claimed = ScheduleRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=now
    )
    abandoned_at = None
    if not claimed:
        taken = take_over(run_id, now)
        if taken is None:
            return None
        abandoned_at = taken[1]
    run = ScheduleRun.objects.select_related("schedule__host").get(pk=run_id)
    if run.schedule is None:
        _finish(run, "The schedule was deleted before the run started")
        _report(run, None)
        return run
    execute(run, run.schedule, abandoned_at)
    return run


def overdue_schedule_ids(now=None) -> list[int]:
    """Enabled schedules whose next run time passed SCHEDULE_CATCH_UP_SECONDS ago or more and
    was not run (no execution moved `next_run` on): beat could not send it."""
    now = now or timezone.now()
    late = now - timedelta(seconds=settings.SCHEDULE_CATCH_UP_SECONDS)
    overdue = Schedule.objects.filter(enabled=True, next_run__lte=late)
    return list(overdue.values_list("pk", flat=True))


def _advance_next_run(schedule: Schedule, now) -> None:
    if schedule.next_run is not None and schedule.next_run <= now:
        Schedule.objects.filter(pk=schedule.pk, next_run=schedule.next_run).update(
            next_run=next_run_of(schedule, after=now)
        )


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


def resume(schedule: Schedule, abandoned_at) -> str:
    """Finish the action of a run whose worker died after `abandoned_at`, without doing it a
    second time: start and stop are idempotent; a restart is done already when the container
    started after the dead execution began (engine and control-plane clocks agree to well
    under a lease)."""
    if schedule.action != Action.RESTART:
        return perform(schedule)
    if schedule.stack_name:
        return INTERRUPTED_STACK_RESTART
    try:
        state = containers.inspect(schedule.host, schedule.container_id).get("State") or {}
    except DockerNotFound:
        return f"Container {schedule.container_name} ({schedule.container_id}) not found"
    except DockerAPIError as exc:
        return str(exc.detail)
    started = _engine_time(state.get("StartedAt"))
    if state.get("Running") and started is not None and started >= abandoned_at:
        log.info("Schedule %s: the interrupted restart had happened", schedule.pk)
        return ""
    return perform(schedule)


def _engine_time(text: str | None):
    """Docker's RFC 3339 time with nanoseconds, as an aware datetime (None if unreadable)."""
    if not text:
        return None
    head, dot, tail = text.rstrip("Z").partition(".")
    try:
        moment = datetime.fromisoformat(head).replace(tzinfo=UTC)
    except ValueError:
        return None
    fraction = "".join(ch for ch in tail if ch.isdigit())[:6]
    return moment.replace(microsecond=int(fraction.ljust(6, "0"))) if dot and fraction else moment


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


def execute(run: ScheduleRun, schedule: Schedule, abandoned_at=None) -> None:
    """Do the action (or, taking over from a dead worker, finish it) and record the outcome."""
    error = perform(schedule) if abandoned_at is None else resume(schedule, abandoned_at)
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
