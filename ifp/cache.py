"""The shared cache's backend (``REDIS_URL``): Django's own ``RedisCache`` over redis-py, with
one redis-py client a connection pool instead of one a call.

Django's ``RedisCacheClient.get_client`` makes a new ``redis.Redis`` for every cache call,
and redis-py's constructor copies its table of about 170 reply parsers into a new
case-insensitive dictionary each time: about 170 Python calls and 340 string operations a
call, more than the rest of a page cache hit's own Python (measured with
``python -m bench.hit_cost``). A ``redis.Redis`` made on a connection pool holds no
connection of its own, only the pool, which is thread-safe and which redis-py resets in a
process forked after it was made (gunicorn's workers): one client a pool serves every call.

redis-py (7 and later) looks its own version up in the installed package's metadata for
every new connection, to name itself to the server (``CLIENT SETINFO``): ``importlib.metadata``
and the ``email`` parser run in each gunicorn worker on its first cache call, and their code
and data pages, shared with the master until then, become the worker's own (about 1.5 MB a
worker; docs/decisions/worker-memory.md). The version is given once here instead.
"""

import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

try:
    from redis.driver_info import DriverInfo
except ImportError:  # an older redis-py, which reads its version once, at import
    DriverInfo = None


class ReusedClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            # The pools are kept for the life of the process: an id names one for good.
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    """Django's ``RedisCache``, whose client reuses its redis-py clients (``ReusedClient``)
    and whose connections name the redis-py version without reading package metadata."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClient
        if DriverInfo is not None and "driver_info" not in self._options:
            driver = DriverInfo(lib_version=redis.__version__)
            self._options = {**self._options, "driver_info": driver}

    def make_and_validate_key(self, key, version=None):
        """The key as stored (``make_key``), not checked: Django's check warns of keys that
        memcached refuses (over 250 characters, spaces, control characters), which Redis
        takes as they are; it cost eight Python calls a key, and a list page reads 20 to 50
        cards' keys."""
        return self.make_key(key, version=version)

    def validate_key(self, key):
        """Nothing to check: Redis takes any string as a key. Django's ``BaseCache`` warns
        of keys that memcached would refuse (long ones, spaces, control characters), which
        costs a scan of every key on every call: four a page cache hit."""
