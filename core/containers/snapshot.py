"""What `GET /api/containers` and `/api/overview` read: a host's current container listing,
without an engine call per request.

    snapshot = current(host)          # ContainerSnapshot: .containers, .body, .etag
    mark_stale(host)                  # after this process changed something on the engine

Hosts this process can reach are served by their watcher (core.containers.watcher): fresh from
the engine's event stream, a change visible to the next read within ~50 ms of its event. While
the watcher is not subscribed (starting, engine down) a read lists directly, exactly as the
list view always did (so an unreachable engine is still a 503 with the host's name), and offers
the listing to the watcher. Agent hosts are listed through core.docker on every read.
"""

import time

from core.containers.rendering import ContainerSnapshot
from core.containers.watcher import Registry, watchable
from core.docker import containers
from core.hosts.models import DockerHost

# How long a read waits for a listing under way before listing by itself.
READ_WAIT_SECONDS = 2.0

watchers = Registry(lister=containers.list_containers)


def current(host: DockerHost) -> ContainerSnapshot:
    """The host's containers as the list view shows them. Raises the engine's API errors."""
    if not watchable(host):
        return ContainerSnapshot.of(containers.list_containers(host), time.monotonic())
    watcher = watchers.watcher_for(host)
    snapshot = watcher.read(READ_WAIT_SECONDS)
    if snapshot is not None:
        return snapshot
    started = time.monotonic()
    snapshot = ContainerSnapshot.of(containers.list_containers(host), started)
    watcher.offer(snapshot)
    return snapshot


def watched(host: DockerHost) -> ContainerSnapshot | None:
    """The watcher's fresh snapshot (waiting for a listing under way); None when the host has
    no watcher or it is not subscribed. Never lists by itself."""
    if not watchable(host):
        return None
    return watchers.watcher_for(host).read(READ_WAIT_SECONDS)


async def apeek(host: DockerHost) -> ContainerSnapshot | None:
    """For the event loop: the watcher's fresh snapshot, awaiting (without a thread) a listing
    under way; None when the host has no subscribed watcher. Never lists by itself."""
    if not watchable(host):
        return None
    return await watchers.watcher_for(host).aread(READ_WAIT_SECONDS)


def mark_stale(host: DockerHost) -> None:
    watcher = watchers.existing(host)
    if watcher is not None:
        watcher.mark_stale()
