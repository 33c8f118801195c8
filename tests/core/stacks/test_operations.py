"""Operations: one at a time per stack, progress lines readable while compose runs and after,
the task body called directly and through a real Celery worker."""

import re
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from core.accounts.models import Role
from core.stacks import operations, services
from core.stacks.models import OperationKind, OperationStatus, Stack, StackOperation
from tests.core.stacks.conftest import client_for, compose_file, service, wait_for

pytestmark = pytest.mark.docker


def saved(org, host, name, compose) -> Stack:
    return services.save_version(
        org_id=org.id,
        host=host,
        name=name,
        compose_text=compose,
        env=None,
        note="",
        author="tests",
    ).stack


def slow_to_start() -> str:
    """`up` waits a few seconds for `db` to report healthy before it starts `app`."""
    db = service(
        command=[
            "sh",
            "-c",
            "trap 'exit 0' TERM; sleep 3; touch /tmp/ready; while true; do sleep 1; done",
        ],
        healthcheck={
            "test": ["CMD", "sh", "-c", "test -f /tmp/ready"],
            "interval": "1s",
            "timeout": "1s",
            "retries": 30,
        },
    )
    app = service(depends_on={"db": {"condition": "service_healthy"}})
    return compose_file(db=db, app=app)


def test_a_second_operation_on_the_same_stack_is_409(org, host, projects, admin):
    stack = saved(org, host, projects.name(), compose_file(app=service()))
    first = operations.create_operation(stack, OperationKind.DEPLOY, "tests")  # not dispatched

    for path in ("deploy", "pull", "down"):
        response = admin.post(f"/api/stacks/{stack.name}/{path}")
        assert response.status_code == 409
        assert response.json() == {
            "error": "Another operation is already in progress on this stack"
        }
    response = admin.post(f"/api/stacks/{stack.name}/rollback", {"version": 1}, format="json")
    assert response.status_code == 409
    assert stack.versions.count() == 1  # the refused rollback wrote no version
    assert admin.delete(f"/api/stacks/{stack.name}").status_code == 409

    first.status = OperationStatus.SUCCEEDED
    first.save()
    other = operations.create_operation(stack, OperationKind.PULL, "tests")
    assert other.status == OperationStatus.QUEUED


def test_an_abandoned_operation_stops_blocking(org, host, projects):
    stack = saved(org, host, projects.name(), compose_file(app=service()))
    stale = operations.create_operation(stack, OperationKind.DEPLOY, "tests")
    StackOperation.objects.filter(pk=stale.pk).update(
        status=OperationStatus.RUNNING,
        created_at=timezone.now() - operations.ABANDONED_AFTER - timedelta(minutes=1),
    )
    fresh = operations.create_operation(stack, OperationKind.DEPLOY, "tests")
    stale.refresh_from_db()
    assert stale.status == OperationStatus.FAILED
    assert stale.error.startswith("Abandoned")
    assert fresh.status == OperationStatus.QUEUED


def test_the_task_body_runs_a_queued_operation_once(org, host, projects, docker_client):
    stack = saved(org, host, projects.name(), compose_file(app=service()))
    operation = operations.create_operation(
        stack, OperationKind.DEPLOY, "tests", operations.latest_version(stack)
    )

    assert operations.run_operation(operation.id) == OperationStatus.SUCCEEDED
    assert operations.run_operation(operation.id) is None  # already claimed: never twice

    operation.refresh_from_db()
    assert operation.status == OperationStatus.SUCCEEDED
    assert operation.started_at <= operation.finished_at
    numbers = list(operation.lines.values_list("number", flat=True))
    assert numbers == list(range(1, operation.line_count + 1))
    assert docker_client.containers.get(f"{stack.name}-app-1").status == "running"


def test_output_is_capped(org, host, projects, monkeypatch):
    monkeypatch.setattr(operations, "MAX_LINES", 3)
    stack = saved(org, host, projects.name(), compose_file(a=service(), b=service(), c=service()))
    operation = operations.create_operation(
        stack, OperationKind.DEPLOY, "tests", operations.latest_version(stack)
    )
    assert operations.run_operation(operation.id) == OperationStatus.SUCCEEDED
    texts = list(operation.lines.values_list("text", flat=True))
    assert len(texts) == 4
    assert re.fullmatch(r"Cockpit: \d+ more lines were not kept", texts[-1])


def _read_uncommitted():
    """SQLite's shared in-memory test database locks whole tables between connections; a reader
    that does not take read locks lets the worker thread write while the test polls."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA read_uncommitted = 1")


def _in_thread(target, *args):
    from django.db import connection as thread_connection

    def run():
        try:
            target(*args)
        finally:
            thread_connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_progress_lines_are_readable_while_running_and_after(org, host, projects):
    _read_uncommitted()
    client = client_for(org, Role.VIEWER)
    stack = saved(org, host, projects.name(), slow_to_start())
    operation = operations.create_operation(
        stack, OperationKind.DEPLOY, "tests", operations.latest_version(stack)
    )
    url = f"/api/stacks/operations/{operation.id}"

    worker = _in_thread(operations.run_operation, operation.id)
    during = wait_for(
        lambda: (
            (body := client.get(url).json())["lines"]
            and body["operation"]["status"] == "running"
            and body
        ),
        timeout=30,
        interval=0.1,
    )
    seen = during["lastLine"]
    assert seen >= 1
    assert during["operation"]["finishedAt"] is None
    worker.join(timeout=120)

    done = client.get(url).json()
    assert done["operation"]["status"] == "succeeded", done
    assert done["lines"][:seen] == during["lines"]
    rest = client.get(f"{url}?after={seen}").json()
    assert rest["after"] == seen
    assert rest["lines"] == done["lines"][seen:]
    assert rest["lastLine"] == done["operation"]["lineCount"]
    assert any("Healthy" in line for line in rest["lines"])  # printed after the wait
    nothing = client.get(f"{url}?after={rest['lastLine']}").json()
    assert nothing["lines"] == []
    assert nothing["lastLine"] == rest["lastLine"]


@pytest.mark.parametrize("after", ["-1", "x", "1.5"])
def test_after_must_be_a_non_negative_integer(db, org, host, after):
    response = client_for(org, Role.VIEWER).get(f"/api/stacks/operations/1?after={after}")
    assert response.status_code == 400
    assert response.json() == {"error": "after must be a non-negative integer"}


def test_unknown_operation_is_404(db, org, host):
    response = client_for(org, Role.VIEWER).get("/api/stacks/operations/999999")
    assert response.status_code == 404
    assert response.json() == {"error": "Operation not found"}


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_operation(org, host, projects, docker_client):
    from celery.contrib.testing.worker import start_worker

    from cockpit.celery import app
    from core.setup import ensure_runtime_dirs

    _read_uncommitted()
    ensure_runtime_dirs()
    client = client_for(org, Role.OPERATOR)
    stack = saved(org, host, projects.name(), compose_file(app=service()))

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        started = time.monotonic()
        response = client.post(f"/api/stacks/{stack.name}/deploy")
        assert response.status_code == 202
        assert time.monotonic() - started < 5  # answered at once, not after the deployment
        operation_id = response.json()["operation"]["id"]
        body = wait_for(
            lambda: (
                (b := client.get(f"/api/stacks/operations/{operation_id}").json())["operation"][
                    "status"
                ]
                in ("succeeded", "failed")
                and b
            ),
            timeout=90,
            interval=0.3,
        )

    assert body["operation"]["status"] == "succeeded", body
    assert docker_client.containers.get(f"{stack.name}-app-1").status == "running"
    assert Stack.objects.get(pk=stack.pk).current_version.number == 1
