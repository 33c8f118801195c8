"""`GET /api/stream` as a raw ASGI application, routed ahead of Django (cockpit/asgi.py).

No Django middleware and no thread: the coroutine daphne runs per connection waits on one
future until the client leaves, its token expires or its access is revoked. It answers the
headers Django's middleware would have added to this response (request id, CORS, nosniff).
"""

import asyncio
import json
import logging
import time

from django.conf import settings

from core.http import request_id
from core.stream import framing
from core.stream.auth import StreamRefused, authenticate, header, query_params
from core.stream.hub import REASON_DISCONNECT, REASON_EXPIRED, Stream, body, hub
from core.stream.transports import transport

log = logging.getLogger(__name__)

PATH = "/api/stream"
TOO_MANY = "Too many SSE connections"


def common_headers(scope, rid: str) -> list[tuple[bytes, bytes]]:
    headers = [(b"x-request-id", rid.encode()), (b"x-content-type-options", b"nosniff")]
    if settings.CORS_ALLOW_ALL_ORIGINS:
        headers.append((b"access-control-allow-origin", b"*"))
    else:
        origin = header(scope, b"origin")
        if origin and origin in settings.CORS_ALLOWED_ORIGINS:
            headers += [
                (b"access-control-allow-origin", origin.encode()),
                (b"access-control-allow-credentials", b"true"),
                (b"vary", b"origin"),
            ]
    return headers


async def json_error(send, status: int, message: str, headers) -> None:
    payload = json.dumps({"error": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def last_event_id(scope) -> int | None:
    """`Last-Event-ID` (EventSource's reconnect), or `?lastEventId=` for a client that opens a
    new EventSource with a fresh ticket and so cannot set the header."""
    raw = header(scope, b"last-event-id") or query_params(scope).get("lastEventId")
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


async def _wait_for_disconnect(receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def stream_app(scope, receive, send) -> None:
    rid = request_id.accept_or_generate(header(scope, request_id.HEADER.lower().encode()))
    headers = common_headers(scope, rid)
    if scope["method"] != "GET":
        await json_error(send, 405, "Method not allowed", [(b"allow", b"GET"), *headers])
        return
    try:
        identity = await authenticate(scope)
    except StreamRefused as refused:
        await json_error(send, refused.status, refused.message, headers)
        return
    except Exception:  # e.g. the cache holding tickets is down: still the JSON contract
        log.exception("stream authentication failed")
        await json_error(send, 500, "Internal server error", headers)
        return
    streams = hub()
    if streams.count >= settings.MAX_SSE_CLIENTS:
        await json_error(send, 503, TOO_MANY, headers)
        return
    streams.ensure_started()
    loop = asyncio.get_running_loop()
    stream = Stream(
        org_id=identity.principal.org_id,
        principal=identity.principal,
        send=send,
        ended=loop.create_future(),
    )
    stream.expiry = loop.call_at(
        loop.time() + max(0.0, identity.expires_at - time.time()), stream.end, REASON_EXPIRED
    )
    streams.add(stream)  # from here on live events are held in stream.pending
    leaving = None
    try:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*framing.HEADERS, *headers]})  # fmt: skip
        await send(body(framing.COMMENT))
        replayed_up_to = await _replay(stream, last_event_id(scope))
        for chunk in streams.latest_snapshots.get(stream.org_id, ()):
            await send(body(chunk))
        await streams.go_live(stream, replayed_up_to)
        leaving = asyncio.ensure_future(_wait_for_disconnect(receive))
        leaving.add_done_callback(lambda _: stream.end(REASON_DISCONNECT))
        reason = await stream.ended
        if reason != REASON_DISCONNECT:
            await send(body(framing.comment(reason)))
            await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        streams.remove(stream)
        if leaving is not None and not leaving.done():
            leaving.cancel()


async def _replay(stream: Stream, after_id: int | None) -> int | None:
    if after_id is None:
        return None
    try:
        missed = await transport().replay(stream.org_id, after_id)
    except Exception:  # no replay is better than no stream
        log.warning("replay after event %s unavailable", after_id, exc_info=True)
        return None
    for message in missed:
        chunk = framing.event(message.event, message.data_json, message.event_id)
        await stream.send(body(chunk))
    return missed[-1].event_id if missed else after_id


def route_stream(fallback):
    """The HTTP application: `/api/stream` here, everything else (and CORS preflights of the
    stream) to Django."""

    async def http_app(scope, receive, send):
        if scope["path"] == PATH and scope["method"] != "OPTIONS":
            return await stream_app(scope, receive, send)
        return await fallback(scope, receive, send)

    return http_app
