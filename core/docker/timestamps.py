"""Engine timestamps (RFC 3339 with nanoseconds and any offset) as ISO-8601 UTC."""

import re
from datetime import UTC, datetime

_FRACTION = re.compile(r"\.(\d+)")


def iso_utc(value: str | None) -> str | None:
    """`2026-05-07T21:09:36.123456789+02:00` → `2026-05-07T19:09:36.123456Z`; text the engine
    did not format as a timestamp is returned unchanged."""
    if not value:
        return None
    trimmed = _FRACTION.sub(lambda match: "." + match.group(1)[:6].ljust(6, "0"), value, count=1)
    try:
        parsed = datetime.fromisoformat(trimmed)
    except ValueError:
        return value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat().replace("+00:00", "Z")
