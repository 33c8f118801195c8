"""Container logs: the last lines, or a bounded follow of new ones.

Logs of a container without a TTY come multiplexed (8-byte frame headers per stream); with a
TTY they are the raw terminal bytes. Both are decoded here into clean lines: Docker's RFC 3339
timestamp first, trailing whitespace trimmed, empty lines dropped.

On an agent host the agent reads its engine: `read_logs` is a shipped call, and a follow reads
the streamed call `containers.logs.follow` (`follow_lines`, run on the agent) instead of the
engine socket.
"""

import queue
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from docker.types.daemon import CancellableStream

from core.docker.host_calls import engine, is_shipped, on_host, stream_on_host
from core.hosts.models import DockerHost

CHUNK = 64 * 1024
FRAME_HEADER = 8
TICK_SECONDS = 1.0  # a shipped follow says "still here" this often, so its agent can stop it
_TIMESTAMP_ONLY = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")


@dataclass(frozen=True)
class LogQuery:
    tail: int = 100
    since: float | None = None  # unix seconds
    stdout: bool = True
    stderr: bool = True

    def params(self, follow: bool) -> dict:
        params = {
            "stdout": int(self.stdout),
            "stderr": int(self.stderr),
            "timestamps": 1,
            "tail": str(self.tail),
            "follow": int(follow),
        }
        if self.since is not None:
            params["since"] = f"{self.since:.9f}"
        return params


def clean_line(line: str) -> str | None:
    """The line without trailing whitespace; None when nothing but a timestamp is left."""
    line = line.rstrip()
    if not line or _TIMESTAMP_ONLY.fullmatch(line):
        return None
    return line


@dataclass
class LogDecoder:
    """Incremental decoder: feed it bytes as they arrive, take complete lines."""

    tty: bool
    _frames: bytearray = field(default_factory=bytearray)
    _partial: dict[int, bytearray] = field(default_factory=dict)

    def feed(self, data: bytes) -> list[str]:
        if self.tty:
            return self._lines(0, data)
        self._frames += data
        lines: list[str] = []
        while len(self._frames) >= FRAME_HEADER:
            size = int.from_bytes(self._frames[4:FRAME_HEADER], "big")
            if len(self._frames) < FRAME_HEADER + size:
                break
            stream = self._frames[0]
            payload = bytes(self._frames[FRAME_HEADER : FRAME_HEADER + size])
            del self._frames[: FRAME_HEADER + size]
            lines += self._lines(stream, payload)
        return lines

    def flush(self) -> list[str]:
        rest = [bytes(buffer) for buffer in self._partial.values() if buffer]
        self._partial.clear()
        return [line for line in (clean_line(b.decode(errors="replace")) for b in rest) if line]

    def _lines(self, stream: int, data: bytes) -> list[str]:
        buffer = self._partial.setdefault(stream, bytearray())
        buffer += data
        *complete, rest = bytes(buffer).split(b"\n")
        buffer[:] = rest
        cleaned = (clean_line(raw.decode(errors="replace")) for raw in complete)
        return [line for line in cleaned if line]


def _open(host: DockerHost, container_id: str, query: LogQuery, follow: bool):
    """(decoder, chunk iterator, response) for the container's log endpoint."""
    with engine(host) as client:
        api = client.api
        tty = bool((api.inspect_container(container_id).get("Config") or {}).get("Tty"))
        response = api._get(
            api._url("/containers/{0}/logs", container_id),
            params=query.params(follow),
            stream=True,
        )
        api._raise_for_status(response)
        if follow:  # new lines may be minutes apart; the follower bounds the stream instead
            api._disable_socket_timeout(api._get_raw_response_socket(response))
    return LogDecoder(tty=tty), response.iter_content(CHUNK), response


@on_host("containers.logs")
def read_logs(host: DockerHost, container_id: str, query: LogQuery) -> list[str]:
    """The last `query.tail` lines, oldest first."""
    decoder, chunks, response = _open(host, container_id, query, follow=False)
    lines: list[str] = []
    with engine(host), response:
        for chunk in chunks:
            lines += decoder.feed(chunk)
    return lines + decoder.flush()


END = object()


class _EngineLines:
    """New lines from this process's engine connection; `close()` shuts its socket down."""

    reason = None

    def __init__(self, host: DockerHost, container_id: str, query: LogQuery):
        decoder, chunks, response = _open(host, container_id, query, follow=True)
        self._decoder = decoder
        self._stream = CancellableStream(chunks, response)

    def __iter__(self) -> Iterator[str]:
        for chunk in self._stream:
            yield from self._decoder.feed(chunk)
        yield from self._decoder.flush()

    def close(self) -> None:
        self._stream.close()


class _ShippedLines:
    """New lines from the agent of the host (`follow_lines` there); `close()` ends its lease."""

    def __init__(self, host, container_id: str, query: LogQuery, max_seconds: float):
        self.reason = None
        self._items = stream_on_host(
            host, "containers.logs.follow", container_id, query, max_seconds
        )
        try:
            next(self._items)  # the agent opened the log (or raised the engine's error)
        except BaseException:
            self._items.close()
            raise

    def __iter__(self) -> Iterator[str]:
        for item in self._items:
            if isinstance(item, dict):
                self.reason = item.get("reason")
            elif item is not None:
                yield item

    def close(self) -> None:
        self._items.close()


class LogFollower:
    """Lines as the container writes them, until it stops, the reader closes it, or
    `max_seconds` pass. One reader thread per follower, ended by closing its source (the engine
    socket, or an agent's stream); the queue is bounded, so a stalled reader cannot grow
    memory."""

    QUEUE_LINES = 1000

    def __init__(
        self,
        host: DockerHost,
        container_id: str,
        query: LogQuery,
        max_seconds: float,
        on_close: Callable[[], None] = lambda: None,
    ):
        if is_shipped(host):
            self._source = _ShippedLines(host, container_id, query, max_seconds)
        else:
            self._source = _EngineLines(host, container_id, query)
        self._lines: queue.Queue = queue.Queue(maxsize=self.QUEUE_LINES)
        self._closed = threading.Event()
        self._close_lock = threading.Lock()
        self._on_close = on_close
        self.deadline = time.monotonic() + max_seconds
        self.reason = "container stopped"
        # Whatever the reader does (or never does), the stream ends at the deadline.
        self._watchdog = threading.Timer(max_seconds, self.close)
        self._watchdog.daemon = True
        self._thread = threading.Thread(target=self._read, name="log-follow", daemon=True)
        self._watchdog.start()
        self._thread.start()

    def _put(self, item) -> bool:
        while not self._closed.is_set():
            try:
                self._lines.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def _read(self) -> None:
        try:
            for line in self._source:
                if not self._put(line):
                    return
            self.reason = self._source.reason or self.reason
        except Exception as exc:  # the socket was shut down under us, or the engine went away
            if not self._closed.is_set():
                self.reason = f"log stream interrupted ({exc.__class__.__name__})"
        finally:
            self._put(END)

    def next_line(self, wait: float) -> str | object | None:
        """The next line, END when the stream is over, or None after `wait` seconds of quiet."""
        if time.monotonic() >= self.deadline:
            self.reason = "time limit reached"
            return END
        try:
            return self._lines.get(timeout=min(wait, max(self.deadline - time.monotonic(), 0)))
        except queue.Empty:
            return None

    def close(self, wait: float = 5.0) -> None:
        """End the stream and free its slot; safe to call more than once, from any thread."""
        with self._close_lock:
            if self._closed.is_set():
                return
            self._closed.set()
        self._watchdog.cancel()
        try:
            self._source.close()  # wakes the reader thread
        finally:
            self._on_close()
        if wait and threading.current_thread() is not self._thread:
            self._thread.join(timeout=wait)

    @property
    def reader_alive(self) -> bool:
        return self._thread.is_alive()


def iter_lines(follower: LogFollower, wait: float) -> Iterator[str | None]:
    """Lines, with None for each `wait` seconds of quiet (heartbeats); ends with the stream."""
    while True:
        item = follower.next_line(wait)
        if item is END:
            return
        yield item


@on_host("containers.logs.follow")
def follow_lines(
    host: DockerHost, container_id: str, query: LogQuery, max_seconds: float
) -> Iterator[str | dict | None]:
    """The streamed call `containers.logs.follow` (run where the engine is): None once the log
    is open and after each quiet second, the lines, and last `{"reason": ...}` (why it ended)."""
    follower = LogFollower(host, container_id, query, max_seconds)
    try:
        yield None
        yield from iter_lines(follower, TICK_SECONDS)
        yield {"reason": follower.reason}
    finally:
        follower.close()
