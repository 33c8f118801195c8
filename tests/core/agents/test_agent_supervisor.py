"""`manage.py agent`'s two workers (core.agents.supervisor): what each consumes and how, and
the agent's life: a signal stops both workers, a worker that dies takes the agent down with it.
Real processes (plain Python sleepers stand in for the Celery workers); the real agent runs in
test_agents_end_to_end.py and test_agent_stacks.py."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import types

import pytest
from celery.signals import worker_ready, worker_shutting_down

from core.agents import local, queues, supervisor
from core.agents import worker as agent_worker
from tests.processes import ROOT

BROKER = "redis://broker.example:6379/0"


def test_an_agent_runs_a_prefork_worker_for_calls_and_a_thread_worker_for_streams():
    credentials = local.Credentials(7, "edge", "host.7", "celery", BROKER, "s", 10.0)
    commands = supervisor.worker_commands(credentials, 2, 8, "INFO")

    def option(worker: str, name: str) -> str | None:
        argv = commands[worker]
        return argv[argv.index(name) + 1] if name in argv else None

    assert option(local.CALLS_WORKER, "-Q") == queues.host_queue(7) == "host.7"
    assert option(local.CALLS_WORKER, "--concurrency") == "2"
    assert option(local.CALLS_WORKER, "--pool") is None  # prefork: calls carry hard time limits
    assert option(local.STREAMS_WORKER, "-Q") == queues.host_stream_queue(7) == "host.7.streams"
    assert option(local.STREAMS_WORKER, "--concurrency") == "8"
    assert option(local.STREAMS_WORKER, "--pool") == "threads"
    assert option(local.CALLS_WORKER, "-n") != option(local.STREAMS_WORKER, "-n")
    for worker in commands:
        env = supervisor.worker_environment(worker)
        assert env["COCKPIT_AGENT"] == "1"
        assert env[local.WORKER_VARIABLE] == worker
        assert env[local.BOOT_ID_VARIABLE] == local.BOOT_ID  # one boot for both workers


def test_an_agent_whose_worker_dies_stops_the_other_and_exits_non_zero():
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    dying = [sys.executable, "-c", "raise SystemExit(3)"]
    said: list[str] = []
    started = time.monotonic()
    assert supervisor.supervise({"calls": sleeper, "streams": dying}, said.append) == 3
    assert time.monotonic() - started < supervisor.STOP_GRACE_SECONDS
    assert said == ["The agent's streams worker exited with status 3: stopping the agent"]


def test_a_stopped_agent_stops_both_workers_and_exits_zero():
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    commands = json.dumps({local.CALLS_WORKER: sleeper, local.STREAMS_WORKER: sleeper})
    agent = subprocess.Popen(
        [sys.executable, "-m", "core.agents.supervisor", commands], cwd=ROOT, start_new_session=True
    )
    try:
        wait_for_children(agent.pid, 2)
        children = child_pids(agent.pid)
        agent.send_signal(signal.SIGTERM)
        assert agent.wait(timeout=supervisor.STOP_GRACE_SECONDS + 5) == 0
        assert not [pid for pid in children if pid_alive(pid)]
    finally:
        if agent.poll() is None:
            os.killpg(agent.pid, signal.SIGKILL)


def child_pids(pid: int) -> list[int]:
    path = f"/proc/{pid}/task/{pid}/children"
    with open(path) as handle:
        return [int(child) for child in handle.read().split()]


def wait_for_children(pid: int, count: int) -> None:
    deadline = time.monotonic() + 20
    while len(child_pids(pid)) < count:
        assert time.monotonic() < deadline, "the workers never started"
        time.sleep(0.1)


def pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize(
    ("worker", "heartbeats"), [(local.CALLS_WORKER, True), (local.STREAMS_WORKER, False)]
)
def test_one_heartbeat_per_agent_every_worker_ends_its_streams(monkeypatch, worker, heartbeats):
    credentials = local.Credentials(7, "edge", "host.7", "celery", BROKER, "s", 10.0)
    started: list[object] = []
    monkeypatch.setattr(local, "WORKER", worker)
    monkeypatch.setattr(local, "SHUTTING_DOWN", threading.Event())
    monkeypatch.setattr(agent_worker, "agent_credentials", lambda: credentials)
    monkeypatch.setattr(agent_worker, "_start_heartbeats", lambda **kwargs: started.append(1))
    app = types.SimpleNamespace(conf={})
    try:
        agent_worker.configure(app)
        assert app.conf["broker_transport_options"]["unacked_key"] == (
            f"unacked:{credentials.queue_of(worker)}"
        )
        worker_ready.send(sender=None)
        assert bool(started) is heartbeats
        worker_shutting_down.send(sender="agent-7", sig="SIGTERM", how="Warm", exitcode=0)
        assert local.SHUTTING_DOWN.is_set()
    finally:
        worker_ready.disconnect(agent_worker._start_heartbeats)
        worker_ready.disconnect(agent_worker._announce)
        worker_shutting_down.disconnect(agent_worker._shutting_down)
