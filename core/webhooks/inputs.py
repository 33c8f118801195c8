"""Reading webhook fields from a request body, with the original's error texts.

Header values are secrets as far as Cockpit knows (Authorization, API keys...), so they are
never returned in full: `mask_value` shows `****` plus the last 4 characters of values of 12
characters or more, else `****` alone. A masked value sent back unchanged (a GET-edit-PUT round
trip) keeps the stored value.
"""

import re

from core.api.text import name_problem
from core.outbound import OutboundError, Policy, check_url
from core.webhooks.errors import WebhookInvalid
from core.webhooks.events import DEFAULT_EVENTS, WILDCARD, is_subscribable, known_events

NAME_AND_URL_REQUIRED = "name and url required"
MAX_NAME_LENGTH = 128
MAX_HEADERS = 20
MAX_HEADER_VALUE_LENGTH = 2048
MASK = "****"
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}")
RESERVED_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})
RESERVED_HEADER_PREFIX = "x-cockpit-"


def mask_value(value: str) -> str:
    return MASK + value[-4:] if len(value) >= 12 else MASK


def masked_headers(headers: dict[str, str]) -> dict[str, str]:
    return {name: mask_value(value) for name, value in headers.items()}


def has_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def require_name_and_url(body: dict) -> None:
    if not has_text(body.get("name")) or not has_text(body.get("url")):
        raise WebhookInvalid(NAME_AND_URL_REQUIRED)


def parse_name(value: object) -> str:
    if not has_text(value):
        raise WebhookInvalid(NAME_AND_URL_REQUIRED)
    name = value.strip()
    if len(name) > MAX_NAME_LENGTH:
        raise WebhookInvalid(f"name must be at most {MAX_NAME_LENGTH} characters")
    if problem := name_problem(name):
        raise WebhookInvalid(problem)
    return name


def parse_url(value: object, policy: Policy) -> str:
    """The SSRF policy's quick check at save time; the one that matters runs at send time."""
    if not has_text(value):
        raise WebhookInvalid(NAME_AND_URL_REQUIRED)
    try:
        check_url(value, policy)
    except OutboundError as exc:
        raise WebhookInvalid(exc.message) from None
    return value.strip()


def parse_events(value: object, *, default_when_empty: bool) -> list[str]:
    """A list of event names or a comma-separated string; `*` subscribes to everything."""
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        items = value
    elif value is None:
        items = []
    else:
        raise WebhookInvalid("events must be a list of event names or a comma-separated string")
    events = list(dict.fromkeys(item.strip() for item in items if item.strip()))
    if not events:
        if default_when_empty:
            return list(DEFAULT_EVENTS)
        raise WebhookInvalid("events must name at least one event")
    for event in events:
        if not is_subscribable(event):
            valid = ", ".join([*known_events(), WILDCARD])
            raise WebhookInvalid(f"Invalid event: {event}. Valid events: {valid}")
    return events


def parse_headers(value: object, stored: dict[str, str] | None = None) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise WebhookInvalid("headers must be an object of strings")
    if len(value) > MAX_HEADERS:
        raise WebhookInvalid(f"At most {MAX_HEADERS} headers allowed")
    stored_by_name = {name.lower(): text for name, text in (stored or {}).items()}
    headers: dict[str, str] = {}
    for name, text in value.items():
        if not HEADER_NAME.fullmatch(name):
            raise WebhookInvalid(f"Invalid header name: {name[:128]}")
        lowered = name.lower()
        if lowered in RESERVED_HEADERS or lowered.startswith(RESERVED_HEADER_PREFIX):
            raise WebhookInvalid(f"Header {name} cannot be set")
        if not isinstance(text, str) or len(text) > MAX_HEADER_VALUE_LENGTH:
            raise WebhookInvalid(f"Header {name} must be a string of at most 2048 characters")
        if any(char in text for char in "\r\n\0"):
            raise WebhookInvalid(f"Header {name} must not contain line breaks")
        previous = stored_by_name.get(lowered)
        headers[name] = previous if previous is not None and text == mask_value(previous) else text
    return headers


def parse_enabled(value: object) -> bool:
    if not isinstance(value, bool):
        raise WebhookInvalid("enabled must be a boolean")
    return value
