"""A stack operation whose worker died (the end-to-end fault is in
tests/hardening/test_stack_worker_killed.py): its redelivered message waits while the lease
holds, takes the operation over once it has run out and runs compose again; a worker that lost
its lease stops and writes nothing more."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from core import leases
from core.stacks import operations
from core.stacks.models import (
    OperationKind,
    OperationStatus,
    Stack,
    StackOperation,
    StackOperationLine,
)
from tests.core.stacks.conftest import compose_file, service, wait_for
from tests.core.stacks.test_operations import saved, slow_to_start

LEASE = 30


@pytest.fixture(autouse=True)
def short_lease(settings):
    settings.STACK_OPERATION_LEASE_SECONDS = LEASE


def running_operation(stack: Stack, heartbeat_at, lines=("Container made by the dead worker",)):
    """An operation a worker claimed, printed `lines` for, then stopped renewing at
    `heartbeat_at`."""
    operation = operations.create_operation(
        stack, OperationKind.DEPLOY, "tests", operations.latest_version(stack)
    )
    StackOperation.objects.filter(pk=operation.pk).update(
        status=OperationStatus.RUNNING,
        started_at=heartbeat_at,
        heartbeat_at=heartbeat_at,
        line_count=len(lines),
    )
    StackOperationLine.objects.bulk_create(
        StackOperationLine(operation=operation, number=n, text=text)
        for n, text in enumerate(lines, start=1)
    )
    return operation


@pytest.fixture
def plain_stack(org, host) -> Stack:
    """A stack row without files or containers, for the lease rules alone."""
    return Stack.objects.create(org=org, host=host, name="ckt-stk-lease")


@pytest.mark.django_db
def test_a_running_operation_within_its_lease_makes_the_redelivery_wait(plain_stack):
    now = timezone.now()
    operation = running_operation(plain_stack, now - timedelta(seconds=10))
    with pytest.raises(leases.LeaseHeld) as busy:
        operations.run_operation(operation.pk, now=now)
    assert LEASE - 10 <= busy.value.retry_in <= LEASE - 10 + 2
    operation.refresh_from_db()
    assert operation.status == OperationStatus.RUNNING
    assert operation.heartbeat_at == now - timedelta(seconds=10)  # untouched
    assert operation.line_count == 1


@pytest.mark.django_db
def test_of_racing_redeliveries_one_takes_the_operation_over(plain_stack):
    now = timezone.now()
    operation = running_operation(plain_stack, now - timedelta(seconds=LEASE + 1))
    running = StackOperation.objects.filter(pk=operation.pk, status=OperationStatus.RUNNING)
    taken, abandoned = leases.take_over(running, "heartbeat_at", LEASE, now)
    assert abandoned == now - timedelta(seconds=LEASE + 1)
    assert taken.heartbeat_at == now
    with pytest.raises(leases.LeaseHeld):  # the new lease holds against the second one
        leases.take_over(running, "heartbeat_at", LEASE, now)
    # One that read the old lease before the first moved it finds nothing to take.
    stale = running.filter(heartbeat_at=abandoned)
    assert stale.update(heartbeat_at=now + timedelta(seconds=1)) == 0


@pytest.mark.django_db
def test_a_worker_that_lost_its_lease_writes_nothing_more(plain_stack):
    start = timezone.now() - timedelta(seconds=LEASE)
    operation = running_operation(plain_stack, start)
    running = StackOperation.objects.filter(pk=operation.pk, status=OperationStatus.RUNNING)
    mine = leases.Lease(running, "heartbeat_at", start, renew_every=LEASE / 3)
    output = operations._Output(StackOperation.objects.get(pk=operation.pk), mine)
    output.append(["still mine"])
    mine.renew_if_due()  # overdue: moved on
    assert StackOperation.objects.get(pk=operation.pk).heartbeat_at == mine.stamp > start

    running.update(heartbeat_at=timezone.now() + timedelta(seconds=5))  # taken over
    with pytest.raises(leases.LeaseLost):
        output.append(["not mine any more"])
    mine.stamp -= timedelta(seconds=LEASE)  # due again
    with pytest.raises(leases.LeaseLost):
        mine.renew_if_due()
    texts = list(
        StackOperationLine.objects.filter(operation=operation).values_list("text", flat=True)
    )
    assert texts == ["Container made by the dead worker", "still mine"]
    assert StackOperation.objects.get(pk=operation.pk).line_count == 2


@pytest.mark.django_db
def test_a_silent_running_operation_is_released_by_its_heartbeat_not_its_age(plain_stack):
    old = timezone.now() - operations.ABANDONED_AFTER - timedelta(minutes=1)
    operation = running_operation(plain_stack, timezone.now())
    StackOperation.objects.filter(pk=operation.pk).update(created_at=old)  # a long command
    operations._release_abandoned(plain_stack)
    assert StackOperation.objects.get(pk=operation.pk).status == OperationStatus.RUNNING

    StackOperation.objects.filter(pk=operation.pk).update(heartbeat_at=old)
    operations._release_abandoned(plain_stack)
    released = StackOperation.objects.get(pk=operation.pk)
    assert released.status == OperationStatus.FAILED
    assert released.error.startswith("Abandoned")


@pytest.mark.docker
@pytest.mark.django_db
def test_a_redelivery_after_the_lease_takes_over_and_deploys_once(
    org, host, projects, docker_client
):
    stack = saved(org, host, projects.name(), compose_file(app=service(), web=service()))
    now = timezone.now()
    operation = running_operation(stack, now - timedelta(seconds=LEASE + 5))

    assert operations.run_operation(operation.pk, now=now) == OperationStatus.SUCCEEDED
    assert operations.run_operation(operation.pk) is None  # finished: never a third time

    operation.refresh_from_db()
    assert operation.status == OperationStatus.SUCCEEDED
    texts = list(operation.lines.values_list("text", flat=True))
    assert texts[:2] == ["Container made by the dead worker", operations.TAKEOVER_LINE]
    assert list(operation.lines.values_list("number", flat=True)) == list(
        range(1, operation.line_count + 1)
    )
    found = docker_client.containers.list(
        all=True, filters={"label": f"com.docker.compose.project={stack.name}"}
    )
    assert sorted(c.name for c in found) == [f"{stack.name}-app-1", f"{stack.name}-web-1"]
    assert Stack.objects.get(pk=stack.pk).current_version.number == 1


@pytest.mark.docker
@pytest.mark.django_db(transaction=True)
def test_a_stalled_worker_whose_operation_was_taken_over_stops(
    org, host, projects, settings, docker_client
):
    """The worker renews every third of the lease while compose runs; finding another
    execution's lease in the row, it stops compose and leaves the row to that execution."""
    if connection.vendor == "sqlite":  # see test_operations._read_uncommitted
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA read_uncommitted = 1")
    settings.STACK_OPERATION_LEASE_SECONDS = 3
    stack = saved(org, host, projects.name(), slow_to_start())
    operation = operations.create_operation(
        stack, OperationKind.DEPLOY, "tests", operations.latest_version(stack)
    )
    outcome = {}

    def work():
        from django.db import connection as thread_connection

        try:
            outcome["status"] = operations.run_operation(operation.pk)
        finally:
            thread_connection.close()

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    wait_for(lambda: StackOperation.objects.get(pk=operation.pk).line_count > 0, timeout=30)
    successor = timezone.now() + timedelta(seconds=60)
    StackOperation.objects.filter(pk=operation.pk).update(heartbeat_at=successor)
    started = time.monotonic()
    worker.join(timeout=30)

    assert not worker.is_alive()
    assert time.monotonic() - started < 10  # at its next renewal, not at compose's end
    assert outcome["status"] is None
    left = StackOperation.objects.get(pk=operation.pk)
    assert left.status == OperationStatus.RUNNING  # the successor's to finish
    assert left.heartbeat_at == successor
    assert left.finished_at is None
