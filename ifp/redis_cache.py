"""Django's Redis cache, with one redis-py client per connection pool instead of one per
call: building a client costs more than a cache hit's round trip (measured with the
benchmark: about half of a cached page's time went to it)."""

from django.core.cache.backends import redis as django_redis


class ClientReusingRedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ClientReusingRedisCacheClient
