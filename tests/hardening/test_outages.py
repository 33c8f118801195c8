"""Faults on real processes (issue 8): Redis goes away and comes back, a worker is killed
mid-task, beat's due minute falls into a broker outage. The control plane (daphne web, a
Celery worker and beat on a file database, tests/core/agents/cluster.py) runs on a private
Redis (broker, cache, stream) the test stops and starts; containers live on the shared test
engine under unique names."""

import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from fixtures.test_image import IMAGE
from tests.core.agents.cluster import wait_until
from tests.core.stream.helpers import HttpSseReader
from tests.core.stream.servers import publish_from_another_process
from tests.hardening.control_plane import (
    FAULT_SETTINGS,
    kill_pool_processes,
    kill_worker,
    start_worker,
)

pytestmark = [pytest.mark.docker, pytest.mark.redis, pytest.mark.slow]

# PID 1 `sh` with a TERM trap stops within a second; PID 1 `sleep` ignores SIGTERM, so a stop
# or restart waits its whole 10 s grace period: a window to kill a worker in.
QUICK_TO_STOP = ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]
SLOW_TO_STOP = ["sleep", "3600"]


@pytest.fixture
def make_container(docker_client):
    made = []

    def make(command):
        name = f"ckfault-{uuid.uuid4().hex[:10]}"
        container = docker_client.containers.run(
            IMAGE, command, name=name, detach=True, labels={"cockpit-test": "outages"}
        )
        made.append(container)
        return container

    yield make
    for container in made:
        container.remove(force=True)


def create_schedule(plane, container, action: str, cron: str = "0 3 * * *") -> int:
    body = {"name": f"{action} {container.name}", "containerId": container.id,
            "containerName": container.name, "action": action, "cronExpression": cron}  # fmt: skip
    status, created = plane.api.call("POST", "/api/schedules", body)
    assert status == 201, created
    return created["id"]


def runs_of(plane, schedule_id: int) -> list[dict]:
    status, body = plane.api.call("GET", f"/api/schedules/history?scheduleId={schedule_id}")
    assert status == 200, body
    return body["history"]


def run_of(plane, schedule_id: int, run_id: int) -> dict:
    return next(run for run in runs_of(plane, schedule_id) if run["id"] == run_id)


def engine_events(docker_client, container, since: float, kind: str) -> list[dict]:
    filters = {"container": container.id, "event": kind}
    until = time.time() + 1
    return list(docker_client.events(since=since, until=until, filters=filters, decode=True))


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def org_of(plane) -> int:
    return int(jwt.decode(plane.api.token, options={"verify_signature": False})["org"])


def open_stream(plane, **headers) -> HttpSseReader:
    reader = HttpSseReader(
        plane.web.port, "/api/stream",
        headers={"Authorization": f"Bearer {plane.api.token}", **headers},
    )  # fmt: skip
    assert reader.status == 200
    return reader


def publish_alert(plane, n: int) -> None:
    publish_from_another_process(plane.env, org_of(plane), "alert", {"n": n})


def next_alert(reader: HttpSseReader, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        event = reader.next_event(timeout=max(0.1, deadline - time.monotonic()))
        if event["event"] == "alert":
            return event


# --- Redis goes away and comes back ---------------------------------------------------------


def test_redis_goes_away_and_comes_back(plane, private_redis, make_container, docker_client):
    """While Redis (broker, cache, stream) is down: REST answers, health says so, an action
    that needs the broker is a fast 503, open streams stay open on keep-alives. Once it is
    back: events flow again to the same stream, a reconnect replays what it missed, and the
    run queued before the outage (the worker was stopped) runs once."""
    container = make_container(QUICK_TO_STOP)
    schedule_id = create_schedule(plane, container, "stop")
    plane.worker.stop()
    status, queued = plane.api.call("POST", f"/api/schedules/{schedule_id}/run")
    assert status == 202, queued
    stream = open_stream(plane)
    time.sleep(0.5)  # the hub subscribes with its first stream
    publish_alert(plane, 1)
    before = next_alert(stream, 20)
    assert before["data"] == {"n": 1}

    private_redis.stop()
    (status, health), took = timed(lambda: plane.api.call("GET", "/health", timeout=15))
    assert status == 503, health
    assert took < 8
    assert health["status"] == "degraded"
    assert health["checks"]["broker"] == "error"
    assert health["checks"]["db"] == "ok"
    status, body = plane.api.call("GET", "/api/health")
    assert status == 200, body
    (status, listed), took = timed(lambda: plane.api.call("GET", "/api/containers"))
    assert status == 200, listed
    assert took < 8
    assert any(
        container.id.startswith(item.get("id", "")[:12]) or item.get("name") == container.name
        for item in listed["containers"]
    )
    (status, refused), took = timed(
        lambda: plane.api.call("POST", f"/api/schedules/{schedule_id}/run")
    )
    assert status == 503, refused
    assert took < 10
    assert "broker unavailable" in refused["error"]
    status, ticket = plane.api.call("POST", "/api/stream/ticket")
    assert status == 503, ticket  # tickets live in the cache (found: a 500)
    assert ticket["error"] == "Stream tickets unavailable; try again shortly"
    by_ticket = HttpSseReader(plane.web.port, "/api/stream?ticket=" + "t" * 43)
    assert by_ticket.status == 503  # found: a 500
    by_ticket.close()
    with pytest.raises(TimeoutError):
        next_alert(stream, 3)  # still open (keep-alives), nothing to deliver
    during = open_stream(plane)  # a bearer stream needs no Redis to open
    publish_alert(plane, 2)  # lost: nothing can carry it; the publisher must not fail

    private_redis.start()
    n = 3

    def delivered_again():
        nonlocal n
        publish_alert(plane, n)
        n += 1
        try:
            return next_alert(stream, 1.5)
        except TimeoutError:
            return None

    after = wait_until(delivered_again, 40, "events on the same stream after Redis is back")
    assert after["data"]["n"] >= 3
    assert next_alert(during, 10)["data"]["n"] >= 3
    stream.close()
    again = open_stream(plane, **{"Last-Event-ID": before["id"]})
    replayed = next_alert(again, 10)  # from Redis' replay list, after `before`
    assert int(replayed["id"]) > int(before["id"])
    assert 3 <= replayed["data"]["n"] <= after["data"]["n"]

    since = time.time()
    start_worker(plane, "worker-after-redis")
    run = wait_until(
        lambda: (r := run_of(plane, schedule_id, queued["runId"]))["status"]
        in ("succeeded", "failed") and r,
        60, "the run queued before the outage",
    )  # fmt: skip
    assert run["status"] == "succeeded", run
    container.reload()
    assert container.status == "exited"
    assert len(engine_events(docker_client, container, since - 1, "die")) == 1
    for reader in (again, during):
        reader.close()


def finished_run(plane, schedule_id: int, run_id: int | None = None):
    runs = [run for run in runs_of(plane, schedule_id) if run_id in (None, run["id"])]
    return runs and runs[0]["status"] in ("succeeded", "failed") and runs[0]


# --- A worker is killed mid-task ----------------------------------------------------------------


def kill_whole_worker(plane) -> None:
    kill_worker(plane)
    start_worker(plane, "worker-2")


def kill_pool_only(plane) -> None:
    assert kill_pool_processes(plane) >= 1


@pytest.mark.parametrize(
    "kill",
    [kill_whole_worker, kill_pool_only],
    ids=["whole worker, a new one started", "pool processes only"],
)
def test_a_worker_killed_mid_restart_the_run_is_redelivered_and_restarts_once(
    plane, make_container, docker_client, kill
):
    """Found: the redelivered message saw the run `running` and dropped it, so the run stayed
    `running` for ever (and had the engine not finished the restart on its own, nothing would
    have restarted). Now the redelivery waits out the dead worker's lease, takes the run over
    and, the container having restarted since the run began, records it done without a second
    restart. When only the pool process dies (the out-of-memory killer), the main worker process
    lives on: without `reject_on_worker_lost` Celery acknowledges the message as failed and the
    run stays `running`; with it the message goes back to the queue."""
    container = make_container(SLOW_TO_STOP)
    schedule_id = create_schedule(plane, container, "restart")
    since = time.time()
    status, queued = plane.api.call("POST", f"/api/schedules/{schedule_id}/run")
    assert status == 202, queued
    wait_until(
        lambda: run_of(plane, schedule_id, queued["runId"])["status"] == "running",
        30, "the worker to start the restart",
    )  # fmt: skip
    time.sleep(1)  # the engine is waiting out the 10 s stop grace period of `sleep`
    kill(plane)

    run = wait_until(lambda: finished_run(plane, schedule_id, queued["runId"]), 90, "the run")
    assert run["status"] == "succeeded", run
    assert "core.schedules.run_now" in plane.worker.output  # delivered again
    container.reload()
    assert container.status == "running"
    time.sleep(1)
    assert len(engine_events(docker_client, container, since, "die")) == 1
    assert len(engine_events(docker_client, container, since, "start")) == 1
    assert len(runs_of(plane, schedule_id)) == 1


# --- Beat's due minute falls into a broker outage ---------------------------------------------


def sleep_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))


def test_a_minute_due_while_the_broker_is_down_runs_once_after(
    plane, private_redis, make_container, docker_client
):
    """Found: beat cannot publish while the broker is down; it logs the error and moves on, so
    the minute never ran. Now the catch-up tick re-sends a run whose time has passed without
    one, and the unique (schedule, minute) row keeps it to one."""
    container = make_container(QUICK_TO_STOP)
    due = (datetime.now(UTC) + timedelta(seconds=70)).replace(second=0, microsecond=0)
    if due - datetime.now(UTC) > timedelta(seconds=60):
        due -= timedelta(minutes=1)  # the first minute boundary at least 10 s away
    schedule_id = create_schedule(plane, container, "stop", f"{due.minute} {due.hour} * * *")
    since = time.time()
    sleep_until(due - timedelta(seconds=4))
    private_redis.stop()
    sleep_until(due + timedelta(seconds=6))  # beat tried to send the minute and could not
    assert runs_of(plane, schedule_id) == []
    private_redis.start()

    run = wait_until(lambda: finished_run(plane, schedule_id), 60, "the minute's run")
    time.sleep(2 * float(FAULT_SETTINGS["SCHEDULE_CATCH_UP_SECONDS"]) + 2)  # more catch-up ticks
    runs = runs_of(plane, schedule_id)
    assert [r["id"] for r in runs] == [run["id"]], runs  # once, not twice
    assert run["status"] == "succeeded", run
    assert run["triggered_by"] == "cron"
    assert run["scheduled_for"].startswith(due.strftime("%Y-%m-%dT%H:%M:00"))
    container.reload()
    assert container.status == "exited"
    assert len(engine_events(docker_client, container, since, "die")) == 1
