"""The cache backend: Redis, where a server that cannot be reached is a miss, not an error.

Sessions (``cached_db``) then fall back to the database, and cached fragments and counts are
worked out afresh: the portal gets slower while Redis is away instead of failing (issue 5
made every page read the cache). Each failure is logged. ``incr`` and ``clear`` still raise:
nothing on a page uses them, and ops should see them fail.
"""
import functools
import logging

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)


def _or(fallback):
    """Answer ``fallback`` when the server cannot be reached or does not answer in time."""
    def wrap(method):
        @functools.wraps(method)
        def forgiving(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except (RedisConnectionError, RedisTimeoutError) as error:
                log.warning("cache: %s failed, going on without the cache: %s",
                            method.__name__, error)
                return fallback(*args) if callable(fallback) else fallback
        return forgiving
    return wrap


class ForgivingRedisCacheClient(RedisCacheClient):
    add = _or(False)(RedisCacheClient.add)
    get = _or(lambda key, default: default)(RedisCacheClient.get)
    set = _or(None)(RedisCacheClient.set)
    touch = _or(False)(RedisCacheClient.touch)
    delete = _or(False)(RedisCacheClient.delete)
    get_many = _or({})(RedisCacheClient.get_many)
    has_key = _or(False)(RedisCacheClient.has_key)
    set_many = _or([])(RedisCacheClient.set_many)
    delete_many = _or(None)(RedisCacheClient.delete_many)


class ForgivingRedisCache(RedisCache):
    """Django's Redis cache with ForgivingRedisCacheClient."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ForgivingRedisCacheClient
