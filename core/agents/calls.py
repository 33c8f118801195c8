"""The agent's side of a shipped gateway call (task `core.agents.call` on `host.<id>`).

The call runs against this machine's engine (DOCKER_HOST) as a local host. An action (a
mutating call) runs at most once per idempotency key, whatever the broker redelivers:

- the first delivery claims the key (an atomic add in the agent's cache) and stores the
  outcome under it when done; a later delivery answers that stored outcome;
- a delivery that finds the key claimed by a previous run of this agent (another BOOT_ID: the
  agent died mid-action and restarted) cannot know whether the engine acted, so it does not
  act again: it answers "interrupted" and stores that;
- a delivery that finds the key claimed by a live run of this same agent waits for its outcome;
- a call whose caller stopped waiting before it was started is not started at all.
"""

import logging
import time
from functools import partial

from django.conf import settings
from django.core.cache import cache
from rest_framework.exceptions import APIException

from core.agents.local import BOOT_ID
from core.agents.wire import UnshippableValue, decode_call
from core.agents.worker import agent_credentials
from core.docker.host_calls import CALLS
from core.docker.self_protection import refuse_self
from core.hosts.models import DockerHost, HostKind

log = logging.getLogger(__name__)

RECORD_TTL = 24 * 3600
RECORD_PREFIX = "agents:call:"
CLAIM_GRACE = 10.0  # a claim of this boot outlives the caller's deadline by this much
WAIT_STEP = 0.5


def local_host(name: str) -> DockerHost:
    """The host a shipped call acts on: this machine's engine, under the control plane's name
    (error messages name the host as the control plane knows it)."""
    credentials = agent_credentials()
    return DockerHost(
        pk=credentials.host_id if credentials else None,
        name=name,
        slug="",
        kind=HostKind.LOCAL,
        base_url=settings.DOCKER_HOST,
    )


def error_outcome(status: int, message: str, kind: str) -> dict:
    return {"ok": False, "status": status, "error": message, "kind": kind}


def refuse_own_container(host: DockerHost, call: str, args: list) -> None:
    if CALLS[call].mutating and call.startswith("containers.") and args:
        refuse_self(host, args[0])  # this agent's own container


def _run(request: dict, host: DockerHost) -> dict:
    spec = CALLS[request["call"]]
    try:
        args, kwargs = decode_call(request.get("args"), request.get("kwargs"))
    except UnshippableValue as exc:
        return error_outcome(400, str(exc), "UnshippableValue")
    try:
        refuse_own_container(host, request["call"], args)
        return {"ok": True, "value": spec.function()(host, *args, **kwargs)}
    except APIException as exc:
        return error_outcome(exc.status_code, str(exc.detail), type(exc).__name__)


def execute(request: dict) -> dict:
    if request.get("call") not in CALLS or CALLS[request["call"]].streaming:
        return error_outcome(400, "Unknown host call", "UnknownCall")
    host = local_host(str(request.get("hostName") or "agent"))
    run = partial(_run, request, host)
    if not CALLS[request["call"]].mutating:
        return run()
    return once(str(request["key"]), float(request["deadline"]), host.name, run)


def interrupted(host_name: str) -> dict:
    return error_outcome(
        502,
        f"The agent of host {host_name} restarted during this action; it was not repeated. "
        "Check the result before trying again",
        "Interrupted",
    )


def expired() -> dict:
    return error_outcome(504, "The caller stopped waiting before the action started", "Expired")


def once(key: str, deadline: float, host_name: str, run) -> dict:
    record_key = f"{RECORD_PREFIX}{key}"
    while True:
        record = cache.get(record_key)
        if record is None:
            if time.time() > deadline:
                return expired()
            claim = {"state": "running", "boot": BOOT_ID, "until": deadline + CLAIM_GRACE}
            if not cache.add(record_key, claim, RECORD_TTL):
                continue  # claimed in between: read it
            outcome = run()
            cache.set(record_key, {"state": "done", "outcome": outcome}, RECORD_TTL)
            return outcome
        if record["state"] == "done":
            log.info("action %s was delivered again: answering its stored outcome", key)
            return record["outcome"]
        if record["boot"] == BOOT_ID and time.time() < record["until"]:
            time.sleep(WAIT_STEP)  # the same agent is still running it
            continue
        log.warning("action %s was interrupted by an agent restart: not repeated", key)
        outcome = interrupted(host_name)
        cache.set(record_key, {"state": "done", "outcome": outcome}, RECORD_TTL)
        return outcome


def stored_outcome(key: str) -> dict | None:
    """What the agent recorded under an idempotency key (tests and operators)."""
    return cache.get(f"{RECORD_PREFIX}{key}")
