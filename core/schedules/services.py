"""Writing schedules. Each write keeps the schedule's beat entry in step (core.schedules.beat)
inside the same transaction, so beat never sees one without the other."""

import logging
from functools import partial

from django.db import transaction
from django.utils import timezone

from core.accounts.models import Organization
from core.editions.gates import enforce_limit
from core.hosts.models import DockerHost
from core.schedules import inputs
from core.schedules.beat import sync_periodic_task
from core.schedules.errors import BrokerUnavailable, ScheduleInvalid
from core.schedules.models import RunStatus, Schedule, ScheduleRun, Trigger
from core.schedules.selectors import get_schedule, schedules_of
from core.schedules.timing import next_run_of

log = logging.getLogger(__name__)
HARD_CAP = 50  # regardless of edition (spec §11.2)


@transaction.atomic
def create_schedule(org_id: int, host: DockerHost, body: dict, created_by: str = "") -> Schedule:
    """Checks in the original's order: edition limit (402), required fields, action,
    container id, the hard cap of 50, then the cron expression (field count, then values)."""
    Organization.objects.select_for_update().filter(pk=org_id).first()  # serialise creates
    count = schedules_of(org_id).count()
    enforce_limit(org_id, "schedules", count)
    inputs.require_fields(body)
    action = inputs.parse_action(body)
    if inputs.targets_stack(body):
        stack_name, container_id, container_name = inputs.parse_stack(body), "", ""
    else:
        stack_name = ""
        container_id = inputs.parse_container_id(body)
        container_name = inputs.parse_container_name(body)
    if count >= HARD_CAP:
        raise ScheduleInvalid(f"Maximum {HARD_CAP} schedules allowed")
    expression = inputs.parse_cron(body)
    schedule = Schedule(
        org_id=org_id,
        host=host,
        name=inputs.parse_name(body),
        container_id=container_id,
        container_name=container_name,
        stack_name=stack_name,
        action=action,
        cron_expression=expression,
        timezone=inputs.parse_timezone(body),
        enabled=inputs.parse_enabled(body) if "enabled" in body else True,
        created_by=created_by[:256],
    )
    schedule.next_run = next_run_of(schedule)
    schedule.save()
    sync_periodic_task(schedule)
    return schedule


_SETTERS = {
    "name": ("name", inputs.parse_name),
    "containerId": ("container_id", inputs.parse_container_id),
    "containerName": ("container_name", inputs.parse_container_name),
    "stack": ("stack_name", inputs.parse_stack),
    "action": ("action", inputs.parse_action),
    "cronExpression": ("cron_expression", inputs.parse_cron),
    "timezone": ("timezone", inputs.parse_timezone),
    "enabled": ("enabled", inputs.parse_enabled),
}


@transaction.atomic
def update_schedule(
    org_id: int, schedule_id: int, body: dict, host: DockerHost | None = None
) -> tuple[Schedule, list[str]]:
    """(schedule, names of the changed fields). Only the fields present change; `host` is
    the DockerHost the body named, if any."""
    inputs.refuse_unknown_fields(body)
    schedule = get_schedule(org_id, schedule_id, for_update=True)
    changed = []
    for key, (attribute, parse) in _SETTERS.items():
        if key in body:
            value = parse(body)
            if getattr(schedule, attribute) != value:
                setattr(schedule, attribute, value)
                changed.append(key)
    if host is not None and host.pk != schedule.host_id:
        schedule.host = host
        changed.append("host")
    if changed:
        schedule.updated_at = timezone.now()
        schedule.next_run = next_run_of(schedule)
        schedule.save()
        sync_periodic_task(schedule)
    return schedule, changed


@transaction.atomic
def set_enabled(org_id: int, schedule_id: int, enabled: bool) -> Schedule:
    """Re-enabling recomputes next_run; disabling clears it."""
    schedule = get_schedule(org_id, schedule_id, for_update=True)
    schedule.enabled = enabled
    schedule.updated_at = timezone.now()
    schedule.next_run = next_run_of(schedule)
    schedule.save(update_fields=["enabled", "updated_at", "next_run"])
    sync_periodic_task(schedule)
    return schedule


@transaction.atomic
def delete_schedule(org_id: int, schedule_id: int) -> Schedule:
    """Deletes the schedule and (via its post_delete hook) its beat entry; history stays."""
    schedule = get_schedule(org_id, schedule_id, for_update=True)
    schedule.delete()
    return schedule


def _enqueue_manual_run(run_id: int) -> None:
    """Runs on commit; a broker that does not take the task fails the request with a 503 and
    the run row says so, instead of a 202 for a run no worker will ever see."""
    from core.schedules.tasks import run_now

    try:
        run_now.delay(run_id)
    except Exception as exc:  # kombu raises transport-specific errors
        log.warning("could not queue schedule run %s: %s", run_id, exc.__class__.__name__)
        ScheduleRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
            status=RunStatus.FAILED,
            error=BrokerUnavailable.default_detail,
            finished_at=timezone.now(),
        )
        raise BrokerUnavailable() from exc


@transaction.atomic
def request_run(org_id: int, schedule_id: int, requested_by: str = "") -> ScheduleRun:
    """Queue a run now (also of a disabled schedule): the run row is written at once and a
    worker executes it once the transaction commits."""
    schedule = get_schedule(org_id, schedule_id)
    run = ScheduleRun.objects.create(
        org_id=org_id,
        schedule=schedule,
        schedule_name=schedule.name,
        host_name=schedule.host.name,
        container_id=schedule.container_id,
        container_name=schedule.container_name,
        stack_name=schedule.stack_name,
        action=schedule.action,
        triggered_by=Trigger.MANUAL,
        requested_by=requested_by[:256],
        status=RunStatus.QUEUED,
    )
    transaction.on_commit(partial(_enqueue_manual_run, run.pk))
    return run
