"""Rate limits, in two separate buckets (spec §10.2, fixing §14.25's shared counter).

- Global: every request from one client IP (including /health and /metrics; CORS preflights
  and static files are answered before it), RATE_LIMIT_MAX (100) per 60 s. Applied by
  `GlobalRateLimitMiddleware`; refusal body `{"error": "Too many requests. Please try again
  later."}`.
- Strict: destructive routes opt in; counted per client IP and principal, RATE_LIMIT_STRICT_MAX
  (10) per 60 s; refusal body `{"error": "Too many requests to this endpoint. Please try again
  later."}`. To opt a view in, give it the DRF throttle class:

      from core.http.ratelimit import StrictRateLimit

      class ContainerActionView(TenantAPIView):
          throttle_classes = [StrictRateLimit]

  Only unsafe methods (POST, PUT, PATCH, DELETE) are counted, so a view's GET stays free.
  DRF runs throttles after authentication and the role check, so refused logins and
  forbidden roles never use up anyone's budget.

Every limited response carries X-RateLimit-Limit and X-RateLimit-Remaining (of the strict bucket
on strict routes); a refusal (429) adds Retry-After, X-RateLimit-Remaining: 0 and
X-RateLimit-Reset (epoch seconds). Refused requests are not counted, so hammering does not
extend the wait.

Counting is shared by every web process through the Django cache. The window is cut into
10-second slots with one counter each; a request adds one to the current slot and is allowed
while the sum over the current slot and the six before it stays within the limit (so a
request is remembered for 60 to 70 s, never less than the spec's 60). One round trip on Redis
(an atomic MULTI: INCR, EXPIRE, MGET); with the embedded file cache, a small counter file per
client in the cache's directory, rewritten in place under a file lock, which keeps processes
on the one machine from losing each other's increments. These calls are synchronous even on
the async request path: they take well under a millisecond, less than a hop to a worker thread
would. If the cache fails, requests are let through (fail open) with a warning in the log.
"""

import fcntl
import hashlib
import logging
import math
import os
import struct
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache
from rest_framework import exceptions, status
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import BaseThrottle

from core.http.client_ip import client_ip
from core.http.errors import error_response
from core.http.middleware import HybridMiddleware

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
SLOT_SECONDS = 10
SLOTS = WINDOW_SECONDS // SLOT_SECONDS + 1  # the current slot and the six before it
COUNTER_TTL = (SLOTS + 1) * SLOT_SECONDS
GLOBAL_MESSAGE = "Too many requests. Please try again later."
STRICT_MESSAGE = "Too many requests to this endpoint. Please try again later."
FAILURE_LOG_INTERVAL = 60.0


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: int | None = None  # refusals: when a request will fit again (epoch s)
    retry_after: int | None = None

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
            headers["X-RateLimit-Reset"] = str(self.reset_at)
        return headers


# --- Counter stores -------------------------------------------------------------------------


class _RedisCounter:
    """Atomic on Redis: one MULTI/EXEC round trip per request."""

    def __init__(self, cache: RedisCache):
        self.cache = cache

    def _client(self):
        return self.cache._cache.get_client(write=True)

    def count(self, key: str, slot: int, limit: int) -> tuple[list[int], bool]:
        names = [self.cache.make_and_validate_key(f"{key}:{slot - age}") for age in range(SLOTS)]
        client = self._client()
        pipeline = client.pipeline(transaction=True)
        pipeline.incr(names[0])
        pipeline.expire(names[0], COUNTER_TTL)
        pipeline.mget(names[1:])
        current, _, previous = pipeline.execute()
        counts = [int(current)] + [int(value or 0) for value in previous]
        if sum(counts) <= limit:
            return counts, True
        client.decr(names[0])  # a refused request is not counted
        counts[0] -= 1
        return counts, False


class _FileCounter:
    """The embedded file cache: one small counter file per client and bucket in the cache's
    directory, read and rewritten in place under an exclusive flock, so processes on the one
    machine never lose each other's increments. (FileBasedCache itself writes a temporary
    file and renames it over the old one, which costs milliseconds on ext4 for every request.)
    The file is a ring of (slot, count) records; files idle longer than the window are swept
    now and then."""

    RECORD = struct.Struct("<qq")
    SWEEP_INTERVAL = 300.0
    _last_sweep: dict[str, float] = {}

    def __init__(self, cache: FileBasedCache):
        self.directory = os.path.join(cache._dir, "ratelimit")

    def _open(self, path: str) -> int:
        try:
            return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except FileNotFoundError:
            os.makedirs(self.directory, exist_ok=True)
            return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def count(self, key: str, slot: int, limit: int) -> tuple[list[int], bool]:
        size = self.RECORD.size
        descriptor = self._open(os.path.join(self.directory, key.replace(":", "-")))
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            data = os.pread(descriptor, size * SLOTS, 0).ljust(size * SLOTS, b"\0")
            ring = [self.RECORD.unpack_from(data, index * size) for index in range(SLOTS)]
            counts = []
            for age in range(SLOTS):
                stored_slot, count = ring[(slot - age) % SLOTS]
                counts.append(count if stored_slot == slot - age else 0)
            if sum(counts) >= limit:
                return counts, False
            counts[0] += 1
            os.pwrite(descriptor, self.RECORD.pack(slot, counts[0]), (slot % SLOTS) * size)
        finally:
            os.close(descriptor)  # also releases the lock
        self._sweep_now_and_then()
        return counts, True

    def _sweep_now_and_then(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep.get(self.directory, 0.0) < self.SWEEP_INTERVAL:
            return
        self._last_sweep[self.directory] = now
        stale_before = time.time() - COUNTER_TTL
        with os.scandir(self.directory) as entries:
            for entry in entries:
                try:
                    if entry.stat().st_mtime < stale_before:
                        os.unlink(entry.path)
                except OSError:
                    continue  # another process swept it first


class _CacheCounter:
    """Any other Django cache (e.g. the local-memory one): one entry per client and bucket
    holding its recent slot counts ({slot: count}), rewritten under a process-local lock."""

    _lock = threading.Lock()

    def __init__(self, cache):
        self.cache = cache

    def count(self, key: str, slot: int, limit: int) -> tuple[list[int], bool]:
        with self._lock:
            stored = self.cache.get(key)
            stored = stored if isinstance(stored, dict) else {}
            counts = [int(stored.get(slot - age, 0)) for age in range(SLOTS)]
            if sum(counts) >= limit:
                return counts, False
            counts[0] += 1
            recent = {slot - age: count for age, count in enumerate(counts) if count}
            self.cache.set(key, recent, COUNTER_TTL)
        return counts, True


def _counter(cache):
    if isinstance(cache, RedisCache):
        return _RedisCounter(cache)
    if isinstance(cache, FileBasedCache):
        return _FileCounter(cache)
    return _CacheCounter(cache)


# --- The limiter ----------------------------------------------------------------------------

_last_failure_log = 0.0


def _log_failure() -> None:
    global _last_failure_log
    now = time.monotonic()
    if now - _last_failure_log >= FAILURE_LOG_INTERVAL:
        _last_failure_log = now
        log.warning("Rate-limit store unavailable; letting requests through", exc_info=True)


def _refusal(counts: list[int], slot: int, limit: int, now: float) -> tuple[int, int]:
    """(reset_at, retry_after): when enough of the oldest counted requests leave the window
    for one more request to fit. `counts` runs from the current slot back to the oldest."""
    excess = sum(counts) - limit + 1
    dropped = 0
    leaves_at = (slot + 1) * SLOT_SECONDS
    for age in range(len(counts) - 1, -1, -1):
        dropped += counts[age]
        if dropped >= excess:
            leaves_at = (slot - age + SLOTS) * SLOT_SECONDS
            break
    return math.ceil(leaves_at), max(1, math.ceil(leaves_at - now))


def hit(bucket: str, identity: str, limit: int, *, cache=None, now: float | None = None):
    """Count one request of `identity` in `bucket`; None when the store failed (fail open)."""
    now = time.time() if now is None else now
    slot = int(now // SLOT_SECONDS)
    digest = hashlib.blake2b(identity.encode(), digest_size=12).hexdigest()
    try:
        counter = _counter(cache if cache is not None else caches["default"])
        counts, allowed = counter.count(f"cockpit:rl:{bucket}:{digest}", slot, limit)
    except Exception:
        _log_failure()
        return None
    if allowed:
        return Decision(allowed=True, limit=limit, remaining=max(0, limit - sum(counts)))
    reset_at, retry_after = _refusal(counts, slot, limit, now)
    return Decision(
        allowed=False, limit=limit, remaining=0, reset_at=reset_at, retry_after=retry_after
    )


def _remember(request, decision: Decision | None) -> None:
    """Keep the decision on the Django request; the middleware turns it into headers."""
    if decision is not None:
        getattr(request, "_request", request).rate_limit = decision


# --- Global bucket: middleware ----------------------------------------------------------------


class GlobalRateLimitMiddleware(HybridMiddleware):
    def before(self, request):
        decision = hit("global", client_ip(request), settings.RATE_LIMIT_MAX)
        _remember(request, decision)
        if decision is not None and not decision.allowed:
            return error_response(GLOBAL_MESSAGE, status.HTTP_429_TOO_MANY_REQUESTS)
        return None

    def after(self, request, response):
        decision = getattr(request, "rate_limit", None)
        if decision is not None:
            for name, value in decision.headers().items():
                response[name] = value
        return response


# --- Strict bucket: DRF throttle --------------------------------------------------------------


class StrictRateLimited(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = STRICT_MESSAGE
    default_code = "throttled"


def _principal_identity(user) -> str:
    if not getattr(user, "is_authenticated", False):
        return "anonymous"
    return f"{getattr(user, 'org_id', '-')}:{getattr(user, 'subject', None) or user.pk}"


class StrictRateLimit(BaseThrottle):
    """RATE_LIMIT_STRICT_MAX unsafe requests per 60 s per client IP and principal."""

    def allow_request(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        identity = f"{client_ip(request)}|{_principal_identity(request.user)}"
        decision = hit("strict", identity, settings.RATE_LIMIT_STRICT_MAX)
        _remember(request, decision)
        if decision is not None and not decision.allowed:
            raise StrictRateLimited()
        return True
