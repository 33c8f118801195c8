"""With Redis, every web process shares the same counters, and counting is atomic."""

import subprocess
import sys
import textwrap
import threading
import uuid
from pathlib import Path

import pytest
import redis
from django.core.cache.backends.redis import RedisCache

from core.http.ratelimit import COUNTER_TTL, hit

pytestmark = pytest.mark.redis
ROOT = Path(__file__).resolve().parents[3]


def _cache(url):
    return RedisCache(url, {"KEY_PREFIX": "ratelimit-test"})


def test_two_cache_clients_share_one_count(redis_url):
    first, second, who, now = _cache(redis_url), _cache(redis_url), str(uuid.uuid4()), 1e6
    decisions = [hit("g", who, 4, cache=client, now=now) for client in [first, second] * 2]
    assert [decision.remaining for decision in decisions] == [3, 2, 1, 0]
    refused = hit("g", who, 4, cache=first, now=now)
    assert (refused.allowed, refused.retry_after) == (False, 70)


def test_a_second_process_uses_up_the_same_budget(redis_url):
    who, now = str(uuid.uuid4()), 2e6
    script = textwrap.dedent(
        f"""
        import django
        django.setup()
        from django.core.cache.backends.redis import RedisCache
        from core.http.ratelimit import hit
        cache = RedisCache({redis_url!r}, {{"KEY_PREFIX": "ratelimit-test"}})
        results = [hit("g", {who!r}, 5, cache=cache, now={now!r}) for _ in range(3)]
        print(",".join(str(result.remaining) for result in results))
        """
    )
    other = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "tests.settings", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert other.returncode == 0, other.stderr
    assert other.stdout.strip() == "4,3,2"
    mine = _cache(redis_url)
    assert hit("g", who, 5, cache=mine, now=now).remaining == 1
    assert hit("g", who, 5, cache=mine, now=now).remaining == 0
    assert not hit("g", who, 5, cache=mine, now=now).allowed


def test_concurrent_hits_are_counted_exactly(redis_url):
    who, now, allowed = str(uuid.uuid4()), 3e6, []

    def worker():
        cache = _cache(redis_url)
        allowed.extend(hit("g", who, 100, cache=cache, now=now).allowed for _ in range(40))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 100
    assert allowed.count(False) == 60
    assert hit("g", who, 101, cache=_cache(redis_url), now=now).remaining == 0


def test_counters_expire(redis_url):
    cache, who = _cache(redis_url), str(uuid.uuid4())
    hit("g", who, 10, cache=cache)
    client = redis.Redis.from_url(redis_url)
    keys = client.keys("ratelimit-test:*")
    assert keys
    assert all(0 < client.ttl(key) <= COUNTER_TTL for key in keys)


def test_middleware_uses_redis_when_configured(redis_url, settings, client, db):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    settings.RATE_LIMIT_MAX = 2
    address = f"10.99.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    statuses = [client.get("/source", REMOTE_ADDR=address).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
