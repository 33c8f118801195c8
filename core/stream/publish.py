"""`publish(org_id, event, data)`: send an event to every open stream of one organisation, in
every web process, from any process (web, Celery worker, beat). Fire and forget: a publish never
waits for a client and never fails its caller because nobody is listening.

Events named in messages.REPLAYED_EVENTS (`alert`) get an `id:` and are kept for
`Last-Event-ID` replay. `revoke_streams()` closes the streams of one principal at once.
"""

import logging

from core.stream import access, framing
from core.stream.messages import REVOKE, Message
from core.stream.transports import transport

log = logging.getLogger(__name__)


def publish(org_id: int, event: str, data) -> None:
    if not framing.EVENT_NAME.match(event):
        raise ValueError(f"invalid stream event name {event!r}")
    _send(Message(int(org_id), event, framing.to_json(data)))


def revoke_streams(org_id: int | None, subject: str) -> None:
    """Close the open streams of the principal with this token subject (in one organisation,
    or in all of them when org_id is None)."""
    _send(Message(org_id, REVOKE, access.revocation_json(subject)))


def _send(message: Message) -> None:
    try:
        transport().send(message)
    except Exception:  # the stream is best effort; the caller's own work must go on
        log.exception("stream event %s not published", message.event)
