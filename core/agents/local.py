"""The agent's own side, loaded before Django apps are ready (cockpit.celery imports it):

- its credentials, obtained once by enrolling (`manage.py agent`) and kept in
  `DATA_DIR/agent.json` (mode 0600) so a restart needs no new token;
- the Celery configuration of an agent worker: the broker the control plane handed out, the
  result backend on it, and unacked-message keys of its own queue with a short visibility
  timeout, so a task of an agent that died is redelivered (to its restarted self) within that
  timeout without touching the control plane's long-running tasks;
- which of the agent's two workers this process is (COCKPIT_AGENT_WORKER, set by `manage.py
  agent`): `calls` (prefork, queue `host.<id>`: plain calls, samples, heartbeats) or `streams`
  (threads, queue `host.<id>.streams`: streamed calls);
- BOOT_ID, one per agent start, shared by both workers and their prefork children (`manage.py
  agent` hands its own down as COCKPIT_AGENT_BOOT_ID), which tells a redelivery to a restarted
  agent from one to the same agent;
- SHUTTING_DOWN, set when this worker begins a warm shutdown: its running streams end at once
  (their readers hear why) rather than hold the shutdown for as long as someone reads.
"""

import json
import os
import threading
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from core.agents.queues import host_stream_queue

CREDENTIALS_FILE = "agent.json"
CALLS_WORKER, STREAMS_WORKER = "calls", "streams"
WORKER_VARIABLE, BOOT_ID_VARIABLE = "COCKPIT_AGENT_WORKER", "COCKPIT_AGENT_BOOT_ID"
WORKER = os.environ.get(WORKER_VARIABLE, CALLS_WORKER)
BOOT_ID = os.environ.get(BOOT_ID_VARIABLE) or uuid.uuid4().hex
SHUTTING_DOWN = threading.Event()


@dataclass(frozen=True)
class Credentials:
    host_id: int
    host_name: str
    queue: str
    control_queue: str
    broker_url: str
    secret: str
    heartbeat_seconds: float

    @classmethod
    def from_enrollment(cls, answer: dict) -> "Credentials":
        return cls(
            host_id=int(answer["hostId"]),
            host_name=str(answer["hostName"]),
            queue=str(answer["queue"]),
            control_queue=str(answer["controlQueue"]),
            broker_url=str(answer["brokerUrl"]),
            secret=str(answer["secret"]),
            heartbeat_seconds=float(answer["heartbeatSeconds"]),
        )

    @property
    def stream_queue(self) -> str:
        return host_stream_queue(self.host_id)

    def queue_of(self, worker: str) -> str:
        """The queue the agent's `worker` (CALLS_WORKER or STREAMS_WORKER) consumes."""
        return self.stream_queue if worker == STREAMS_WORKER else self.queue


def credentials_path(data_dir: Path) -> Path:
    return Path(data_dir) / CREDENTIALS_FILE


def load(data_dir: Path) -> Credentials | None:
    path = credentials_path(data_dir)
    if not path.exists():
        return None
    return Credentials(**json.loads(path.read_text()))


def save(data_dir: Path, credentials: Credentials) -> None:
    path = credentials_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(asdict(credentials), handle)
    partial.replace(path)


def celery_settings(
    credentials: Credentials, broker_override: str, visibility: int, worker: str
) -> dict:
    broker = broker_override or credentials.broker_url
    queue = credentials.queue_of(worker)
    return {
        "broker_url": broker,
        "result_backend": broker,
        "broker_transport_options": {
            "visibility_timeout": visibility,
            "unacked_key": f"unacked:{queue}",
            "unacked_index_key": f"unacked_index:{queue}",
            "unacked_mutex_key": f"unacked_mutex:{queue}",
            "unacked_restore_interval": max(1, min(10, visibility // 4)),
            "unacked_restore_throttle": 1,
        },
        "task_default_queue": credentials.control_queue,
        "worker_prefetch_multiplier": 1,
        "beat_schedule": {},
    }
