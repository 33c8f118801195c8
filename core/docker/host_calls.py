"""The one way the resource gateways reach a host's engine, and the one place that decides where
a gateway call runs:

- `local` and `tcp` hosts: in this process, through the pooled client (`engine(host)`), a tcp
  host with its TLS identity;
- `agent` hosts: as a Celery task on the host's queue `host.<id>`, consumed by the agent on that
  host (core.agents.rpc ships it and turns the answer back into the same API errors).

A gateway function opts in with `@on_host("<call>")`; CALLS is the allow-list of what may be
shipped (JSON arguments and results only) and how long a caller waits for each."""

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import docker
from django.utils.module_loading import import_string

from core.docker.clients import client_for
from core.docker.errors import EngineUnavailable, engine_errors
from core.hosts.models import DockerHost, HostKind
from core.hosts.tls import material_of

# Calls that walk every object on the engine (prune, disk usage) need longer than a lookup.
SLOW_CALL_TIMEOUT = 120.0
# Seconds a caller waits for an agent's answer to a plain call; a stop/restart adds its own
# grace period (the engine waits that long before it kills).
AGENT_CALL_SECONDS = 30.0
STOP_CALL_MARGIN = 15.0


@dataclass(frozen=True)
class HostCall:
    target: str  # dotted path of the gateway function
    mutating: bool  # acts on the engine: shipped with an idempotency key
    wait: Callable[[tuple, dict], float] = lambda args, kwargs: AGENT_CALL_SECONDS

    def function(self) -> Callable:
        return import_string(self.target)


def _slow_wait(args: tuple, kwargs: dict) -> float:
    return SLOW_CALL_TIMEOUT


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
    "images.list": HostCall("core.docker.images.list_images", False),
    "images.remove": HostCall("core.docker.images.remove_image", True),
    "images.prune": HostCall("core.docker.images.prune_images", True, _slow_wait),
    "networks.list": HostCall("core.docker.networks.list_networks", False),
    "networks.remove": HostCall("core.docker.networks.remove_network", True),
    "volumes.list": HostCall("core.docker.volumes.list_volumes", False),
    "volumes.remove": HostCall("core.docker.volumes.remove_volume", True),
    "system.info": HostCall("core.docker.system.docker_info", False),
    "system.disk": HostCall("core.docker.system.disk_usage", False, _slow_wait),
    "system.prune": HostCall("core.docker.system.prune_system", True, _slow_wait),
}


def on_host(call: str):
    """Route a gateway function `function(host, *args, **kwargs)` by the host's kind."""
    spec = CALLS[call]

    def decorate(function):
        @functools.wraps(function)
        def routed(host: DockerHost, *args, **kwargs):
            if host.kind == HostKind.AGENT:
                from core.agents.rpc import ship  # the agents package builds on this one

                return ship(host, call, args, kwargs, spec)
            return function(host, *args, **kwargs)

        return routed

    return decorate


def run_on_host(host: DockerHost, call: str, *args, **kwargs):
    """`run_on_host(host, "containers.start", container_id)`: the allow-listed gateway call,
    wherever the host's kind says it runs."""
    if call not in CALLS:
        raise ValueError(f"{call!r} is not a host call")
    return CALLS[call].function()(host, *args, **kwargs)


@functools.lru_cache(maxsize=256)
def _tls(sealed: str) -> dict | None:
    return material_of(sealed)


def tls_of(host: DockerHost) -> dict | None:
    """A tcp host's TLS identity; material no configured key opens is never dropped for a
    plain connection."""
    if host.kind != HostKind.TCP or not host.tls_material:
        return None
    material = _tls(host.tls_material)
    if material is None:
        raise EngineUnavailable(host.name)
    return material


@contextmanager
def engine(
    host: DockerHost, *, not_found: str | None = None, timeout: float | None = None
) -> Iterator[docker.DockerClient]:
    """`with engine(host) as client: ...` — every engine error inside becomes an API error.
    A host without an address (an agent host) is never answered by the local socket."""
    if not host.base_url:
        raise EngineUnavailable(host.name)
    with engine_errors(host.name, not_found=not_found):
        yield client_for(host.base_url, timeout, tls_of(host))


def engine_message(exc: docker.errors.APIError) -> str:
    """The engine's own explanation of a failed call, as text."""
    explanation = exc.explanation
    if isinstance(explanation, bytes):
        explanation = explanation.decode(errors="replace")
    return (explanation or str(exc)).strip()
