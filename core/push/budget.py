"""Per-token push budgets (spec §6.7): in any rolling hour a device gets at most 10 non-critical
and 20 critical notifications, counted in separate buckets, so a flood of warnings never
blocks a critical alert.

The window is exact: each bucket keeps the send times of its last `limit` messages and admits
a new one while fewer than `limit` of them are younger than an hour. Shared by every process
through the Django cache's storage: a sorted set updated by one Lua script on Redis; with the
embedded file cache, a small file per bucket rewritten under an exclusive flock; any other
cache, a cache entry under a process-local lock. If the store fails the message is let through
(fail open, logged): a missed budget is better than a missed alert.
"""

import fcntl
import hashlib
import logging
import os
import struct
import threading
import time

from django.core.cache import caches
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger(__name__)

WINDOW_SECONDS = 3600
NON_CRITICAL_LIMIT = 10
CRITICAL_LIMIT = 20

_REDIS_TAKE = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) >= limit then return 0 end
redis.call('ZADD', key, now, ARGV[4])
redis.call('EXPIRE', key, window + 60)
return 1
"""


def _key(token: str, critical: bool) -> str:
    digest = hashlib.blake2b(token.encode(), digest_size=12).hexdigest()
    return f"cockpit-push-{'critical' if critical else 'normal'}-{digest}"


class _RedisBudget:
    def __init__(self, cache: RedisCache):
        self.cache = cache

    def take(self, key: str, limit: int, now: float) -> bool:
        client = self.cache._cache.get_client(write=True)
        member = f"{now:.6f}-{os.getpid()}-{threading.get_ident()}"
        name = self.cache.make_and_validate_key(key)
        return bool(client.eval(_REDIS_TAKE, 1, name, now, WINDOW_SECONDS, limit, member))


class _FileBudget:
    """A file of up to `limit` little-endian doubles (send times), read and rewritten under
    flock so processes on the one machine never lose each other's sends."""

    TIME = struct.Struct("<d")

    def __init__(self, cache: FileBasedCache):
        self.directory = os.path.join(cache._dir, "pushbudget")

    def take(self, key: str, limit: int, now: float) -> bool:
        os.makedirs(self.directory, exist_ok=True)
        descriptor = os.open(os.path.join(self.directory, key), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            data = os.pread(descriptor, self.TIME.size * 64, 0)
            count = len(data) // self.TIME.size
            times = [self.TIME.unpack_from(data, i * self.TIME.size)[0] for i in range(count)]
            recent = [sent for sent in times if sent > now - WINDOW_SECONDS]
            if len(recent) >= limit:
                return False
            recent.append(now)
            payload = b"".join(self.TIME.pack(sent) for sent in recent[-limit:])
            os.ftruncate(descriptor, 0)
            os.pwrite(descriptor, payload, 0)
            return True
        finally:
            os.close(descriptor)


class _CacheBudget:
    _lock = threading.Lock()

    def __init__(self, cache):
        self.cache = cache

    def take(self, key: str, limit: int, now: float) -> bool:
        with self._lock:
            stored = self.cache.get(key)
            recent = [sent for sent in (stored or []) if sent > now - WINDOW_SECONDS]
            if len(recent) >= limit:
                return False
            self.cache.set(key, [*recent, now], WINDOW_SECONDS + 60)
            return True


def _store(cache):
    if isinstance(cache, RedisCache):
        return _RedisBudget(cache)
    if isinstance(cache, FileBasedCache):
        return _FileBudget(cache)
    return _CacheBudget(cache)


def limit_for(critical: bool) -> int:
    return CRITICAL_LIMIT if critical else NON_CRITICAL_LIMIT


def take(token: str, critical: bool, *, now: float | None = None, cache=None) -> bool:
    """Spend one message of `token`'s budget; False when the bucket is full."""
    now = time.time() if now is None else now
    try:
        store = _store(cache if cache is not None else caches["default"])
        return store.take(_key(token, critical), limit_for(critical), now)
    except Exception:
        log.warning("Push budget store unavailable; sending without a budget", exc_info=True)
        return True
