"""Stream tickets: how a browser's EventSource (which cannot send headers) opens a stream.

An authenticated `POST /api/stream/ticket` returns a random ticket valid for a few seconds; the
browser opens `/api/stream?ticket=<ticket>`. A ticket is single use, opens a stream only, and
carries the principal and organisation of the token that asked for it; that stream closes when
that token would have expired. Only the ticket's SHA-256 is stored (in the shared cache, so any
web process can redeem it); the delete that redeems it is atomic in Redis and on the
filesystem, so of two racing redemptions exactly one wins.
"""

import logging
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework import exceptions, status

from core.accounts.principal import Principal
from core.accounts.tokens import sha256_hex

log = logging.getLogger(__name__)

KEY_PREFIX = "stream:ticket:"


class TicketStoreUnavailable(exceptions.APIException):
    """The shared cache holding tickets (Redis) is down: a 503, not a 500."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Stream tickets unavailable; try again shortly"


def _cache_call(method: str, *args, **kwargs):
    try:
        return getattr(cache, method)(*args, **kwargs)
    except Exception as exc:  # redis-py and the file cache raise their own errors
        log.warning("stream ticket store unavailable: %s", exc.__class__.__name__)
        raise TicketStoreUnavailable() from exc


def _key(ticket: str) -> str:
    return KEY_PREFIX + sha256_hex(ticket)


def issue(principal: Principal, token_expires_at: float) -> tuple[str, int]:
    """(ticket, seconds it stays valid)."""
    remaining = int(token_expires_at - time.time())
    ttl = max(1, min(settings.SSE_TICKET_SECONDS, remaining))
    ticket = secrets.token_urlsafe(32)
    _cache_call("set", _key(ticket), (principal, token_expires_at, time.time() + ttl), timeout=ttl)
    return ticket, ttl


def redeem(ticket: str) -> tuple[Principal, float] | None:
    """(principal, when its token expires) once per ticket; None if unknown, used or expired;
    TicketStoreUnavailable when the cache cannot be asked."""
    if not ticket or len(ticket) > 128:
        return None
    key = _key(ticket)
    record = _cache_call("get", key)
    if record is None or not _cache_call("delete", key):
        return None
    principal, token_expires_at, valid_until = record
    if time.time() > valid_until:  # the file cache only expires entries when read
        return None
    return principal, token_expires_at
