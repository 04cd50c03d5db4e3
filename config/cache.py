"""The Redis cache backend, with one client per pool, and a counter that costs one round trip."""

from django.core.cache import cache
from django.core.cache.backends import redis as django_redis

# INCR and the expiry in one atomic step: a counter can never outlive its window.
_COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


class _SharedClientRedisCacheClient(django_redis.RedisCacheClient):
    """Django builds a new `redis.Redis` (and its callback table) on every call; reuse them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._count_script = None

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client

    def count(self, key: str, window_seconds: int) -> int:
        client = self.get_client(key, write=True)
        if self._count_script is None:
            self._count_script = client.register_script(_COUNT_SCRIPT)
        return self._count_script(keys=[key], args=[window_seconds], client=client)


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _SharedClientRedisCacheClient

    def count(self, key: str, window_seconds: int) -> int:
        """Add one to a counter that lives `window_seconds` from its first count."""
        return self._cache.count(self.make_and_validate_key(key), window_seconds)


def count(key: str, window_seconds: int) -> int:
    """Count one event in a window; atomic on Redis, and on the local-memory cache per process."""
    redis_count = getattr(cache, "count", None)
    if redis_count is not None:
        return redis_count(key, window_seconds)
    cache.add(key, 0, timeout=window_seconds)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        return 1
