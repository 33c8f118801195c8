"""`GET /api/containers/<id>/logs?follow=true`: new log lines as Server-Sent Events.

Each line is one `data:` event; quiet periods send a comment as a heartbeat (which is also how a
departed client is noticed under WSGI); the stream closes with an `end` event when the container
stops or the time limit passes. Open streams per process are capped.
"""

import asyncio
import json
import threading
import time

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse
from rest_framework.exceptions import Throttled

from core.docker.logs import END, LogFollower, LogQuery
from core.hosts.models import DockerHost

HEARTBEAT_SECONDS = 15.0
ASYNC_POLL_SECONDS = 0.1
_slots_lock = threading.Lock()
_open_streams = 0


class TooManyStreams(Throttled):
    default_detail = "Too many log streams open; try again later"

    def __init__(self):
        super().__init__(wait=None, detail=self.default_detail)


def _take_slot() -> None:
    global _open_streams
    with _slots_lock:
        if _open_streams >= settings.LOG_FOLLOW_MAX_STREAMS:
            raise TooManyStreams()
        _open_streams += 1


def _free_slot() -> None:
    global _open_streams
    with _slots_lock:
        _open_streams = max(_open_streams - 1, 0)


def open_streams() -> int:
    return _open_streams


def _event(line: str) -> bytes:
    return f"data: {line}\n\n".encode()


def _end(follower: LogFollower) -> bytes:
    return f"event: end\ndata: {json.dumps({'reason': follower.reason})}\n\n".encode()


HEARTBEAT = b": keep-alive\n\n"


class _SyncEvents:
    """For WSGI servers and the test client: blocks a thread while waiting, as WSGI does."""

    def __init__(self, follower: LogFollower):
        self.follower = follower

    def __iter__(self):
        try:
            while True:
                item = self.follower.next_line(HEARTBEAT_SECONDS)
                if item is END:
                    yield _end(self.follower)
                    return
                yield HEARTBEAT if item is None else _event(item)
        finally:
            self.close()

    def close(self) -> None:
        self.follower.close()


class _AsyncEvents(_SyncEvents):
    """For daphne: polls the follower's queue without holding a thread; a client disconnect
    cancels this generator and its `finally` closes the engine stream."""

    def __iter__(self):
        raise TypeError("asynchronous stream")  # makes Django pick __aiter__

    async def __aiter__(self):
        quiet_since = time.monotonic()
        try:
            while True:
                item = self.follower.next_line(0)
                if item is END:
                    yield _end(self.follower)
                    return
                if item is not None:
                    quiet_since = time.monotonic()
                    yield _event(item)
                    continue
                if time.monotonic() - quiet_since >= HEARTBEAT_SECONDS:
                    quiet_since = time.monotonic()
                    yield HEARTBEAT
                await asyncio.sleep(ASYNC_POLL_SECONDS)
        finally:
            self.follower.close(wait=0)


def follow_response(request, host: DockerHost, container_id: str, query: LogQuery):
    """A streaming response of the container's log lines; engine errors (unknown container,
    engine down) are raised before anything is sent, so they keep their JSON answers."""
    _take_slot()
    try:
        follower = LogFollower(
            host, container_id, query, settings.LOG_FOLLOW_MAX_SECONDS, on_close=_free_slot
        )
    except BaseException:
        _free_slot()
        raise
    is_async = isinstance(getattr(request, "_request", request), ASGIRequest)
    events = (_AsyncEvents if is_async else _SyncEvents)(follower)
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
