"""The agent's side of a streamed host call (task `core.agents.stream` on `host.<id>.streams`,
run by the agent's stream worker: a thread pool, so every function here may run in several
threads at once and keeps its state in its own call). Protocol and keys:
core.agents.stream_protocol.

The call's iterator runs in a thread of its own, so however long it blocks, the task keeps
checking its reader's lease every second (and says `alive` when there is nothing new). When the
lease lapses (or the worker begins a warm shutdown: the reader hears that the agent is
stopping) the thread is told to stop: it closes the iterator at its next item or tick (a
streamed function ticks with None while it waits), which releases what it holds (for a log
follow, the engine connection).

A stream runs at most once per idempotency key: the first delivery claims the key with this
agent's BOOT_ID; a redelivery to the same running agent (the broker's visibility timeout is
shorter than a long follow) does nothing, and one to a restarted agent does not act again but
ends the stream with "interrupted", as a plain action does.
"""

import logging
import queue
import threading
import time
from collections.abc import Iterator

from rest_framework.exceptions import APIException

from core.agents import stream_protocol as protocol
from core.agents.calls import error_outcome, interrupted, local_host, refuse_own_container
from core.agents.local import BOOT_ID, SHUTTING_DOWN
from core.agents.wire import UnshippableValue, decode_call
from core.docker.host_calls import CALLS

log = logging.getLogger(__name__)

BUFFER_ITEMS = 1000  # items between the iterator and Redis
MAX_UNREAD = 5000  # items waiting in Redis for a slow reader before the stream waits for it
JOIN_SECONDS = 5.0
NOT_JSON = "The agent failed the call (an item that is not JSON)"


class _Channel:
    """This stream's list and lease in the broker's Redis."""

    def __init__(self, key: str):
        self.key = key
        self.redis = protocol.broker_redis()
        self.last_sent = time.monotonic()

    def send(self, kind: str, **fields) -> None:
        name = protocol.list_key(self.key)
        with self.redis.pipeline() as pipe:
            pipe.rpush(name, protocol.message(kind, **fields))
            pipe.expire(name, protocol.LIST_TTL)
            pipe.execute()
        self.last_sent = time.monotonic()

    def end_with(self, outcome: dict) -> None:
        self.send(protocol.ERROR, outcome=outcome)

    def reader_present(self) -> bool:
        return bool(self.redis.exists(protocol.lease_key(self.key)))

    def backlog(self) -> int:
        return int(self.redis.llen(protocol.list_key(self.key)))


def _produce(items: Iterator, buffer: queue.Queue, stop: threading.Event) -> None:
    """Runs in its own thread: the iterator's items into `buffer`, then one terminal entry."""

    def put(entry) -> bool:
        while not stop.is_set():
            try:
                buffer.put(entry, timeout=protocol.TICK)
                return True
            except queue.Full:
                continue
        return False

    try:
        for item in items:
            if stop.is_set() or not put((protocol.ITEM, item)):
                return
        put((protocol.END, None))
    except APIException as exc:
        put((protocol.ERROR, error_outcome(exc.status_code, str(exc.detail), type(exc).__name__)))
    except Exception as exc:
        log.warning("streamed call failed", exc_info=True)
        kind = exc.__class__.__name__
        put((protocol.ERROR, error_outcome(502, f"The agent failed the call ({kind})", kind)))
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()


def reader_gone() -> dict:
    return error_outcome(
        504,
        f"The stream was stopped: its reader did not renew its lease within "
        f"{protocol.LEASE_SECONDS} s",
        "ReaderGone",
    )


def agent_stopping(host_name: str) -> dict:
    return error_outcome(
        503,
        f"The agent of host {host_name} is stopping; open the stream again once it is back",
        "AgentStopping",
    )


def pump(channel: _Channel, items: Iterator, host_name: str) -> str:
    """Relay `items` to the reader until they end, the reader goes away or the worker stops;
    how it ended."""
    buffer: queue.Queue = queue.Queue(maxsize=BUFFER_ITEMS)
    stop = threading.Event()
    producer = threading.Thread(
        target=_produce, args=(items, buffer, stop), name="agent-stream", daemon=True
    )
    producer.start()
    checked = 0.0
    try:
        while True:
            if SHUTTING_DOWN.is_set():
                channel.end_with(agent_stopping(host_name))
                return "agent stopping"
            if time.monotonic() - checked >= protocol.TICK:  # the lease, once a second
                if not channel.reader_present():
                    channel.end_with(reader_gone())  # read only by a reader that was just slow
                    return "reader gone"
                checked = time.monotonic()
                if channel.backlog() >= MAX_UNREAD:
                    time.sleep(protocol.TICK)  # a slow reader: let it catch up
                    continue
            try:
                kind, value = buffer.get(timeout=protocol.TICK)
            except queue.Empty:
                if time.monotonic() - channel.last_sent >= protocol.TICK:
                    channel.send(protocol.ALIVE)
                continue
            if kind == protocol.ITEM:
                try:
                    channel.send(protocol.ITEM, v=value)
                except (TypeError, ValueError):  # not JSON: a bug of the streamed function
                    log.warning("stream %s yielded a %s", channel.key, type(value).__name__)
                    channel.end_with(error_outcome(502, NOT_JSON, "NotJSON"))
                    return "error"
            elif kind == protocol.END:
                channel.send(protocol.END)
                return "end"
            else:
                channel.end_with(value)
                return "error"
    finally:
        stop.set()
        producer.join(timeout=JOIN_SECONDS)


def _start(request: dict, channel: _Channel) -> Iterator | None:
    """The call's iterator, or None after answering why it cannot run."""
    call = request.get("call")
    if call not in CALLS or not CALLS[call].streaming:
        channel.end_with(error_outcome(400, "Unknown host call", "UnknownCall"))
        return None
    host = local_host(str(request.get("hostName") or "agent"))
    try:
        args, kwargs = decode_call(request.get("args"), request.get("kwargs"))
        refuse_own_container(host, call, args)
        return iter(CALLS[call].function()(host, *args, **kwargs))
    except UnshippableValue as exc:
        channel.end_with(error_outcome(400, str(exc), "UnshippableValue"))
    except APIException as exc:
        channel.end_with(error_outcome(exc.status_code, str(exc.detail), type(exc).__name__))
    return None


def execute(request: dict) -> str:
    """Run one streamed call for its reader; returns how it ended (logged and tested)."""
    key = str(request.get("key") or "")
    channel = _Channel(key)
    host_name = str(request.get("hostName") or "agent")
    if not channel.redis.set(protocol.claim_key(key), BOOT_ID, nx=True, ex=protocol.CLAIM_TTL):
        if (channel.redis.get(protocol.claim_key(key)) or b"").decode() == BOOT_ID:
            return "already running"  # redelivered while this agent still runs it
        log.warning("stream %s was interrupted by an agent restart: not repeated", key)
        channel.end_with(interrupted(host_name))
        return "interrupted"
    if not channel.reader_present() or time.time() > float(request.get("deadline") or 0):
        return "reader gone"  # the caller stopped waiting before it started: never started
    items = _start(request, channel)
    if items is None:
        return "error"
    ended = pump(channel, items, host_name)
    if ended == "reader gone":
        log.info("stream %s (%s) stopped: its reader went away", key, request.get("call"))
    elif ended == "agent stopping":
        log.info("stream %s (%s) stopped: the agent is stopping", key, request.get("call"))
    return ended
