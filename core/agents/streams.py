"""A streamed host call on an agent host (the caller's side; core.agents.streamed_calls is the
agent's). Protocol and keys: core.agents.stream_protocol.

`open_stream` takes a lease, ships the call as the task `core.agents.stream` on the host's
stream queue `host.<id>.streams` (the agent's stream worker) and returns a HostStream:
iterating it pops the agent's messages (BLPOP, a second at a time, renewing the lease) and
yields the items; an error message raises the same API error a local host would have raised. An
offline host answers 504 at once; an agent that stays silent (not even its once-a-second
`alive`) for longer than the call's wait, then SILENCE_SECONDS, raises 504 too. `close()` (any
thread) drops the lease: the agent stops within about a second.
"""

import json
import threading
import time

from celery import current_app

from core.agents import stream_protocol as protocol
from core.agents.errors import HostDidNotAnswer
from core.agents.queues import host_stream_queue
from core.agents.rpc import call_request, unpack
from core.hosts.models import DockerHost

STREAM_TASK = "core.agents.stream"
SILENCE_SECONDS = 15.0  # the agent says `alive` every second; this much silence is an outage
POP_SECONDS = 1.0  # how often a blocked reader looks at its lease and at close()


class HostStream:
    """The items of one streamed call on an agent host, in order."""

    def __init__(self, host: DockerHost, key: str, start_wait: float):
        self.host, self.key = host, key
        self._redis = protocol.broker_redis()
        self._start_wait = start_wait
        self._started = False
        self._last_heard = self._renewed = time.monotonic()
        self._closed = threading.Event()

    def __iter__(self):
        return self

    def __next__(self):
        while not self._closed.is_set():
            self._renew_lease()
            popped = self._redis.blpop([protocol.list_key(self.key)], timeout=POP_SECONDS)
            if popped is None:
                self._check_silence()
                continue
            self._last_heard, self._started = time.monotonic(), True
            received = json.loads(popped[1])
            kind = received.get("t")
            if kind == protocol.ITEM:
                return received.get("v")
            if kind == protocol.ALIVE:
                continue
            self.close()
            if kind == protocol.ERROR:
                unpack(self.host, received.get("outcome") or {})  # raises
            break
        raise StopIteration

    def _renew_lease(self) -> None:
        now = time.monotonic()
        if now - self._renewed >= protocol.LEASE_SECONDS / 3:
            self._redis.expire(protocol.lease_key(self.key), protocol.LEASE_SECONDS)
            self._renewed = now

    def _check_silence(self) -> None:
        allowed = SILENCE_SECONDS if self._started else self._start_wait
        if time.monotonic() - self._last_heard > allowed:
            self.close()
            raise HostDidNotAnswer(self.host.name, allowed)

    def close(self) -> None:
        """Stop reading; the agent notices the lapsed lease and stops the stream."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._redis.delete(protocol.lease_key(self.key))

    @property
    def closed(self) -> bool:
        return self._closed.is_set()


def open_stream(host: DockerHost, call: str, args: tuple, kwargs: dict, spec) -> HostStream:
    request, wait = call_request(host, call, args, kwargs, spec)
    key = request["key"]
    protocol.broker_redis().set(protocol.lease_key(key), "1", ex=protocol.LEASE_SECONDS)
    current_app.send_task(
        STREAM_TASK, args=[request], queue=host_stream_queue(host.pk), task_id=key
    )
    return HostStream(host, key, wait)
