"""Django's Redis cache with one connection pool per server for the whole process.

Django makes a cache object per thread and per request context, and its Redis client a pool
per object, which nothing closes: under ASGI every request context opened Redis connections of
its own and left them to the garbage collector (a 2-minute soak with Redis ended with 143 of
them open in the web process). One shared pool reuses them; redis-py pools are thread-safe
and start afresh in a forked child.
"""

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_pools: dict[tuple[str, type], object] = {}
_lock = threading.Lock()


class SharedPoolClient(RedisCacheClient):
    def _get_connection_pool(self, write):
        key = (self._servers[self._get_connection_pool_index(write)], self._pool_class)
        pool = _pools.get(key)
        if pool is None:
            with _lock:
                pool = _pools.get(key)
                if pool is None:
                    pool = _pools[key] = self._pool_class.from_url(key[0], **self._pool_options)
        return pool


class SharedPoolRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedPoolClient
