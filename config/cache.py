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
        self.count_script = None

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _SharedClientRedisCacheClient

    def count(self, key: str, window_seconds: int) -> int:
        """Add one to a counter that lives `window_seconds` from its first count."""
        client = self._cache.get_client(write=True)
        if self._cache.count_script is None:
            self._cache.count_script = client.register_script(_COUNT_SCRIPT)
        redis_key = self.make_and_validate_key(key)
        return self._cache.count_script(keys=[redis_key], args=[window_seconds], client=client)


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
