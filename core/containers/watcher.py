"""Per-process watchers that keep each engine's container list fresh from its event stream.

Why in the web process (and not a worker writing to the shared cache): a listing of 100
containers with sizes takes ~10 ms on the engine, so one event stream and one re-list per
burst of events per web process is cheap, while a shared cache costs every request a round
trip and a 50 KB decode, and a worker-side watcher would make the web depend on a worker
being up. Several web processes each keep their own watcher; none of them coordinates.

A watcher is started lazily by the first read of a host in a process and has two daemon
threads:
- `events`: subscribes to the engine's container events and notes the time of every event
  that can change a ContainerSummary (exec/attach noise from health checks is ignored). A
  broken stream makes the watcher cold until it subscribes again (backoff up to 30 s).
- `refresh`: lists whenever the latest listing began before the latest change (waiting
  DEBOUNCE_SECONDS first, so a burst costs one listing), and every RESYNC_SECONDS anyway,
  because the engine's status text ("Up 5 seconds") ages without events and a silently dead
  TCP peer sends nothing. A failed listing closes the stream (cold until it resubscribes).

A snapshot is fresh when its listing began after the subscription and after the latest change
seen, including a write this process made (`mark_stale`), so a read that follows an action
through this API shows its effect. Readers of a fresh snapshot never wait; when a change is
being listed they wait for that listing (`read` in a thread, `aread` on the event loop);
when the watcher is not subscribed they get None and list directly. A watcher nobody read for
IDLE_SECONDS stops; at most MAX_WATCHERS run (least recently read goes first). Keys are
(host id, engine address): hosts never share a watcher, so per-host credentials can never
serve another host's data.
"""

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable

from core.containers.rendering import ContainerSnapshot
from core.docker.errors import DockerAPIError
from core.docker.events import ContainerEvents, container_events
from core.hosts.models import DockerHost, HostKind

log = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 0.02
RESYNC_SECONDS = 10.0
IDLE_SECONDS = 300.0
MAX_WATCHERS = 32
MAX_BACKOFF_SECONDS = 30.0
# Actions that never change what the list shows (health checks run execs every few seconds).
IGNORED_ACTIONS = ("exec_", "attach", "detach", "resize", "top", "export", "copy", "archive")

Lister = Callable[[DockerHost], list[dict]]


def watchable(host: DockerHost) -> bool:
    """Hosts whose engine this process can reach itself (agent hosts answer through Celery)."""
    return bool(host.base_url) and host.kind != HostKind.AGENT


def _relevant(event: dict) -> bool:
    action = event.get("Action") or event.get("status") or ""
    return not action.startswith(IGNORED_ACTIONS)


def _resolve(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)


class EngineWatcher:
    def __init__(self, host: DockerHost, lister: Lister):
        self.host = host
        self._list = lister
        self._cond = threading.Condition()
        self._snapshot: ContainerSnapshot | None = None
        self._subscription: ContainerEvents | None = None
        self._subscribed_at = 0.0  # monotonic; a listing that began before it may miss events
        self._changed_at = 0.0  # the last relevant event, or a write of this process
        self._stopped = threading.Event()
        self._async_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future]] = []
        self.last_read = time.monotonic()
        self._threads = [
            threading.Thread(target=self._events_loop, daemon=True, name=f"watch-events-{host.pk}"),
            threading.Thread(target=self._refresh_loop, daemon=True, name=f"watch-list-{host.pk}"),
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    # --- readers ---------------------------------------------------------------------------

    def _fresh(self) -> ContainerSnapshot | None:
        """The snapshot if its listing began after the subscription and after every change
        seen since (no lock: each field is read once, and a stale read only means a wait)."""
        snapshot = self._snapshot
        if (
            snapshot is None
            or self._subscription is None
            or snapshot.started < self._subscribed_at
            or snapshot.started <= self._changed_at
        ):
            return None
        return snapshot

    def read(self, timeout: float) -> ContainerSnapshot | None:
        """A snapshot that reflects every change seen so far, waiting up to `timeout` for a
        listing under way; None when the watcher is not subscribed (the caller lists)."""
        self.last_read = time.monotonic()
        snapshot = self._fresh()
        if snapshot is not None:
            return snapshot
        deadline = self.last_read + timeout
        with self._cond:
            while (snapshot := self._fresh()) is None:
                left = deadline - time.monotonic()
                if left <= 0 or self._subscription is None or self._stopped.is_set():
                    return None
                self._cond.wait(left)
        return snapshot

    async def aread(self, timeout: float) -> ContainerSnapshot | None:
        """`read()` for the event loop: waits without a thread (the refresh thread wakes it)."""
        self.last_read = time.monotonic()
        deadline = self.last_read + timeout
        while (snapshot := self._fresh()) is None:
            left = deadline - time.monotonic()
            if left <= 0 or self._subscription is None or self._stopped.is_set():
                return None
            loop = asyncio.get_running_loop()
            waiter = (loop, loop.create_future())
            with self._cond:
                if self._fresh() is not None:
                    continue
                self._async_waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter[1], left)
            except TimeoutError:
                return None
            finally:
                with self._cond:
                    if waiter in self._async_waiters:
                        self._async_waiters.remove(waiter)
        return snapshot

    def _wake(self) -> None:
        """Called under the lock whenever freshness may have changed."""
        self._cond.notify_all()
        waiters, self._async_waiters = self._async_waiters, []
        for loop, future in waiters:
            loop.call_soon_threadsafe(_resolve, future)

    def offer(self, snapshot: ContainerSnapshot) -> None:
        """A listing made elsewhere (a reader's direct list): kept if it is the newest."""
        with self._cond:
            self._keep(snapshot)

    def mark_stale(self) -> None:
        """This process changed something on the engine: the next read must see a listing
        that began after now (the engine's event may still be on its way)."""
        self._changed(time.monotonic())

    def stop(self) -> None:
        self._stopped.set()
        with self._cond:
            subscription = self._subscription
            self._wake()
        if subscription is not None:
            subscription.close()

    def join(self, timeout: float) -> None:
        for thread in self._threads:
            thread.join(timeout)

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    # --- threads ---------------------------------------------------------------------------

    def _changed(self, at: float) -> None:
        with self._cond:
            self._changed_at = max(self._changed_at, at)
            self._wake()

    def _keep(self, snapshot: ContainerSnapshot) -> None:
        current = self._snapshot
        if current is None or snapshot.started > current.started:
            if current is not None and current.body == snapshot.body:
                snapshot = current.restarted(snapshot.started)
            self._snapshot = snapshot
            self._wake()

    def _events_loop(self) -> None:
        backoff = 0.5
        while not self._stopped.is_set():
            try:
                subscription = container_events(self.host)
            except DockerAPIError as exc:
                log.info("host %s: event stream unavailable: %s", self.host.pk, exc.detail)
                self._stopped.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                continue
            backoff = 0.5
            with self._cond:
                if self._stopped.is_set():
                    subscription.close()
                    return
                self._subscription = subscription
                self._subscribed_at = time.monotonic()
                self._wake()
            for event in subscription:
                if _relevant(event):
                    self._changed(time.monotonic())
            with self._cond:
                self._subscription = None
                self._wake()
            subscription.close()
            if not self._stopped.is_set():
                log.info("host %s: event stream ended; resubscribing", self.host.pk)
                self._stopped.wait(backoff)

    def _due(self) -> bool:
        """Called under the lock: whether a listing is wanted now."""
        if self._subscription is None:
            return False  # nothing a listing now could make fresh
        started = self._snapshot.started if self._snapshot is not None else 0.0
        return (
            started < self._subscribed_at
            or started <= self._changed_at
            or time.monotonic() - started >= RESYNC_SECONDS
        )

    def _refresh_loop(self) -> None:
        while not self._stopped.is_set():
            with self._cond:
                while not self._stopped.is_set() and not self._due():
                    if time.monotonic() - self.last_read > IDLE_SECONDS:
                        break
                    self._cond.wait(1.0 if self._subscription is None else 0.25)
                idle = time.monotonic() - self.last_read > IDLE_SECONDS
            if idle:
                log.info("host %s: nobody reads its containers; watcher stops", self.host.pk)
                self.stop()
            if self._stopped.is_set():
                return
            self._stopped.wait(DEBOUNCE_SECONDS)  # one listing for a burst of events
            self._refresh()

    def _refresh(self) -> None:
        started = time.monotonic()
        try:
            containers = self._list(self.host)
        except DockerAPIError as exc:
            log.info("host %s: listing failed: %s", self.host.pk, exc.detail)
            with self._cond:
                subscription = self._subscription
            if subscription is not None:
                subscription.close()  # cold until it subscribes and lists again
            self._stopped.wait(1.0)
            return
        snapshot = ContainerSnapshot.of(containers, started)
        with self._cond:
            self._keep(snapshot)


class Registry:
    """The watchers of this process, by host and how its engine is reached (address and TLS
    identity): a host whose address or identity changed gets a new watcher, and the old one
    stops."""

    def __init__(self, lister: Lister):
        self._lister = lister
        self._lock = threading.Lock()
        self._watchers: dict[tuple[int, str, str], EngineWatcher] = {}
        self._pid = os.getpid()

    @staticmethod
    def _key(host: DockerHost) -> tuple[int, str, str]:
        return (host.pk, host.base_url, host.tls_material or "")

    def watcher_for(self, host: DockerHost) -> EngineWatcher:
        key = self._key(host)
        watcher = self._watchers.get(key)
        if watcher is not None and not watcher.stopped and self._pid == os.getpid():
            return watcher
        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's threads are not here
                self._watchers, self._pid = {}, os.getpid()
            watcher = self._watchers.get(key)
            if watcher is None or watcher.stopped:
                self._evict_idle()
                self._evict_host(host.pk)
                watcher = EngineWatcher(host, self._lister)
                self._watchers[key] = watcher
                watcher.start()
        return watcher

    def _evict_idle(self) -> None:
        now = time.monotonic()
        for key, watcher in list(self._watchers.items()):
            if watcher.stopped or now - watcher.last_read > IDLE_SECONDS:
                watcher.stop()
                del self._watchers[key]
        while len(self._watchers) >= MAX_WATCHERS:
            key = min(self._watchers, key=lambda k: self._watchers[k].last_read)
            self._watchers.pop(key).stop()

    def _evict_host(self, host_id: int) -> None:
        """A host's watchers reaching its engine in a way it no longer has."""
        for key in [key for key in self._watchers if key[0] == host_id]:
            self._watchers.pop(key).stop()

    def existing(self, host: DockerHost) -> EngineWatcher | None:
        return self._watchers.get(self._key(host))

    def stop_all(self, timeout: float = 5.0) -> None:
        with self._lock:
            watchers = list(self._watchers.values())
            self._watchers.clear()
        for watcher in watchers:
            watcher.stop()
        for watcher in watchers:
            watcher.join(timeout)
