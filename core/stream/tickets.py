"""Stream tickets: how a browser's EventSource (which cannot send headers) opens a stream.

An authenticated `POST /api/stream/ticket` returns a random ticket valid for a few seconds; the
browser opens `/api/stream?ticket=<ticket>`. A ticket is single use, opens a stream only, and
carries the principal and organisation of the token that asked for it; that stream closes when
that token would have expired. Only the ticket's SHA-256 is stored (in the shared cache, so any
web process can redeem it); the delete that redeems it is atomic in Redis and on the
filesystem, so of two racing redemptions exactly one wins.
"""

import secrets
import time

from django.conf import settings
from django.core.cache import cache

from core.accounts.principal import Principal
from core.accounts.tokens import sha256_hex

KEY_PREFIX = "stream:ticket:"


def _key(ticket: str) -> str:
    return KEY_PREFIX + sha256_hex(ticket)


def issue(principal: Principal, token_expires_at: float) -> tuple[str, int]:
    """(ticket, seconds it stays valid)."""
    remaining = int(token_expires_at - time.time())
    ttl = max(1, min(settings.SSE_TICKET_SECONDS, remaining))
    ticket = secrets.token_urlsafe(32)
    cache.set(_key(ticket), (principal, token_expires_at, time.time() + ttl), timeout=ttl)
    return ticket, ttl


def redeem(ticket: str) -> tuple[Principal, float] | None:
    """(principal, when its token expires) once per ticket; None if unknown, used or expired."""
    if not ticket or len(ticket) > 128:
        return None
    key = _key(ticket)
    record = cache.get(key)
    if record is None or not cache.delete(key):
        return None
    principal, token_expires_at, valid_until = record
    if time.time() > valid_until:  # the file cache only expires entries when read
        return None
    return principal, token_expires_at
