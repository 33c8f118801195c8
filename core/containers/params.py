"""Request input of the container routes: path ids, query values and bodies, with the
original's exact 400 messages."""

import math
import re
import time
from datetime import datetime

from rest_framework.exceptions import APIException

from core.docker.logs import LogQuery

CONTAINER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
TAIL_DEFAULT, TAIL_MIN, TAIL_MAX = 100, 1, 1000
STOP_SECONDS_DEFAULT, STOP_SECONDS_MAX = 10, 600
_DURATION = re.compile(r"(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


class BadRequest(APIException):
    """400 with a plain `{"error": message}` (not the field-shaped validation error)."""

    status_code = 400
    default_detail = "Bad request"


def container_id(value: str) -> str:
    if not isinstance(value, str) or not CONTAINER_ID.fullmatch(value):
        raise BadRequest("Invalid container ID")
    return value


def single(query, name: str, default: str | None = None) -> str | None:
    """One value of a query parameter; a repeated parameter is a 400 (`x must be a single
    string`), never silently the first or last one."""
    values = query.getlist(name)
    if len(values) > 1:
        raise BadRequest(f"{name} must be a single string")
    return values[0] if values else default


def flag(query, name: str, default: bool) -> bool:
    value = single(query, name)
    if value is None or value == "":
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise BadRequest(f"{name} must be true or false")


def integer(query, name: str, default: int, low: int, high: int, *, clamp: bool) -> int:
    """An integer query value. Garbage (NaN, words, fractions) is a 400; out of range is
    clamped when `clamp`, else a 400."""
    value = single(query, name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise BadRequest(f"{name} must be an integer between {low} and {high}") from None
    if clamp:
        return min(max(number, low), high)
    if not low <= number <= high:
        raise BadRequest(f"{name} must be an integer between {low} and {high}")
    return number


def since_seconds(value: str | None, now: float | None = None) -> float | None:
    """`since` as unix seconds: a unix timestamp, an RFC 3339 time, or a duration back from
    now ("10m", "1h30m"), as the docker CLI accepts it."""
    if value is None or value.strip() == "":
        return None
    value = value.strip()
    now = time.time() if now is None else now
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None:
        if not math.isfinite(number) or number < 0:
            raise BadRequest("Invalid since value")
        return number
    if _DURATION.fullmatch(value):
        seconds = sum(float(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION_PART.findall(value))
        return max(now - seconds, 0.0)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(
            "Invalid since value (unix timestamp, RFC 3339 time or duration like 10m)"
        ) from None
    if parsed.tzinfo is None:
        raise BadRequest("Invalid since value (an RFC 3339 time needs a time zone)")
    return parsed.timestamp()


def log_query(query) -> LogQuery:
    return LogQuery(
        tail=integer(query, "tail", TAIL_DEFAULT, TAIL_MIN, TAIL_MAX, clamp=True),
        since=since_seconds(single(query, "since")),
        # the original: only the literal "false" disables a stream
        stdout=single(query, "stdout", "true") != "false",
        stderr=single(query, "stderr", "true") != "false",
    )


def stop_seconds(query) -> int:
    return integer(query, "t", STOP_SECONDS_DEFAULT, 0, STOP_SECONDS_MAX, clamp=False)


def body(request) -> dict:
    """The JSON body as a dict; an absent body is `{}` (spec §14.18)."""
    data = request.data
    if data is None or (hasattr(data, "keys") and not data):
        return {}
    if not isinstance(data, dict):
        raise BadRequest("Request body must be a JSON object")
    return data
