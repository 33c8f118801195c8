"""The engine's event stream (`GET /events`), container events only.

    subscription = container_events(host)   # subscribed once this returns
    for event in subscription:              # {"Action": "start", "id": ..., "time": ...}
        ...
    subscription.close()                    # from any thread: ends the loop above

The stream has no read timeout (an engine can be quiet for hours); it ends when the engine
closes it, when the connection breaks, or on `close()`. Callers that must notice a silently
dead TCP peer poll the engine on their own (core.containers.watcher re-lists periodically).
"""

from collections.abc import Iterator

import docker

from core.docker.errors import UNREACHABLE
from core.docker.host_calls import engine
from core.hosts.models import DockerHost


class ContainerEvents:
    """One open subscription; iterate it in one thread, close it from any."""

    def __init__(self, stream: docker.types.daemon.CancellableStream):
        self._stream = stream

    def __iter__(self) -> Iterator[dict]:
        try:
            for event in self._stream:
                if isinstance(event, dict):
                    yield event
        except (*UNREACHABLE, ValueError):
            return  # a broken or undecodable stream ends like a closed one

    def close(self) -> None:
        try:
            self._stream.close()
        except (*UNREACHABLE, AttributeError):
            pass  # already closed


def container_events(host: DockerHost) -> ContainerEvents:
    """Subscribe to the container events of `host`'s engine. Raises the normalised API errors
    (EngineUnavailable when the engine cannot be reached)."""
    with engine(host) as client:
        stream = client.api.events(decode=True, filters={"type": "container"})
    return ContainerEvents(stream)
