"""The open streams of this web process and the fan-out to them.

One hub per process, on daphne's event loop. It owns a handful of background tasks, started
with the first stream: the transport listener (published events), the dispatcher (delivers
them in order), the snapshot tick (`metrics` + `containers` per host every 15 s), the
keep-alive tick (a comment every 30 s) and the access re-check. Nothing runs per stream except
the ASGI coroutine daphne already holds and a small task waiting for the client to leave, so an
open stream costs memory, not a thread or a timer loop.

An event is framed once and the same bytes are handed to every stream of its organisation.
"""

import asyncio
import logging
import time
from dataclasses import dataclass, field

from asgiref.sync import sync_to_async
from django.conf import settings

from core.accounts.principal import Principal
from core.stream import access, framing
from core.stream.messages import REVOKE, Message
from core.stream.snapshot_events import render_org_snapshots
from core.stream.transports import transport

log = logging.getLogger(__name__)

REASON_DISCONNECT = "disconnect"
REASON_EXPIRED = "Token expired"
REASON_REVOKED = "Access revoked"
REASON_SHUTDOWN = "Server shutting down"


@dataclass(eq=False, slots=True)
class Stream:
    org_id: int
    principal: Principal
    send: object  # the ASGI send callable
    ended: asyncio.Future
    # Events held back while a replay is being written; None once live.
    pending: list[tuple[int | None, dict]] | None = field(default_factory=list)
    expiry: asyncio.TimerHandle | None = None

    def end(self, reason: str) -> None:
        if not self.ended.done():
            self.ended.set_result(reason)


def body(chunk: bytes) -> dict:
    return {"type": "http.response.body", "body": chunk, "more_body": True}


class Hub:
    def __init__(self):
        self.by_org: dict[int, set[Stream]] = {}
        self.count = 0
        self.latest_snapshots: dict[int, list[bytes]] = {}  # org id -> framed events of last tick
        self._queue: asyncio.Queue[Message] | None = None
        self._tasks: list[asyncio.Task] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- life cycle ---
    def ensure_started(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is loop and all(not task.done() for task in self._tasks):
            return
        self._stop_tasks()
        self._loop = loop
        self._queue = asyncio.Queue()
        self._tasks = [
            loop.create_task(transport().listen(self._queue.put_nowait), name="stream-listen"),
            loop.create_task(self._dispatch(), name="stream-dispatch"),
            loop.create_task(self._every(settings.SSE_SNAPSHOT_SECONDS, self._snapshot_tick)),
            loop.create_task(
                self._every(settings.SSE_KEEPALIVE_SECONDS, self._keepalive_tick, first=False)
            ),
            loop.create_task(
                self._every(settings.SSE_ACCESS_RECHECK_SECONDS, self._access_tick, first=False)
            ),
        ]
        for task in self._tasks:
            task.add_done_callback(_log_crash)

    def _stop_tasks(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks = []

    async def shutdown(self) -> None:
        """Close every stream and stop the background tasks (tests, server shutdown)."""
        self.close_all()
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._loop = None

    def close_all(self, reason: str = REASON_SHUTDOWN) -> None:
        for streams in list(self.by_org.values()):
            for stream in list(streams):
                stream.end(reason)

    # --- streams ---
    def add(self, stream: Stream) -> None:
        self.by_org.setdefault(stream.org_id, set()).add(stream)
        self.count += 1

    def remove(self, stream: Stream) -> None:
        streams = self.by_org.get(stream.org_id)
        if streams is None or stream not in streams:
            return
        streams.discard(stream)
        self.count -= 1
        if not streams:
            del self.by_org[stream.org_id]
            self.latest_snapshots.pop(stream.org_id, None)
        if stream.expiry is not None:
            stream.expiry.cancel()

    async def go_live(self, stream: Stream, replayed_up_to: int | None) -> None:
        """Write what arrived while the replay was written (skipping what it already had)."""
        while stream.pending:
            held, stream.pending = stream.pending, []
            for event_id, message in held:
                if event_id is None or replayed_up_to is None or event_id > replayed_up_to:
                    await stream.send(message)
        stream.pending = None

    # --- fan-out ---
    async def fan_out(self, streams, message: dict, event_id: int | None = None) -> None:
        for stream in list(streams):
            if stream.pending is not None:
                stream.pending.append((event_id, message))
                continue
            try:
                await stream.send(message)
            except Exception:  # the connection is gone; its own coroutine cleans up
                stream.end(REASON_DISCONNECT)

    async def _dispatch(self) -> None:
        while True:
            message = await self._queue.get()
            try:
                await self._handle(message)
            except Exception:
                log.exception("stream event %s not delivered", message.event)

    async def _handle(self, message: Message) -> None:
        if message.event == REVOKE:
            self._revoke(message)
            return
        streams = self.by_org.get(message.org_id)
        if not streams:
            return
        chunk = framing.event(message.event, message.data_json, message.event_id)
        await self.fan_out(streams, body(chunk), message.event_id)

    def _revoke(self, message: Message) -> None:
        subject = access.revoked_subject(message.data_json)
        orgs = (
            self.by_org.values()
            if message.org_id is None
            else [self.by_org.get(message.org_id, ())]
        )
        for streams in orgs:
            for stream in list(streams):
                if stream.principal.subject == subject:
                    stream.end(REASON_REVOKED)

    # --- ticks ---
    async def _every(self, seconds: float, tick, first: bool = True) -> None:
        if not first:
            await asyncio.sleep(seconds)
        while True:
            started = time.monotonic()
            if self.count:
                try:
                    await tick()
                except Exception:
                    log.exception("stream tick %s failed", tick.__name__)
            await asyncio.sleep(max(0.0, seconds - (time.monotonic() - started)))

    async def _snapshot_tick(self) -> None:
        rendered = await _in_pool(render_org_snapshots)(list(self.by_org))
        self.latest_snapshots = rendered
        for org_id, chunks in rendered.items():
            for chunk in chunks:
                streams = self.by_org.get(org_id)
                if streams:
                    await self.fan_out(streams, body(chunk))

    async def _keepalive_tick(self) -> None:
        message = body(framing.COMMENT)
        for streams in list(self.by_org.values()):
            await self.fan_out(streams, message)

    async def _access_tick(self) -> None:
        principals = {s.principal for streams in self.by_org.values() for s in streams}
        lost = await _in_pool(access.without_access)(principals)
        if not lost:
            return
        for streams in list(self.by_org.values()):
            for stream in list(streams):
                if stream.principal in lost:
                    stream.end(REASON_REVOKED)


def _in_pool(function):
    """Run the ticks' database reads on a pool thread with its own connection (which they
    tidy with close_old_connections), not on the one thread daphne shares with every sync
    view, and never on a connection someone else holds a transaction on."""
    return sync_to_async(function, thread_sensitive=False)


def _log_crash(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("stream task %s stopped", task.get_name(), exc_info=task.exception())


_hub = Hub()


def hub() -> Hub:
    return _hub
