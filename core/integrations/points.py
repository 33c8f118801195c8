"""Normalized points (spec §3.10): what every adapter's `pull()` returns.

    {source, sourceId, timestamp, type: "metric"|"event"|"alert",
     metric: {name, value, unit, labels} | event: {title, severity, body}
     | alert: {title, severity, status, source_url}}

Adapters build them with `metric()`, `event()` and `alert()`; the poll engine fills `source`
and `sourceId` with `tag()`.
"""

from datetime import UTC, datetime
from typing import Any

MAX_TEXT = 4096


def _now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _text(value: Any, default: str = "") -> str:
    if value is None:
        return default
    text = value if isinstance(value, str) else str(value)
    return text[:MAX_TEXT]


def _labels(labels: Any) -> dict[str, str]:
    if not isinstance(labels, dict):
        return {}
    return {str(key): _text(value) for key, value in labels.items()}


def _point(kind: str, payload: dict, timestamp: str | None) -> dict:
    return {
        "source": "",
        "sourceId": "",
        "timestamp": timestamp or _now_iso(),
        "type": kind,
        kind: payload,
    }


def metric(
    name: str, value: float, unit: str = "", labels: dict | None = None, *, timestamp=None
) -> dict:
    return _point(
        "metric",
        {
            "name": _text(name),
            "value": float(value),
            "unit": _text(unit),
            "labels": _labels(labels),
        },
        timestamp,
    )


def event(title: str, severity: str = "info", body: str = "", *, timestamp=None) -> dict:
    return _point(
        "event",
        {"title": _text(title), "severity": _text(severity, "info"), "body": _text(body)},
        timestamp,
    )


def alert(
    title: str, severity: str = "warning", status: str = "firing", source_url: str = "", *,
    timestamp=None,
) -> dict:  # fmt: skip
    return _point(
        "alert",
        {
            "title": _text(title),
            "severity": _text(severity, "warning"),
            "status": _text(status, "firing"),
            "source_url": _text(source_url),
        },
        timestamp,
    )


def tag(point: dict, source: str, source_id: str) -> dict:
    return {**point, "source": source, "sourceId": source_id}


def parse_timestamp(point: dict) -> datetime:
    """The point's timestamp as an aware datetime (now when missing or unreadable)."""
    raw = point.get("timestamp")
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return datetime.now(UTC)


def as_number(value: Any) -> float | None:
    """A finite float from a number, a boolean (1/0) or a numeric string; else None."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and value.strip():
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return number
