"""Faults, each a test (issue 8): the Docker engine stops mid-request and comes back, the task
broker is down, the database is locked. Redis going away, a worker killed mid-task and a due
minute falling into a broker outage, on real web/worker/beat processes: test_outages.py.

Answers during a fault are JSON errors with a 5xx that says which part failed (503), never a
500 with a stack trace; after the fault the same requests work again."""

import shutil
import threading
import time

import docker
import pytest
from django.db import connection

from cockpit.celery import app as celery_app
from fixtures.test_image import IMAGE, ensure_test_image
from tests.conftest import REQUIRE_SERVICES
from tests.hardening.engines import RestartableEngine
from tools.testenv import free_port, is_root


@pytest.fixture
def admin(auth_client):
    client = auth_client("admin")
    client.raise_request_exception = False
    return client


def assert_json_error(response, status: int) -> str:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    return response.json()["error"]


# --- The Docker engine stops mid-request and comes back -----------------------------------------


@pytest.fixture
def restartable_engine():
    if not (is_root() and shutil.which("dockerd")):
        reason = "needs a private dockerd (root and dockerd installed)"
        if REQUIRE_SERVICES:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    engine = RestartableEngine().start()
    yield engine
    engine.close()


@pytest.mark.docker
@pytest.mark.django_db(transaction=True)
def test_engine_stops_mid_request_and_comes_back(org, admin, restartable_engine):
    from core.hosts.models import DockerHost

    engine = restartable_engine
    client = docker.DockerClient(base_url=engine.url, version="auto", timeout=30)
    ensure_test_image(client)
    # `sleep` as PID 1 ignores SIGTERM: a stop waits its whole grace period.
    client.containers.run(IMAGE, ["sleep", "3600"], name="ckfault-sleeper", detach=True)
    client.close()
    DockerHost.objects.filter(org=org).update(is_default=False)
    DockerHost.objects.create(
        org=org, name="faulty", slug="faulty", base_url=engine.url, is_default=True
    )
    assert admin.get("/api/containers/ckfault-sleeper").status_code == 200

    answers = {}

    def stop_slowly():
        answers["stop"] = admin.post("/api/containers/ckfault-sleeper/stop?t=30")
        connection.close()

    request = threading.Thread(target=stop_slowly)
    request.start()
    time.sleep(1.5)  # the stop is waiting on the engine
    engine.stop()
    request.join(60)
    assert not request.is_alive()
    stopped = answers["stop"]
    assert stopped.status_code in (200, 502, 503), stopped.content  # never a 500
    assert stopped["Content-Type"].startswith("application/json")

    down = admin.get("/api/containers/ckfault-sleeper")
    assert "Docker engine unavailable" in assert_json_error(down, 503)
    assert admin.get("/api/webhooks").status_code == 200  # what needs no engine still answers

    engine.start()
    back = admin.get("/api/containers/ckfault-sleeper")
    assert back.status_code == 200, back.content
    assert admin.post("/api/containers/ckfault-sleeper/start").status_code in (200, 304)


# --- The broker is down ---------------------------------------------------------------------------


@pytest.fixture
def dead_broker():
    """The Celery app publishing to a Redis nothing listens on, then back to the real broker."""
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    forget_connections()
    yield
    celery_app.conf.broker_url = previous
    forget_connections()


def forget_connections() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def make_schedule(admin) -> int:
    body = {
        "name": "nightly", "containerId": "web-1", "containerName": "web", "action": "stop",
        "cronExpression": "0 3 * * *",
    }  # fmt: skip
    response = admin.post("/api/schedules", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


@pytest.mark.django_db(transaction=True)
def test_run_now_with_the_broker_down_fails_fast_with_503(admin, dead_broker):
    """Found here: the run was queued `robust`ly on commit, so a dead broker answered 202 for a
    run no worker would ever see."""
    from core.schedules.models import ScheduleRun

    schedule_id = make_schedule(admin)
    started = time.monotonic()
    response = admin.post(f"/api/schedules/{schedule_id}/run")
    assert time.monotonic() - started < 10
    assert "broker unavailable" in assert_json_error(response, 503)
    run = ScheduleRun.objects.get(schedule_id=schedule_id)
    assert run.status == "failed"
    assert "broker unavailable" in run.error
    assert admin.get("/api/schedules").status_code == 200  # reads still answer


@pytest.mark.django_db(transaction=True)
def test_run_now_queues_again_once_the_broker_is_back(admin, settings):
    import os

    os.makedirs(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"], exist_ok=True)
    schedule_id = make_schedule(admin)
    response = admin.post(f"/api/schedules/{schedule_id}/run")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued"


# --- The database is slow or locked ------------------------------------------------------------


@pytest.mark.sqlite_only  # PostgreSQL has no such lock for these writes; its statement
@pytest.mark.django_db(transaction=True)  # timeouts surface as the same OperationalError
def test_a_locked_database_answers_a_clean_503(admin, settings):
    """SQLite: another process holds the write lock past the busy timeout."""
    import sqlite3

    connection.ensure_connection()
    name = connection.settings_dict["NAME"]
    options = connection.settings_dict.setdefault("OPTIONS", {})
    previous = options.get("timeout")
    options["timeout"] = 0.5
    connection.close()
    # The suite's database is a shared-cache in-memory one: a second connection to it takes
    # the same locks another process would take on a file.
    holder = sqlite3.connect(str(name), timeout=1, uri=str(name).startswith("file:"))
    try:
        holder.execute("BEGIN EXCLUSIVE")
        started = time.monotonic()
        response = admin.post("/api/keys", {"name": "during the lock"}, format="json")
        assert time.monotonic() - started < 10
        error = assert_json_error(response, 503)
        assert "Database unavailable or busy" in error
        assert response["Retry-After"] == "5"
        assert b"Traceback" not in response.content
    finally:
        holder.rollback()
        holder.close()
        options["timeout"] = previous
        connection.close()
    assert admin.post("/api/keys", {"name": "after the lock"}, format="json").status_code == 201
