"""The agent's own side, loaded before Django apps are ready (cockpit.celery imports it):

- its credentials, obtained once by enrolling (`manage.py agent`) and kept in
  `DATA_DIR/agent.json` (mode 0600) so a restart needs no new token;
- the Celery configuration of an agent worker: the broker the control plane handed out, the
  result backend on it, and its own unacked-message keys with a short visibility timeout, so a
  task of an agent that died is redelivered (to its restarted self) within that timeout
  without touching the control plane's long-running tasks;
- BOOT_ID, one per agent process tree (prefork children inherit it), which tells a redelivery
  to a restarted agent from one to the same agent.
"""

import json
import os
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

CREDENTIALS_FILE = "agent.json"
BOOT_ID = uuid.uuid4().hex


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


def celery_settings(credentials: Credentials, broker_override: str, visibility: int) -> dict:
    broker = broker_override or credentials.broker_url
    queue = credentials.queue
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
