"""The request id: accepted from `X-Request-ID` when it is safe, else a fresh UUID.

It lives in a context variable so every log line written while serving the request carries it.
"""

import contextvars
import logging
import re
import uuid

HEADER = "X-Request-ID"
_SAFE = re.compile(r"[A-Za-z0-9._-]{1,128}")
_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def accept_or_generate(candidate: str | None) -> str:
    """Reuse a client's id only when it cannot inject anything into headers or logs."""
    if candidate and _SAFE.fullmatch(candidate):
        return candidate
    return str(uuid.uuid4())


def current() -> str:
    return _current.get()


def bind(request_id: str) -> contextvars.Token:
    return _current.set(request_id)


def unbind(token: contextvars.Token) -> None:
    _current.reset(token)


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True
