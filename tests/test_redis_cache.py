"""ifp.redis_cache against a real Redis: the one on this machine (CI starts it), database 15,
which nothing else uses. Skipped only where no Redis answers."""

import socket

import pytest
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from ifp.redis_cache import Connection, RedisCache, RedisError

URL = "redis://127.0.0.1:6379/15"


def redis_answers():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379")


@pytest.fixture
def cache():
    backend = RedisCache(URL, {"KEY_PREFIX": "ifp-test"})
    backend.clear()
    yield backend
    backend.clear()


def raw(*command):
    return Connection(URL, timeout=5).execute(command)[0]


@pytest.mark.parametrize(
    "value", [0, 42, -7, "text", "ünïcode", b"\x00bytes\r\n", {"a": [1, 2.5, None]}, ("t",)]
)
def test_values_come_back_as_they_went_in(cache, value):
    cache.set("k", value)
    assert cache.get("k") == value


def test_missing_keys_give_the_default(cache):
    assert cache.get("missing") is None
    assert cache.get("missing", "fallback") == "fallback"


def test_timeouts_reach_redis(cache):
    cache.set("short", 1, timeout=30)
    cache.set("forever", 1, timeout=None)
    cache.set("default", 1)
    assert 0 < raw("TTL", cache.make_key("short")) <= 30
    assert raw("TTL", cache.make_key("forever")) == -1
    assert 0 < raw("TTL", cache.make_key("default")) <= 300
    cache.set("gone", 1, timeout=0)
    assert not cache.has_key("gone")


def test_add_only_sets_a_missing_key(cache):
    assert cache.add("lock", 1, timeout=5)
    assert not cache.add("lock", 2, timeout=5)
    assert cache.get("lock") == 1
    assert cache.add("zero", 1, timeout=0) and not cache.has_key("zero")


def test_incr_counts_atomically_and_refuses_a_missing_key(cache):
    cache.set("generation", 1, timeout=None)
    assert cache.incr("generation") == 2
    assert cache.incr("generation", 5) == 7
    with pytest.raises(ValueError):
        cache.incr("never-set")


def test_many_keys_in_one_round_trip(cache):
    cache.set_many({"a": 1, "b": "two", "c": [3]}, timeout=60)
    assert cache.get_many(["a", "b", "c", "missing"]) == {"a": 1, "b": "two", "c": [3]}
    cache.delete_many(["a", "b"])
    assert cache.get_many(["a", "b", "c"]) == {"c": [3]}
    assert cache.get_many([]) == {}


def test_delete_touch_and_has_key(cache):
    cache.set("k", 1, timeout=5)
    assert cache.touch("k", 100) and 5 < raw("TTL", cache.make_key("k")) <= 100
    assert cache.touch("k", None) and raw("TTL", cache.make_key("k")) == -1
    assert cache.has_key("k")
    assert cache.delete("k") and not cache.delete("k")
    assert not cache.touch("k", 10)


def test_entries_are_shared_with_djangos_own_redis_backend(cache):
    """Same storage format as django.core.cache.backends.redis: either can read the other."""
    django_cache = DjangoRedisCache(URL, {"KEY_PREFIX": "ifp-test"})
    django_cache.set("from-django", {"page": "<html>"}, 60)
    django_cache.set("counter", 5, 60)
    assert cache.get("from-django") == {"page": "<html>"}
    assert cache.incr("counter") == 6
    cache.set("from-ifp", ("entry", 1), 60)
    assert django_cache.get("from-ifp") == ("entry", 1)
    assert django_cache.get("counter") == 6


def test_a_dropped_connection_is_opened_again(cache):
    cache.set("k", 1)
    client_id = cache._run("CLIENT", "ID")
    raw("CLIENT", "KILL", "ID", client_id)
    assert cache.get("k") == 1  # reconnected without the caller noticing
    assert cache._run("CLIENT", "ID") != client_id


def test_a_forked_worker_opens_its_own_connection(cache):
    cache.get("k")
    first = cache._connection._sock
    cache._connection._pid = -1  # as seen from a child process after fork
    cache.get("k")
    assert cache._connection._sock is not first


def test_redis_errors_are_raised_and_the_connection_stays_usable(cache):
    cache.set("text", "not a number")
    with pytest.raises(RedisError):
        cache._run("INCRBY", cache.make_key("text"), 1)
    assert cache.get("text") == "not a number"


def test_an_unreachable_redis_is_a_connection_error():
    backend = RedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_timeout": 1}})
    with pytest.raises(ConnectionError):
        backend.get("k")


def test_only_redis_urls_are_accepted():
    with pytest.raises(ValueError, match="redis://"):
        RedisCache("http://127.0.0.1:6379", {})
