"""The one way the resource gateways reach a host's engine, and the one place that decides where
a gateway call runs:

- `local` and `tcp` hosts: in this process, through the pooled client (`engine(host)`), a tcp
  host with its TLS identity;
- `agent` hosts: as a Celery task on the host's queue `host.<id>`, consumed by the agent on that
  host (core.agents.rpc ships it and turns the answer back into the same API errors).

A gateway function opts in with `@on_host("<call>")`; CALLS is the allow-list of what may be
shipped and how long a caller waits for each. Arguments and results are JSON, plus the
dataclasses named in SHIPPABLE_TYPES (core.agents.wire encodes them; nothing else is ever
imported from the wire).

A streamed call (`streaming=True`) is a function returning an iterator of JSON items (a log
follow, a pull's progress, compose output); `stream_on_host` runs it and its caller iterates the
items as they come, here or from the agent (core.agents.streams). A streamed function may yield
None: "nothing new yet" (a tick, which lets a reader notice a departed client); callers that do
not need ticks skip them."""

import functools
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import docker
import requests
import urllib3
from django.utils.module_loading import import_string

from core.docker.clients import client_for
from core.docker.errors import EngineUnavailable, engine_errors
from core.hosts.errors import HostTLSFailed, HostTLSMissing, HostTLSUndecryptable
from core.hosts.models import DockerHost, HostKind
from core.hosts.tls import material_of
from core.integrations.crypto import key_ring

# Calls that walk every object on the engine (prune, disk usage) need longer than a lookup.
SLOW_CALL_TIMEOUT = 120.0
# A rebuild may pull first (its progress may pause up to images.PULL_IDLE_TIMEOUT at a time),
# then stop, recreate and start the container.
REBUILD_CALL_SECONDS = 600.0
# Seconds a caller waits for an agent's answer to a plain call; a stop/restart adds its own
# grace period (the engine waits that long before it kills).
AGENT_CALL_SECONDS = 30.0
STOP_CALL_MARGIN = 15.0


@dataclass(frozen=True)
class HostCall:
    target: str  # dotted path of the gateway function
    mutating: bool  # acts on the engine: shipped with an idempotency key
    # A plain call: seconds a caller waits for the answer. A streamed call: seconds it waits for
    # the agent to start the stream (the stream's own length is bounded by its reader's lease).
    wait: Callable[[tuple, dict], float] = lambda args, kwargs: AGENT_CALL_SECONDS
    streaming: bool = False

    def function(self) -> Callable:
        return import_string(self.target)


def _slow_wait(args: tuple, kwargs: dict) -> float:
    return SLOW_CALL_TIMEOUT


def _rebuild_wait(args: tuple, kwargs: dict) -> float:
    return REBUILD_CALL_SECONDS


def _stop_wait(args: tuple, kwargs: dict) -> float:
    seconds = kwargs.get("seconds", args[1] if len(args) > 1 else 10)
    return float(seconds) + STOP_CALL_MARGIN


CALLS: dict[str, HostCall] = {
    "containers.list": HostCall("core.docker.containers.list_containers", False),
    "containers.inspect": HostCall("core.docker.containers.inspect", False),
    "containers.detail": HostCall("core.docker.containers.container_detail", False),
    "containers.top": HostCall("core.docker.containers.top", False),
    "containers.start": HostCall("core.docker.containers.start", True),
    "containers.stop": HostCall("core.docker.containers.stop", True, _stop_wait),
    "containers.restart": HostCall("core.docker.containers.restart", True, _stop_wait),
    "containers.pause": HostCall("core.docker.containers.pause", True),
    "containers.unpause": HostCall("core.docker.containers.unpause", True),
    "containers.remove": HostCall("core.docker.containers.remove", True),
    "containers.exec": HostCall("core.docker.exec.run_command", True),
    "containers.rebuild": HostCall("core.docker.rebuild.rebuild", True, _rebuild_wait),
    "containers.logs": HostCall("core.docker.logs.read_logs", False),
    "containers.logs.follow": HostCall("core.docker.logs.follow_lines", False, streaming=True),
    "images.list": HostCall("core.docker.images.list_images", False),
    "images.remove": HostCall("core.docker.images.remove_image", True),
    "images.prune": HostCall("core.docker.images.prune_images", True, _slow_wait),
    "images.pull": HostCall("core.docker.images.pull_image", True, streaming=True),
    "images.pulled_id": HostCall("core.docker.images.pulled_image_id", False),
    "networks.list": HostCall("core.docker.networks.list_networks", False),
    "networks.create": HostCall("core.docker.networks.create_network", True),
    "networks.remove": HostCall("core.docker.networks.remove_network", True),
    "volumes.list": HostCall("core.docker.volumes.list_volumes", False),
    "volumes.create": HostCall("core.docker.volumes.create_volume", True),
    "volumes.remove": HostCall("core.docker.volumes.remove_volume", True),
    "system.info": HostCall("core.docker.system.docker_info", False),
    "system.disk": HostCall("core.docker.system.disk_usage", False, _slow_wait),
    "system.prune": HostCall("core.docker.system.prune_system", True, _slow_wait),
    "stacks.compose": HostCall("core.stacks.runner.run_compose", True, streaming=True),
    "stacks.ps": HostCall("core.stacks.runner.project_containers", False),
    "stacks.logs": HostCall("core.stacks.runner.service_logs", False),
}

# The only classes an argument may be shipped as (an agent builds nothing else from the wire).
SHIPPABLE_TYPES: dict[str, str] = {
    name: f"core.docker.{name}"
    for name in (
        "logs.LogQuery",
        "networks.NetworkSpec",
        "volumes.VolumeSpec",
        "image_reference.ImageReference",
    )
}


def is_shipped(host: DockerHost) -> bool:
    """True when the host's engine is reached through its agent, not from this process."""
    return host.kind == HostKind.AGENT


def on_host(call: str):
    """Route a gateway function `function(host, *args, **kwargs)` by the host's kind. A
    streamed call's function returns an iterator either way."""
    spec = CALLS[call]

    def decorate(function):
        @functools.wraps(function)
        def routed(host: DockerHost, *args, **kwargs):
            if is_shipped(host):
                from core.agents import rpc, streams  # the agents package builds on this one

                if spec.streaming:
                    return streams.open_stream(host, call, args, kwargs, spec)
                return rpc.ship(host, call, args, kwargs, spec)
            return function(host, *args, **kwargs)

        return routed

    return decorate


def run_on_host(host: DockerHost, call: str, *args, **kwargs):
    """`run_on_host(host, "containers.start", container_id)`: the allow-listed gateway call,
    wherever the host's kind says it runs."""
    if call not in CALLS or CALLS[call].streaming:
        raise ValueError(f"{call!r} is not a host call")
    return CALLS[call].function()(host, *args, **kwargs)


def stream_on_host(host: DockerHost, call: str, *args, **kwargs) -> Iterator:
    """`for item in stream_on_host(host, "images.pull", reference): ...` — the items of an
    allow-listed streamed call as they come, wherever the host's kind says it runs. Errors
    (before or during the stream) are the same API errors on every kind of host; an offline
    agent host raises HostDidNotAnswer (504) at once. Close the iterator (`.close()`) when
    leaving early: an agent then stops the stream within about a second."""
    spec = CALLS.get(call)
    if spec is None or not spec.streaming:
        raise ValueError(f"{call!r} is not a streamed host call")
    if is_shipped(host):  # also for a function not decorated with @on_host
        from core.agents.streams import open_stream

        return open_stream(host, call, args, kwargs, spec)
    return spec.function()(host, *args, **kwargs)


@functools.lru_cache(maxsize=256)
def _tls(sealed: str, ring: object) -> dict | None:
    # `ring` (the current key ring) is part of the cache key only: material a removed key
    # sealed stops opening as soon as the key is gone.
    return material_of(sealed)


def tls_of(host: DockerHost) -> dict | None:
    """A tcp host's TLS identity (None for other kinds). A tcp host without material, or with
    material no configured key opens, is refused: never a plain connection."""
    if host.kind != HostKind.TCP:
        return None
    if not host.tls_material:
        raise HostTLSMissing(host.name)
    material = _tls(host.tls_material, key_ring())
    if material is None:
        raise HostTLSUndecryptable(host.name)
    return material


TLS_ERRORS = (ssl.SSLError, requests.exceptions.SSLError, urllib3.exceptions.SSLError)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and everything behind it: chained exceptions and the ones urllib3 and requests
    carry as arguments or reasons instead of chaining them."""
    pending, seen = [exc], set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        behind = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        pending.extend(item for item in [*behind, *current.args] if isinstance(item, BaseException))


def tls_failure(exc: BaseException) -> str | None:
    """Why a TLS handshake failed, when one did behind `exc` (no secret in it)."""
    causes = list(_causes(exc))
    for cause in causes:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"its certificate was not accepted ({cause.verify_message}); check the host's CA"
    codes = [getattr(cause, "reason", None) or "" for cause in causes
             if isinstance(cause, ssl.SSLError)]  # fmt: skip
    if any("ALERT" in code and "CERTIFICATE" in code for code in codes):
        return "it refused the client certificate; check the host's certificate and key"
    if any(isinstance(cause, TLS_ERRORS) for cause in causes):
        detail = next((code for code in codes if code), "no TLS answer")
        return f"{detail}; check that the address is the engine's TLS port"
    return None


@contextmanager
def engine(
    host: DockerHost, *, not_found: str | None = None, timeout: float | None = None
) -> Iterator[docker.DockerClient]:
    """`with engine(host) as client: ...` — every engine error inside becomes an API error.
    A host without an address (an agent host) is never answered by the local socket."""
    if not host.base_url:
        raise EngineUnavailable(host.name)
    material = tls_of(host)
    try:
        with engine_errors(host.name, not_found=not_found):
            yield client_for(host.base_url, timeout, material)
    except EngineUnavailable as exc:
        reason = tls_failure(exc) if material else None
        if reason:
            raise HostTLSFailed(host.name, reason) from exc
        raise


def engine_message(exc: docker.errors.APIError) -> str:
    """The engine's own explanation of a failed call, as text."""
    explanation = exc.explanation
    if isinstance(explanation, bytes):
        explanation = explanation.decode(errors="replace")
    return (explanation or str(exc)).strip()
