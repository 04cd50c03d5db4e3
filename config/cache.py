"""The Redis cache backend, with one client per pool, a counter that costs one round trip, and
the rule for what the cache may cost when Redis is away: nothing but a fail-open.

Everything kept in the cache (throttle and failure counters, verified API keys, sign-in
delays) can be done without, so an unreachable Redis must not fail a request. `fail_open`
runs one cache operation; on a Redis error it logs a warning, counts it on `/metrics`, answers
a default, and leaves the cache alone for CACHE_RETRY_SECONDS so that a Redis that times out
costs one timeout per second, not one per operation.
"""

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends import redis as django_redis
from django.utils import timezone
from redis.exceptions import RedisError

from config.metrics import CACHE_FAIL_OPEN

logger = logging.getLogger(__name__)
T = TypeVar("T")

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


_last_failure_at: datetime | None = None


def fail_open(use: str, operation: Callable[[], T], default: T) -> T:
    """Run one cache operation; if Redis cannot answer, log, count and return `default`."""
    global _last_failure_at
    if time.monotonic() < getattr(cache, "unavailable_until", 0.0):
        CACHE_FAIL_OPEN.labels(use=use).inc()
        return default
    try:
        return operation()
    except RedisError:
        cache.unavailable_until = time.monotonic() + settings.CACHE_RETRY_SECONDS
        _last_failure_at = timezone.now()
        CACHE_FAIL_OPEN.labels(use=use).inc()
        logger.warning("The cache is unavailable; %s fails open", use, exc_info=True)
        return default


def last_failure_at() -> datetime | None:
    """Return when this process last found the cache unavailable, if it ever did."""
    return _last_failure_at
