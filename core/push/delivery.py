"""Building Expo push messages and sending one chunk of them.

Expo accepts at most 100 messages per request and answers `{"data": [ticket, ...]}` with one
ticket per message, in order: `{"status": "ok", "id": ...}` or `{"status": "error", "message":
..., "details": {"error": "DeviceNotRegistered"}}`. A DeviceNotRegistered ticket means the app
was uninstalled: that token is deleted. The endpoint (EXPO_PUSH_URL) is the operator's, so it
is reached under the environment's outbound policy, not a tenant's.
"""

import json
import logging
from dataclasses import dataclass

from django.conf import settings

from core.outbound import OutboundError, default_policy, fetch
from core.push.models import PushToken

log = logging.getLogger(__name__)

CHUNK_SIZE = 100  # Expo's maximum per request
DEVICE_NOT_REGISTERED = "DeviceNotRegistered"
SEVERITIES = ("info", "warn", "critical")


@dataclass(frozen=True)
class Delivery:
    """How a severity is delivered (spec §6.7); unknown severities are delivered as `warn`."""

    interruption_level: str
    channel_id: str
    sound: str | None


DELIVERY = {
    "critical": Delivery("time-sensitive", "cockpit-critical", "default"),
    "warn": Delivery("active", "cockpit-default", "default"),
    "info": Delivery("passive", "cockpit-info", None),
}


def severity_of(value: object) -> str:
    return value if value in DELIVERY else "warn"


def message(token: str, title: str, body: str, data: dict, severity: str) -> dict:
    delivery = DELIVERY[severity_of(severity)]
    return {
        "to": token,
        "title": title,
        "body": body,
        "data": data,
        "sound": delivery.sound,
        "channelId": delivery.channel_id,
        "interruptionLevel": delivery.interruption_level,
        "priority": "high" if severity == "critical" else "default",
    }


def chunks(items: list, size: int = CHUNK_SIZE) -> list[list]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _headers() -> dict:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if settings.EXPO_ACCESS_TOKEN:
        headers["Authorization"] = f"Bearer {settings.EXPO_ACCESS_TOKEN}"
    return headers


def send_chunk(org_id: int, messages: list[dict]) -> dict:
    """POST one chunk; returns counts `{sent, failed, unregistered}`. Errors are logged."""
    try:
        response = fetch(
            "POST",
            settings.EXPO_PUSH_URL,
            policy=default_policy(),
            headers=_headers(),
            body=json.dumps(messages).encode(),
            timeout=settings.EXPO_PUSH_TIMEOUT,
        )
    except OutboundError as exc:
        log.warning("Expo push of %s messages (org %s) failed: %s", len(messages), org_id,
                    exc.message)  # fmt: skip
        return {"sent": 0, "failed": len(messages), "unregistered": 0}
    if not response.ok:
        log.warning("Expo push (org %s) answered HTTP %s", org_id, response.status)
        return {"sent": 0, "failed": len(messages), "unregistered": 0}
    try:
        tickets = response.json().get("data") or []
    except (ValueError, AttributeError):
        log.warning("Expo push (org %s) answered something that is not a ticket list", org_id)
        return {"sent": 0, "failed": len(messages), "unregistered": 0}
    return _read_tickets(org_id, messages, tickets)


def _read_tickets(org_id: int, messages: list[dict], tickets: list) -> dict:
    sent = failed = 0
    gone = []
    for sent_message, ticket in zip(messages, tickets, strict=False):
        ticket = ticket if isinstance(ticket, dict) else {}
        if ticket.get("status") == "ok":
            sent += 1
            continue
        failed += 1
        error = (ticket.get("details") or {}).get("error")
        if error == DEVICE_NOT_REGISTERED:
            gone.append(sent_message["to"])
        else:
            log.warning("Expo refused a push (org %s): %s", org_id,
                        str(ticket.get("message") or error or "no reason")[:200])  # fmt: skip
    if gone:
        # The app is gone from the device: its token is dead in every organisation.
        PushToken.objects.filter(token__in=gone).delete()
        log.info("Deleted %s unregistered push token(s) (org %s)", len(gone), org_id)
    return {"sent": sent, "failed": failed, "unregistered": len(gone)}
