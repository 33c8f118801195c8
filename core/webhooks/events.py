"""The events a webhook can subscribe to. `*` subscribes to all of them.

Pro and Enterprise add theirs at start-up with `register_event("uptime.down")`.
"""

WILDCARD = "*"
DEFAULT_EVENTS = ("container.down",)
TEST_EVENT = "webhook.test"  # sent by the test-fire endpoint only; nobody subscribes to it

_known: list[str] = [
    "container.state_change",
    "container.down",
    "container.crash_loop",
    "alert.fired",
    "alert.resolved",
    "schedule.failed",
    "host.offline",
    "host.online",
]


def register_event(name: str) -> None:
    if name not in _known and name != WILDCARD:
        _known.append(name)


def known_events() -> list[str]:
    return list(_known)


def is_subscribable(name: str) -> bool:
    return name == WILDCARD or name in _known


def subscribed(events: list[str], event: str) -> bool:
    return WILDCARD in events or event in events
