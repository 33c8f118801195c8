"""The Redis cache shares one connection pool per process (cockpit/cache.py): Django's own
makes a pool per cache object, one per thread or request context, so connections grew with
them."""

import threading

import pytest
import redis
from django.core.cache.backends.redis import RedisCache

from cockpit.cache import SharedPoolRedisCache

pytestmark = pytest.mark.redis
OBJECTS = 40


def connections_opened_by(backend, redis_url: str) -> int:
    """Connected clients added by OBJECTS cache objects, each used from a thread of its own
    one after another (as request contexts come and go), all kept alive meanwhile."""
    watcher = redis.Redis.from_url(redis_url)
    before = watcher.info("clients")["connected_clients"]
    caches = [backend(redis_url, {}) for _ in range(OBJECTS)]

    def use(cache, n):
        cache.set(f"ck-pool-test-{n}", n, 30)
        assert cache.get(f"ck-pool-test-{n}") == n

    for n, cache in enumerate(caches):
        thread = threading.Thread(target=use, args=(cache, n))
        thread.start()
        thread.join()
    opened = watcher.info("clients")["connected_clients"] - before
    watcher.close()
    return opened


def test_cache_objects_share_one_pool(redis_url):
    assert connections_opened_by(SharedPoolRedisCache, redis_url) <= 1


def test_djangos_own_cache_opens_a_pool_per_object(redis_url):
    """Why cockpit/cache.py exists (if Django starts sharing pools, it can go)."""
    assert connections_opened_by(RedisCache, redis_url) >= OBJECTS
