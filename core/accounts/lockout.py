"""Brute-force lockout for the credential endpoints, per client IP and per account.

Failures are counted in one-minute buckets in the Django cache (shared by every web process;
Redis when configured), so only the failures of the last 15 minutes count. The fifth failure
inside that window locks the IP or account for 15 minutes. A success clears both. If the cache
is down the lockout fails open: refusing every login would be worse than a missing brake.
"""

import hashlib
import logging
import time

from django.core.cache import cache

log = logging.getLogger(__name__)

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
BUCKET_SECONDS = 60
BUCKETS = WINDOW_SECONDS // BUCKET_SECONDS
LOCKED_MESSAGE = "Too many failed attempts. Try again in 15 minutes."
KEY_PREFIX = "auth-lockout"


def now() -> float:
    """The lockout's clock (tests move it instead of sleeping)."""
    return time.time()


def _subject_id(scope: str, identity: str) -> str:
    # Hashed so e-mail addresses never appear in cache keys (or in Redis MONITOR output).
    return f"{KEY_PREFIX}:{scope}:{hashlib.sha256(identity.encode()).hexdigest()[:32]}"


def _subjects(ip: str | None, account: str | None) -> list[str]:
    subjects = []
    if ip:
        subjects.append(_subject_id("ip", ip))
    if account:
        subjects.append(_subject_id("account", account.lower()))
    return subjects


def _lock_key(subject: str) -> str:
    return f"{subject}:locked-until"


def _bucket_keys(subject: str, at: float) -> list[str]:
    current = int(at // BUCKET_SECONDS)
    return [f"{subject}:{bucket}" for bucket in range(current - BUCKETS + 1, current + 1)]


def is_locked(ip: str | None = None, account: str | None = None) -> bool:
    keys = [_lock_key(subject) for subject in _subjects(ip, account)]
    try:
        locked_until = cache.get_many(keys)
    except Exception:
        log.warning("lockout store unavailable; not enforcing the lockout", exc_info=True)
        return False
    moment = now()
    return any(until > moment for until in locked_until.values())


def record_failure(ip: str | None = None, account: str | None = None) -> None:
    moment = now()
    try:
        for subject in _subjects(ip, account):
            keys = _bucket_keys(subject, moment)
            _increment(keys[-1])
            failures = sum(cache.get_many(keys).values())
            if failures >= MAX_FAILURES:
                cache.set(_lock_key(subject), moment + WINDOW_SECONDS, timeout=WINDOW_SECONDS)
    except Exception:
        log.warning("lockout store unavailable; failure not counted", exc_info=True)


def _increment(key: str) -> None:
    # Atomic on Redis; `add` wins the race to create the bucket, `incr` counts the rest.
    if not cache.add(key, 1, timeout=WINDOW_SECONDS + BUCKET_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=WINDOW_SECONDS + BUCKET_SECONDS)


def clear(ip: str | None = None, account: str | None = None) -> None:
    moment = now()
    keys = []
    for subject in _subjects(ip, account):
        keys += [_lock_key(subject), *_bucket_keys(subject, moment)]
    try:
        cache.delete_many(keys)
    except Exception:
        log.warning("lockout store unavailable; counters not cleared", exc_info=True)
