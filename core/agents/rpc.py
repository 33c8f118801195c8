"""Shipping a gateway call to an agent host and waiting for its answer (the control plane's
side; core.agents.calls is the agent's).

- An offline host (no heartbeat within AGENT_OFFLINE_AFTER_SECONDS) answers 504 at once.
- Otherwise the call goes to the host's queue as the task `core.agents.call`, with a hard time
  limit and an idempotency key (also its task id, so its result is stored under it), and the
  caller polls the result backend until the call's wait is over: then 504.
- The agent answers an outcome, `{"ok": true, "value": ...}` or `{"ok": false, "status",
  "error", "kind"}`; an error becomes the same API error a local host would have raised.
"""

import time
import uuid
from datetime import timedelta

from celery import current_app, states
from django.conf import settings
from django.utils import timezone

from core.agents.errors import AgentCallFailed, HostDidNotAnswer
from core.agents.queues import host_queue
from core.agents.wire import encode_call
from core.docker.errors import (
    DockerBadRequest,
    DockerConflict,
    DockerNotFound,
    DockerNotModified,
    EngineFailed,
    EngineUnavailable,
)
from core.docker.self_protection import SelfActionRefused
from core.hosts.models import DockerHost, HostStatus

CALL_TASK = "core.agents.call"
TIME_LIMIT_GRACE = 5.0  # the hard limit on the agent outlasts the caller's wait a little
POLL_FIRST, POLL_MAX = 0.01, 0.2

# Errors re-raised as their own class (bulk actions tell "already started" by its class).
_BY_KIND = {
    cls.__name__: cls
    for cls in (DockerNotModified, DockerNotFound, DockerConflict, EngineFailed, DockerBadRequest)
}


def offline_window() -> float:
    return float(settings.AGENT_OFFLINE_AFTER_SECONDS)


def is_reachable(host: DockerHost) -> bool:
    """Online with a heartbeat inside the window (checked without waiting for the tick)."""
    if host.status != HostStatus.ONLINE or host.last_seen_at is None:
        return False
    return timezone.now() - host.last_seen_at <= timedelta(seconds=offline_window())


def ship(host: DockerHost, call: str, args: tuple, kwargs: dict, spec) -> object:
    request, wait = call_request(host, call, args, kwargs, spec)
    key = request["key"]
    current_app.send_task(
        CALL_TASK,
        args=[request],
        queue=host_queue(host.pk),
        task_id=key,
        time_limit=wait + TIME_LIMIT_GRACE,
    )
    outcome = wait_for_outcome(key, wait)
    if outcome is None:
        raise HostDidNotAnswer(host.name, wait)
    return unpack(host, outcome)


def call_request(host: DockerHost, call: str, args, kwargs, spec) -> tuple[dict, float]:
    """What the agent receives (core.agents.calls / streamed_calls read it), keyed by a new
    idempotency key, and how long the caller waits; an offline host answers 504 at once."""
    if not is_reachable(host):
        raise HostDidNotAnswer(host.name, offline_window())
    wait = spec.wait(args, kwargs)
    encoded_args, encoded_kwargs = encode_call(args, kwargs)
    request = {
        "call": call,
        "args": encoded_args,
        "kwargs": encoded_kwargs,
        "key": uuid.uuid4().hex,
        "mutating": spec.mutating,
        "deadline": time.time() + wait,
        "hostName": host.name,
    }
    return request, wait


def wait_for_outcome(task_id: str, seconds: float) -> dict | None:
    """The agent's outcome, or None when none came within `seconds`. Polls the result backend
    (cheap reads) rather than subscribing: web threads share one backend connection."""
    backend = current_app.backend
    deadline = time.monotonic() + seconds
    delay = POLL_FIRST
    while True:
        meta = backend.get_task_meta(task_id, cache=False)
        status = meta.get("status")
        if status in states.READY_STATES:
            backend.forget(task_id)
            if status == states.SUCCESS and isinstance(meta.get("result"), dict):
                return meta["result"]
            return failed_outcome(meta)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        time.sleep(min(delay, remaining))
        delay = min(delay * 1.5, POLL_MAX)


def failed_outcome(meta: dict) -> dict | None:
    """A task that failed on the agent (its time limit, a crash): the kind only, never a trace."""
    result = meta.get("result")
    kind = type(result).__name__ if isinstance(result, BaseException) else "error"
    if kind in ("TimeLimitExceeded", "SoftTimeLimitExceeded"):
        return None  # the caller's wait is over too: "did not answer"
    return {"ok": False, "status": 502, "error": f"The agent failed the call ({kind})"}


def unpack(host: DockerHost, outcome: dict):
    if outcome.get("ok"):
        return outcome.get("value")
    kind, message = outcome.get("kind", ""), outcome.get("error") or "Agent error"
    if kind == "EngineUnavailable":
        raise EngineUnavailable(host.name)
    if kind == "SelfActionRefused":
        raise SelfActionRefused()
    if kind in _BY_KIND:
        raise _BY_KIND[kind](message)
    raise AgentCallFailed(int(outcome.get("status") or 502), message)
