"""Long compose commands (up, pull, down) as operations a worker runs and clients follow.

A request writes a queued StackOperation and sends its id to Celery; the worker claims it with
a conditional UPDATE (so a redelivered message never runs it twice) and runs the host call
`stacks.compose` (core.stacks.runner): in the worker for a local or tcp host, on the host's
agent for an agent host. The runner writes the version's files and runs compose; the worker
appends its output as it is printed. At most one queued or running operation exists per stack
(a partial unique constraint), so a second request is refused with 409.

A worker that dies mid-command leaves a `running` operation behind; its message (`acks_late`)
is delivered again. The running worker holds a lease on the row (`heartbeat_at`, core.leases)
that it renews while compose runs, however long that is: while the lease holds, the
redelivery waits (LeaseHeld, the task retries); once the lease is older than
STACK_OPERATION_LEASE_SECONDS the redelivery takes the operation over and runs its compose
command again. Every write of the running worker is conditional on its own lease, so a worker
that was only stalled stops at its next write instead of running next to its successor.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from rest_framework.exceptions import APIException

from core import leases
from core.docker.host_calls import stream_on_host
from core.stacks import workspace
from core.stacks.errors import BrokerUnavailable, OperationInProgress
from core.stacks.models import (
    OperationKind,
    OperationStatus,
    Stack,
    StackOperation,
    StackOperationLine,
    StackVersion,
)

log = logging.getLogger(__name__)

TIMEOUTS = {  # seconds a compose command may run before it is killed
    OperationKind.DEPLOY: 30 * 60,
    OperationKind.ROLLBACK: 30 * 60,
    OperationKind.PULL: 30 * 60,
    OperationKind.DOWN: 10 * 60,
    OperationKind.DELETE: 10 * 60,
}
# A queued operation no worker picked up, or a running one whose worker died and that no
# redelivery took over (a broker that does not redeliver: the embedded one), stops blocking its
# stack after this long (its compose command would have been killed by then anyway).
ABANDONED_AFTER = timedelta(seconds=max(TIMEOUTS.values()) + 5 * 60)
MAX_LINES = 5000
MAX_LINE_CHARS = 2000
COMPOSE_CALL = "stacks.compose"
ACTIONS = {  # the runner's compose action of each kind of operation
    OperationKind.DEPLOY: "up",
    OperationKind.ROLLBACK: "up",
    OperationKind.PULL: "pull",
    OperationKind.DOWN: "down",
    OperationKind.DELETE: "down",
}
TAKEOVER_LINE = "Cockpit: the worker running this operation stopped; running it again"


def _release_abandoned(stack: Stack) -> None:
    cutoff = timezone.now() - ABANDONED_AFTER
    never_picked_up = Q(status=OperationStatus.QUEUED, created_at__lt=cutoff)
    # A running one counts from its worker's last heartbeat: a long command is never released
    # while its worker still follows it.
    silent = Q(status=OperationStatus.RUNNING) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    )
    StackOperation.objects.filter(stack=stack).filter(never_picked_up | silent).update(
        status=OperationStatus.FAILED,
        error="Abandoned: no worker finished it in time",
        finished_at=timezone.now(),
    )


def create_operation(
    stack: Stack,
    kind: str,
    requested_by: str,
    version: StackVersion | None = None,
    options: dict | None = None,
) -> StackOperation:
    """A queued operation, or OperationInProgress (409) when the stack already has one."""
    workspace.refuse_unreachable(stack.host)  # up front, not in the worker
    _release_abandoned(stack)
    try:
        with transaction.atomic():
            return StackOperation.objects.create(
                org_id=stack.org_id,
                host_id=stack.host_id,
                stack=stack,
                stack_name=stack.name,
                kind=kind,
                version=version,
                options=options or {},
                requested_by=requested_by,
            )
    except IntegrityError:
        raise OperationInProgress() from None


def dispatch(operation: StackOperation) -> None:
    """Hand a committed operation to a worker."""
    from core.stacks.tasks import run_stack_operation  # the task module imports this one

    try:
        run_stack_operation.delay(operation.id)
    except Exception as exc:  # kombu raises transport-specific errors
        log.warning("could not queue stack operation %s: %s", operation.id, exc.__class__.__name__)
        queued = StackOperation.objects.filter(pk=operation.id)
        _finish(queued, OperationStatus.FAILED, error=BrokerUnavailable.default_detail)
        raise BrokerUnavailable() from exc


def latest_version(stack: Stack) -> StackVersion | None:
    return stack.versions.order_by("-number").first()


def request_operation(
    stack: Stack, kind: str, requested_by: str, options: dict | None = None
) -> StackOperation:
    """Queue deploy (latest version), pull (latest version's images), down or delete."""
    version = None
    if kind in (OperationKind.DEPLOY, OperationKind.PULL):
        version = latest_version(stack)
    operation = create_operation(stack, kind, requested_by, version, options)
    dispatch(operation)
    return operation


def request_rollback(stack: Stack, number: int, requested_by: str) -> StackOperation:
    """Write a new version equal to version `number` and queue its deployment. The new version
    and the operation are written together: refused (409) means neither exists."""
    from core.stacks.selectors import get_version
    from core.stacks.services import add_version

    target = get_version(stack, number)
    with transaction.atomic():
        operation = create_operation(stack, OperationKind.ROLLBACK, requested_by)
        version = add_version(
            stack, target.compose, target.env, f"Rollback to version {number}", requested_by
        )
        operation.version = version
        operation.save(update_fields=["version"])
    dispatch(operation)
    return operation


# --- The worker side ---------------------------------------------------------------------------


class _Output:
    """Appends an operation's output lines, numbered from 1, keeping at most MAX_LINES, while
    this execution holds the operation's lease (else LeaseLost, nothing written)."""

    def __init__(self, operation: StackOperation, lease: leases.Lease):
        self.operation_id = operation.id
        self.lease = lease
        self.count = operation.line_count
        self.dropped = 0
        self.last = ""

    def append(self, lines: list[str]) -> None:
        kept = []
        for line in lines:
            if line.strip():
                self.last = line.strip()
            if self.count + len(kept) < MAX_LINES:
                kept.append(line[:MAX_LINE_CHARS])
            else:
                self.dropped += 1
        self._write(kept)

    def close(self) -> None:
        if self.dropped:
            self._write([f"Cockpit: {self.dropped} more lines were not kept"])
            self.dropped = 0

    def _write(self, texts: list[str]) -> None:
        if not texts:
            return
        rows = [
            StackOperationLine(operation_id=self.operation_id, number=self.count + i, text=text)
            for i, text in enumerate(texts, start=1)
        ]
        with transaction.atomic():  # the fenced UPDATE first: it also orders racing writers
            if not self.lease.mine().update(line_count=self.count + len(rows)):
                raise leases.LeaseLost()
            StackOperationLine.objects.bulk_create(rows)
        self.count += len(rows)


def _finish(rows: QuerySet, status: str, exit_code: int | None = None, error: str = "") -> bool:
    """Record the end of the operation in `rows`; False when there was no row to update."""
    return bool(
        rows.update(
            status=status, exit_code=exit_code, error=error[:2000], finished_at=timezone.now()
        )
    )


def _compose_call(operation: StackOperation, stack: Stack) -> dict:
    """The arguments of `stacks.compose` for an operation (JSON: they may travel to an agent).
    Down and delete act on the last deployed files, so services named only there go too."""
    version = operation.version
    if version is None and operation.kind in (OperationKind.DOWN, OperationKind.DELETE):
        version = stack.current_version or latest_version(stack)
    return {
        "org_id": stack.org_id,
        "name": stack.name,
        "action": ACTIONS[operation.kind],
        "timeout": TIMEOUTS[operation.kind],
        "compose_text": version.compose if version is not None else None,
        "env": (version.env or None) if version is not None else None,
        "volumes": bool(operation.options.get("volumes")),
        "forget": operation.kind == OperationKind.DELETE,  # the runner removes the files
    }


def _run_compose(
    operation: StackOperation, stack: Stack, output: _Output, lease: leases.Lease
) -> int | None:
    """Run the operation's compose command where its host's engine is, appending its output
    as it arrives and renewing the lease (the runner sends a tick at least every second or so
    while compose is quiet); its exit code (None when the runner never reported one)."""
    code = None
    items = None
    try:
        items = stream_on_host(operation.host, COMPOSE_CALL, **_compose_call(operation, stack))
        for item in items:
            lease.renew_if_due()
            if item is None:  # a tick: nothing new yet
                continue
            if "lines" in item:
                output.append([str(line) for line in item["lines"]])
            elif "exitCode" in item:
                code = int(item["exitCode"])
    finally:
        if items is not None:
            items.close()  # leaving early (lease lost, an error): compose is stopped
        output.close()
    return code


def _on_success(operation: StackOperation, stack: Stack) -> None:
    now = timezone.now()
    if operation.kind in (OperationKind.DEPLOY, OperationKind.ROLLBACK):
        Stack.objects.filter(pk=stack.pk).update(current_version=operation.version, updated_at=now)
    elif operation.kind == OperationKind.DOWN:
        Stack.objects.filter(pk=stack.pk).update(current_version=None, updated_at=now)
    elif operation.kind == OperationKind.DELETE:
        stack.delete()


def _claim(operation_id: int, now) -> tuple[leases.Lease, bool] | None:
    """This execution's lease on the operation and whether it took the operation over from a
    worker that died; None when the operation is not this execution's to run (finished,
    released, or another execution got it first). Raises LeaseHeld while a live worker runs it."""
    seconds = settings.STACK_OPERATION_LEASE_SECONDS
    running = StackOperation.objects.filter(pk=operation_id, status=OperationStatus.RUNNING)
    claimed = StackOperation.objects.filter(pk=operation_id, status=OperationStatus.QUEUED).update(
        status=OperationStatus.RUNNING, started_at=now, heartbeat_at=now
    )
    if not claimed and leases.take_over(running, "heartbeat_at", seconds, now) is None:
        return None
    return leases.Lease(running, "heartbeat_at", now, renew_every=seconds / 3), not claimed


def run_operation(operation_id: int, now=None) -> str | None:
    """The task body: run one operation to its end, or finish the one a dead worker left
    running. Returns its final status, or None when it was not this execution's to run (see
    `_claim`) or another execution took it over meanwhile. Raises LeaseHeld (retry later)
    while a live worker runs it."""
    held = _claim(operation_id, now or timezone.now())
    if held is None:
        return None
    lease, taken_over = held
    operation = StackOperation.objects.select_related("host", "version", "stack").get(
        pk=operation_id
    )
    stack = operation.stack
    output = _Output(operation, lease)
    try:
        if taken_over:
            # Running the command again is safe: up -d, pull and down converge on the state the
            # files describe, whatever part of it the dead worker's compose got done.
            log.warning("Stack operation %s: taking over from a worker that stopped", operation_id)
            output.append([TAKEOVER_LINE])
        if stack is None:
            raise APIException("The stack was deleted before the operation ran")
        code = _run_compose(operation, stack, output, lease)
        if code is None:
            raise APIException("The compose runner ended without an exit code")
        if code != 0:
            _finish(lease.mine(), OperationStatus.FAILED, code, output.last or "compose failed")
            return OperationStatus.FAILED
        with transaction.atomic():
            if not _finish(lease.mine(), OperationStatus.SUCCEEDED, code):
                raise leases.LeaseLost()
            _on_success(operation, stack)
        return OperationStatus.SUCCEEDED
    except leases.LeaseLost:
        log.warning("Stack operation %s: another worker took it over; stopped", operation_id)
        return None
    except APIException as exc:  # compose missing, bad host, engine down: said plainly
        _finish(lease.mine(), OperationStatus.FAILED, error=str(exc.detail))
    except Exception:
        log.exception("stack operation %s failed", operation_id)
        _finish(lease.mine(), OperationStatus.FAILED, error="The operation failed unexpectedly")
    return OperationStatus.FAILED
