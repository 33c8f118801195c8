"""The one way the resource gateways reach a host's engine: its pooled client, with errors
normalised for that host."""

from collections.abc import Iterator
from contextlib import contextmanager

import docker

from core.docker.clients import client_for
from core.docker.errors import EngineUnavailable, engine_errors
from core.hosts.models import DockerHost

# Calls that walk every object on the engine (prune, disk usage) need longer than a lookup.
SLOW_CALL_TIMEOUT = 120.0


@contextmanager
def engine(
    host: DockerHost, *, not_found: str | None = None, timeout: float | None = None
) -> Iterator[docker.DockerClient]:
    """`with engine(host) as client: ...` — every engine error inside becomes an API error.
    A host without an address (an agent host) is never answered by the local socket."""
    if not host.base_url:
        raise EngineUnavailable(host.name)
    with engine_errors(host.name, not_found=not_found):
        yield client_for(host.base_url, timeout)


def engine_message(exc: docker.errors.APIError) -> str:
    """The engine's own explanation of a failed call, as text."""
    explanation = exc.explanation
    if isinstance(explanation, bytes):
        explanation = explanation.decode(errors="replace")
    return (explanation or str(exc)).strip()
