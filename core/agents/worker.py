"""An agent worker: one of the two Celery workers `manage.py agent` starts with COCKPIT_AGENT=1,
on `host.<id>` (calls) or `host.<id>.streams` (streams; core.agents.local.WORKER says which).
cockpit.celery calls `configure(app)` at import time (before Django apps are ready: only
settings and core.agents.local here). Once ready, the calls worker alone sends a heartbeat to
the control plane every `heartbeat_seconds` from a daemon thread; a worker that begins a warm
shutdown sets local.SHUTTING_DOWN, which ends its running streams."""

import functools
import logging
import socket
import threading

from celery.signals import worker_ready, worker_shutting_down
from django.conf import settings

from core.agents import local

log = logging.getLogger(__name__)

HEARTBEAT_TASK = "core.agents.heartbeat"
AGENT_VERSION = "0.1.0"
HEARTBEAT_FILE = "heartbeat"


@functools.cache
def agent_credentials() -> local.Credentials | None:
    return local.load(settings.DATA_DIR)


def configure(app) -> None:
    credentials = agent_credentials()
    if credentials is None:
        raise RuntimeError(
            f"No agent credentials in {local.credentials_path(settings.DATA_DIR)}: "
            "start the agent with `manage.py agent` and an ENROLLMENT_TOKEN"
        )
    app.conf.update(
        local.celery_settings(
            credentials,
            settings.AGENT_BROKER_OVERRIDE,
            settings.AGENT_VISIBILITY_TIMEOUT,
            local.WORKER,
        )
    )
    worker_shutting_down.connect(_shutting_down, weak=False)
    worker_ready.connect(_announce, weak=False)
    if local.WORKER == local.CALLS_WORKER:  # one heartbeat per agent, not one per worker
        worker_ready.connect(_start_heartbeats, weak=False)


def _shutting_down(**kwargs) -> None:
    local.SHUTTING_DOWN.set()


def _announce(sender=None, **kwargs) -> None:
    credentials = agent_credentials()
    if credentials is not None:
        log.info(
            "agent of host %s consuming %s", credentials.host_id, credentials.queue_of(local.WORKER)
        )


def _engine_up() -> bool:
    from core.docker.engine import ping

    try:
        return ping(settings.DOCKER_HOST, settings.HEALTH_DOCKER_TIMEOUT)
    except Exception:
        return False


def send_heartbeat(app, credentials: local.Credentials) -> None:
    info = {"hostname": socket.gethostname(), "version": AGENT_VERSION, "engineUp": _engine_up()}
    app.send_task(
        HEARTBEAT_TASK,
        args=[credentials.host_id, credentials.secret, info],
        argsrepr=f"({credentials.host_id}, '[secret]', {info!r})",
        queue=credentials.control_queue,
        expires=credentials.heartbeat_seconds * 2,
    )


def _heartbeats(app, credentials: local.Credentials, stop: threading.Event) -> None:
    """Every beat the broker accepted touches DATA_DIR/heartbeat (the container's health)."""
    marker = settings.DATA_DIR / HEARTBEAT_FILE
    while not stop.is_set():
        try:
            send_heartbeat(app, credentials)
            marker.touch()
        except Exception:  # the broker is away: the next beat tries again
            log.warning("heartbeat not sent", exc_info=True)
        stop.wait(credentials.heartbeat_seconds)


def _start_heartbeats(sender=None, **kwargs) -> None:
    app = sender.app if sender is not None else None
    credentials = agent_credentials()
    if app is None or credentials is None:
        return
    thread = threading.Thread(
        target=_heartbeats,
        args=(app, credentials, threading.Event()),
        name="agent-heartbeat",
        daemon=True,
    )
    thread.start()
