"""Helpers for stream tests: tokens, an in-process SSE client on the ASGI app, real-server
clients over HTTP."""

import asyncio
import functools
import json
import socket
import time
from datetime import timedelta

from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from core.accounts.principal import Principal, PrincipalKind
from core.accounts.tokens import issue_access_token
from core.stream import transports
from core.stream.app import route_stream
from core.stream.hub import Hub, hub


def principal(org_id: int, user_id: int = 1, role: str = "viewer") -> Principal:
    return Principal(
        kind=PrincipalKind.USER, subject=str(user_id), org_id=org_id, role=role, user_id=user_id
    )


def token_for(org_id: int, user_id: int = 1, lifetime: timedelta | None = None) -> str:
    raw = issue_access_token(principal(org_id, user_id))
    if lifetime is None:
        return raw
    token = AccessToken(raw)
    token.set_exp(lifetime=lifetime)
    return str(token)


def reset_stream_state() -> None:
    Hub.__init__(hub())
    transports._transport_for.cache_clear()


def with_event_loop(test):
    """Run an async test body in a loop whose sync_to_async calls come back to the test's
    thread (and so its database connection); stop the hub's tasks afterwards."""

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        async def main():
            try:
                return await test(*args, **kwargs)
            finally:
                await hub().shutdown()

        reset_stream_state()
        try:
            return async_to_sync(main)()
        finally:
            reset_stream_state()

    return wrapper


async def fallback_app(scope, receive, send):
    raise AssertionError("the stream request fell through to Django")


class SseClient:
    """An `/api/stream` request against the ASGI app, read chunk by chunk."""

    def __init__(self, query: str = "", headers: dict[str, str] | None = None, method="GET"):
        scope = {
            "type": "http",
            "http_version": "1.1",
            "method": method,
            "path": "/api/stream",
            "query_string": query.encode(),
            "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        }
        self.communicator = ApplicationCommunicator(route_stream(fallback_app), scope)
        self.status = None
        self.headers: dict[str, str] = {}
        self.closed = False

    async def open(self, timeout: float = 3) -> "SseClient":
        await self.communicator.send_input({"type": "http.request", "body": b""})
        start = await self.communicator.receive_output(timeout)
        assert start["type"] == "http.response.start"
        self.status = start["status"]
        self.headers = {k.decode(): v.decode() for k, v in start["headers"]}
        return self

    async def chunk(self, timeout: float = 3) -> bytes:
        message = await self.communicator.receive_output(timeout)
        assert message["type"] == "http.response.body"
        if not message.get("more_body", False):
            self.closed = True
        return message["body"]

    async def json_body(self) -> dict:
        return json.loads(await self.chunk())

    async def event(self, timeout: float = 3) -> bytes:
        """The next chunk that is not a keep-alive comment."""
        deadline = time.monotonic() + timeout
        while True:
            chunk = await self.chunk(max(0.01, deadline - time.monotonic()))
            if not chunk.startswith(b":"):
                return chunk

    async def until_closed(self, timeout: float = 3) -> bytes:
        """Read to the end of the response; the last comment before the end (the reason)."""
        deadline = time.monotonic() + timeout
        reason = b""
        while not self.closed:
            chunk = await self.chunk(max(0.01, deadline - time.monotonic()))
            if chunk.startswith(b": "):
                reason = chunk
        return reason

    async def nothing(self, timeout: float = 0.3) -> bool:
        return await self.communicator.receive_nothing(timeout)

    async def leave(self) -> None:
        await self.communicator.send_input({"type": "http.disconnect"})
        await self.communicator.wait(2)


async def settle(seconds: float = 0.1) -> None:
    """Let the hub's tasks run (the listener binds, a datagram arrives)."""
    await asyncio.sleep(seconds)


def parse_event(chunk: bytes) -> dict:
    fields = {}
    for line in chunk.decode().strip("\n").split("\n"):
        name, _, value = line.partition(": ")
        fields[name] = value
    if "data" in fields:
        fields["data"] = json.loads(fields["data"])
    return fields


class HttpSseReader:
    """A real client of a running server's `/api/stream` over a plain socket (HTTP/1.1,
    chunked), reading events with a timeout per read."""

    def __init__(self, port: int, path: str, headers: dict[str, str] | None = None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        head = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}\r\n".encode())
        self.buffer = b""
        status_line, *header_lines = self._until(b"\r\n\r\n").decode().split("\r\n")
        self.status = int(status_line.split()[1])
        self.headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        self.text = b""  # decoded body not yet returned as events

    def _until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("stream closed")
            self.buffer += data
        found, self.buffer = self.buffer.split(marker, 1)
        return found

    def _chunk(self) -> bytes:
        size = int(self._until(b"\r\n").split(b";")[0], 16)
        if size == 0:
            raise EOFError("stream closed")
        while len(self.buffer) < size + 2:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("stream closed")
            self.buffer += data
        chunk, self.buffer = self.buffer[:size], self.buffer[size + 2 :]
        return chunk

    def body(self) -> bytes:
        """The whole body of a short (non-stream) answer."""
        length = int(self.headers.get("content-length", 0))
        while len(self.buffer) < length:
            self.buffer += self.sock.recv(65536)
        return self.buffer[:length]

    def next_event(self, timeout: float = 10) -> dict:
        """The next event that is not a comment; TimeoutError if none comes in time."""
        deadline = time.monotonic() + timeout
        while True:
            while b"\n\n" in self.text:
                block, self.text = self.text.split(b"\n\n", 1)
                if not block.startswith(b":"):
                    return parse_event(block)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no event")
            self.sock.settimeout(remaining)
            self.text += self._chunk()

    def close(self) -> None:
        self.sock.close()
