"""The shared cache's backend (ifp/cache.py)."""

from importlib import metadata

import redis

from ifp.cache import RedisCache


def test_a_new_connection_names_the_redis_py_version_without_reading_package_metadata(
    monkeypatch,
):
    """redis-py would read its version from the installed package's metadata for every new
    connection (importlib.metadata and the email parser, run in each gunicorn worker)."""

    def refuse(name):
        raise AssertionError(f"package metadata read for {name}")

    monkeypatch.setattr(metadata, "version", refuse)
    cache = RedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.1}})
    pool = cache._cache._get_connection_pool(write=True)

    connection = pool.make_connection()  # made, not connected: nothing is sent

    assert connection.driver_info.lib_version == redis.__version__
    assert connection.driver_info.formatted_name == "redis-py"


def test_keys_are_not_checked_against_memcached_limits(recwarn):
    """Redis takes any string as a key: no scan of each key for memcached's limits on the
    four keys a page cache hit reads."""
    cache = RedisCache("redis://127.0.0.1:1/0", {"KEY_PREFIX": "ifp"})

    key = cache.make_and_validate_key("page with spaces " + "x" * 300)

    assert key.startswith("ifp:1:page with spaces ")
    assert not recwarn.list
