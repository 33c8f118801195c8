"""The bytes of the Server-Sent Events wire format (spec §4)."""

import json
import re

from django.core.serializers.json import DjangoJSONEncoder

EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
COMMENT = b":\n\n"  # sent on connect and as the keep-alive

HEADERS = [
    (b"content-type", b"text/event-stream"),
    (b"cache-control", b"no-cache"),
    (b"connection", b"keep-alive"),
    (b"x-accel-buffering", b"no"),
]


def to_json(data) -> str:
    """Single-line JSON (the data field of one event must not contain a newline)."""
    return json.dumps(data, cls=DjangoJSONEncoder, separators=(",", ":"))


def event(name: str, data_json: str, event_id: int | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {data_json}\n\n".encode()


def comment(text: str = "") -> bytes:
    return f": {text}\n\n".encode() if text else COMMENT
