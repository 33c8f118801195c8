"""Long compose commands (up, pull, down) as operations a worker runs and clients follow.

A request writes a queued StackOperation and sends its id to Celery; the worker claims it with
a conditional UPDATE (so a redelivered message never runs it twice), writes the version's files,
runs compose and appends its output as it is printed. At most one queued or running operation
exists per stack (a partial unique constraint), so a second request is refused with 409.
"""

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import APIException

from core.docker import compose
from core.stacks import workspace
from core.stacks.errors import BrokerUnavailable, OperationInProgress
from core.stacks.models import (
    ACTIVE_STATUSES,
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
# A queued operation no worker picked up, or a running one whose worker died, stops blocking
# its stack after this long (its compose command would have been killed by then anyway).
ABANDONED_AFTER = timedelta(seconds=max(TIMEOUTS.values()) + 5 * 60)
MAX_LINES = 5000
MAX_LINE_CHARS = 2000


def _release_abandoned(stack: Stack) -> None:
    cutoff = timezone.now() - ABANDONED_AFTER
    StackOperation.objects.filter(
        stack=stack, status__in=ACTIVE_STATUSES, created_at__lt=cutoff
    ).update(
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
    workspace.docker_host_address(stack.host)  # refuse hosts compose cannot reach, up front
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
        _finish(operation.id, OperationStatus.FAILED, error=BrokerUnavailable.default_detail)
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
    """Appends an operation's output lines, numbered from 1, keeping at most MAX_LINES."""

    def __init__(self, operation: StackOperation):
        self.operation_id = operation.id
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
        with transaction.atomic():
            StackOperationLine.objects.bulk_create(rows)
            self.count += len(rows)
            StackOperation.objects.filter(pk=self.operation_id).update(line_count=self.count)


def _finish(operation_id: int, status: str, exit_code: int | None = None, error: str = "") -> None:
    StackOperation.objects.filter(pk=operation_id).update(
        status=status, exit_code=exit_code, error=error[:2000], finished_at=timezone.now()
    )


def _project_for(operation: StackOperation, stack: Stack):
    """The compose project an operation acts on, its files written from the database."""
    version = operation.version
    if version is None and operation.kind in (OperationKind.DOWN, OperationKind.DELETE):
        version = stack.current_version or latest_version(stack)
    if version is None:
        return workspace.labelled_project(operation.host, stack.name)
    return workspace.deployment_project(
        operation.host, stack.org_id, stack.name, version.compose, version.env or None
    )


def _command(operation: StackOperation) -> list[str]:
    if operation.kind in (OperationKind.DEPLOY, OperationKind.ROLLBACK):
        return ["up", "-d", "--remove-orphans"]
    if operation.kind == OperationKind.PULL:
        return ["pull"]
    command = ["down", "--remove-orphans"]
    if operation.options.get("volumes"):
        command.append("--volumes")
    return command


def _on_success(operation: StackOperation, stack: Stack) -> None:
    now = timezone.now()
    if operation.kind in (OperationKind.DEPLOY, OperationKind.ROLLBACK):
        Stack.objects.filter(pk=stack.pk).update(current_version=operation.version, updated_at=now)
    elif operation.kind == OperationKind.DOWN:
        Stack.objects.filter(pk=stack.pk).update(current_version=None, updated_at=now)
    elif operation.kind == OperationKind.DELETE:
        workspace.forget_project(stack.org_id, stack.host_id, stack.name)
        stack.delete()


def run_operation(operation_id: int) -> str | None:
    """The task body: run one queued operation to its end. Returns its final status, or None
    when it was not queued (already claimed by another worker, or released)."""
    claimed = StackOperation.objects.filter(pk=operation_id, status=OperationStatus.QUEUED).update(
        status=OperationStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    operation = StackOperation.objects.select_related("host", "version", "stack").get(
        pk=operation_id
    )
    stack = operation.stack
    output = _Output(operation)
    try:
        if stack is None:
            raise APIException("The stack was deleted before the operation ran")
        project = _project_for(operation, stack)
        code = compose.stream(
            project, _command(operation), output.append, timeout=TIMEOUTS[operation.kind]
        )
        output.close()
        if code != 0:
            _finish(operation_id, OperationStatus.FAILED, code, output.last or "compose failed")
            return OperationStatus.FAILED
        with transaction.atomic():
            _finish(operation_id, OperationStatus.SUCCEEDED, code)
            _on_success(operation, stack)
        return OperationStatus.SUCCEEDED
    except APIException as exc:  # compose missing, bad host, engine down: said plainly
        _finish(operation_id, OperationStatus.FAILED, error=str(exc.detail))
    except Exception:
        log.exception("stack operation %s failed", operation_id)
        _finish(operation_id, OperationStatus.FAILED, error="The operation failed unexpectedly")
    return OperationStatus.FAILED
