"""Parsing rule bodies. Clients of the original send camelCase (`durationSeconds`); the
original's own schemas used snake_case (`duration_seconds`): both are accepted, camelCase
winning when both are present. Numbers may be JSON numbers or numeric strings (the original
stored whatever came; its REAL column turned "90" into 90); anything else is a clear 400."""

import json
import math

from core.alerts.definitions import (
    MAX_SECONDS,
    METRICS,
    NAME_MAX_LENGTH,
    OPERATORS,
    SEVERITIES,
)
from core.alerts.errors import RuleInvalid
from core.api.text import name_problem
from core.hosts.models import DockerHost

# canonical name → (accepted keys, camelCase first)
ALIASES = {
    "name": ("name",),
    "metric": ("metric",),
    "operator": ("operator",),
    "threshold": ("threshold",),
    "severity": ("severity",),
    "duration_seconds": ("durationSeconds", "duration_seconds"),
    "clear_threshold": ("clearThreshold", "clear_threshold"),
    "clear_duration_seconds": ("clearDurationSeconds", "clear_duration_seconds"),
    "enabled": ("enabled",),
    "host": ("host", "hostId", "host_id"),
}
KNOWN_KEYS = frozenset(key for keys in ALIASES.values() for key in keys)
MISSING = object()


def field(body: dict, name: str):
    """The value sent for a canonical field under any of its names, else MISSING."""
    for key in ALIASES[name]:
        if key in body:
            return body[key]
    return MISSING


def shown(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def is_blank(value) -> bool:
    return value is MISSING or value is None or value == ""


def require_create_fields(body: dict) -> None:
    if any(is_blank(field(body, name)) for name in ("name", "metric", "operator", "threshold")):
        raise RuleInvalid("name, metric, operator, threshold required")


def parse_name(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RuleInvalid("name must be a non-empty string")
    value = value.strip()
    if len(value) > NAME_MAX_LENGTH:
        raise RuleInvalid(f"name must be at most {NAME_MAX_LENGTH} characters")
    if problem := name_problem(value):
        raise RuleInvalid(problem)
    return value


def parse_metric(value) -> str:
    if value not in METRICS:
        raise RuleInvalid(f"Invalid metric: {shown(value)}")
    return value


def parse_severity(value) -> str:
    if value not in SEVERITIES:
        raise RuleInvalid(f"Invalid severity: {shown(value)}")
    return value


def parse_operator(value) -> str:
    if value not in OPERATORS:
        raise RuleInvalid(f"Invalid operator: {shown(value)}")
    return value


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def parse_threshold(value, label: str = "threshold") -> float:
    number = _number(value)
    if number is None:
        raise RuleInvalid(f"{label} must be a number")
    return number


def parse_seconds(value, label: str) -> int:
    number = _number(value)
    if number is None or number != int(number) or not 0 <= number <= MAX_SECONDS:
        raise RuleInvalid(f"{label} must be an integer from 0 to {MAX_SECONDS}")
    return int(number)


def parse_clear_threshold(value) -> float | None:
    if value is None:
        return None
    return parse_threshold(value, "clearThreshold")


def check_clear_threshold(operator: str, threshold: float, clear_threshold: float | None) -> None:
    """The band must lie on the clear side of the threshold, or the alert could never end."""
    if clear_threshold is None:
        return
    if operator in (">", ">=") and clear_threshold > threshold:
        raise RuleInvalid(f"clearThreshold must not be above the threshold for {operator}")
    if operator in ("<", "<=") and clear_threshold < threshold:
        raise RuleInvalid(f"clearThreshold must not be below the threshold for {operator}")


def parse_enabled(value) -> bool:
    if not isinstance(value, bool):
        raise RuleInvalid("enabled must be a boolean")
    return value


def parse_host(org_id: int, value) -> DockerHost | None:
    """A host of the organisation by slug or numeric id; None scopes the rule to every host."""
    if value is None:
        return None
    hosts = DockerHost.objects.filter(org_id=org_id)
    host = None
    if isinstance(value, int) and not isinstance(value, bool):
        host = hosts.filter(pk=value).first()
    elif isinstance(value, str) and value:
        host = hosts.filter(slug=value).first()
        if host is None and value.isascii() and value.isdigit() and len(value) < 19:
            host = hosts.filter(pk=int(value)).first()
    if host is None:
        raise RuleInvalid(f"Unknown host: {shown(value)}")
    return host
