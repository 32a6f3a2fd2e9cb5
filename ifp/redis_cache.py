"""The shared cache in Redis (``REDIS_URL``), as a small Django cache backend that speaks
Redis's protocol (RESP) itself over one socket per process.

Why not redis-py with Django's ``RedisCache``: importing redis-py costs each gunicorn
worker about 6 MB of memory (it loads 60-odd modules: cluster, sentinel, modules' commands)
against issue 6's 60 MB per worker, and the site needs eight commands. Values are stored
as Django's Redis backend stores them (integers as digits, so that INCR works; anything
else pickled), so the two read each other's entries.

A dropped connection is opened again once, transparently; a second failure raises
``ConnectionError`` like any cache outage (``/healthz`` reports it).
"""

import os
import pickle
import socket
from urllib.parse import unquote, urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache


class RedisError(Exception):
    """An error reply from Redis."""


class Connection:
    """One socket to Redis, opened lazily and again after a fork or a failure."""

    def __init__(self, url, timeout):
        parts = urlsplit(url)
        if parts.scheme not in {"redis", "rediss"}:
            raise ValueError(f"REDIS_URL must start with redis:// or rediss://, not {url!r}")
        if parts.scheme == "rediss":
            raise ValueError("rediss:// (TLS) is not supported; reach Redis on a private network")
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 6379
        self.db = int(parts.path.strip("/") or 0)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout
        self._sock = self._file = None
        self._pid = None

    def execute(self, *commands):
        """Send ``commands`` (tuples of arguments) in one write, read their replies."""
        try:
            return self._round_trip(commands)
        except OSError:
            self.close()  # the server closed an idle connection, or it restarted
            return self._round_trip(commands)

    def _round_trip(self, commands):
        if self._sock is None or self._pid != os.getpid():
            self._connect()
        try:
            self._sock.sendall(b"".join(encode(command) for command in commands))
            replies = [self._read() for _ in commands]
        except (OSError, EOFError) as error:
            self.close()
            raise ConnectionError(f"Redis at {self.host}:{self.port}: {error}") from error
        for reply in replies:
            if isinstance(reply, RedisError):
                raise reply
        return replies

    def _connect(self):
        self.close()
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock, self._file, self._pid = sock, sock.makefile("rb"), os.getpid()
        setup = []
        if self.password is not None:
            setup.append(
                ("AUTH", self.username, self.password)
                if self.username
                else ("AUTH", self.password)
            )
        if self.db:
            setup.append(("SELECT", self.db))
        if setup:
            self._sock.sendall(b"".join(encode(command) for command in setup))
            for _ in setup:
                if isinstance(reply := self._read(), RedisError):
                    raise reply

    def _read(self):
        line = self._file.readline()
        if not line.endswith(b"\r\n"):
            raise EOFError("connection closed")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest
        if kind == b"-":
            return RedisError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            length = int(rest)
            if length < 0:
                return None
            data = self._file.read(length + 2)
            if len(data) != length + 2:
                raise EOFError("connection closed")
            return data[:-2]
        if kind == b"*":
            length = int(rest)
            return None if length < 0 else [self._read() for _ in range(length)]
        raise EOFError(f"not a Redis reply: {line[:20]!r}")

    def close(self):
        for handle in (self._file, self._sock):
            if handle is not None:
                try:
                    handle.close()
                except OSError:
                    pass
        self._sock = self._file = None


def encode(command):
    parts = [b"*%d\r\n" % len(command)]
    for argument in command:
        if isinstance(argument, str):
            argument = argument.encode()
        elif isinstance(argument, int):
            argument = b"%d" % argument
        parts.append(b"$%d\r\n%s\r\n" % (len(argument), argument))
    return b"".join(parts)


def dumps(value):
    # Integers as digits (Redis's INCR works on them), as Django's RedisSerializer does.
    if type(value) is int:
        return b"%d" % value
    return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


def loads(data):
    try:
        return int(data)
    except ValueError:
        return pickle.loads(data)


class RedisCache(BaseCache):
    """``CACHES["default"]["BACKEND"] = "ifp.redis_cache.RedisCache"`` with ``LOCATION``
    the ``redis://[user:password@]host:port/db`` URL."""

    def __init__(self, server, params):
        super().__init__(params)
        options = params.get("OPTIONS", {})
        self._connection = Connection(server, timeout=options.get("socket_timeout", 5))

    def _run(self, *command):
        return self._connection.execute(command)[0]

    def get_backend_timeout(self, timeout=DEFAULT_TIMEOUT):
        if timeout == DEFAULT_TIMEOUT:
            timeout = self.default_timeout
        return None if timeout is None else max(0, int(timeout))

    def _set_command(self, key, value, timeout, *flags):
        command = ["SET", key, dumps(value), *flags]
        if timeout is not None:
            command += ["EX", timeout]
        return tuple(command)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        if timeout == 0:
            added = self._run("SET", key, dumps(value), "NX") is not None
            if added:
                self._run("DEL", key)
            return added
        return (
            self._connection.execute(self._set_command(key, value, timeout, "NX"))[0] is not None
        )

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        value = self._run("GET", key)
        return default if value is None else loads(value)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        if timeout == 0:
            self._run("DEL", key)
        else:
            self._connection.execute(self._set_command(key, value, timeout))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        if timeout is None:
            return bool(self._run("PERSIST", key))
        return bool(self._run("EXPIRE", key, timeout))

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return bool(self._run("DEL", key))

    def get_many(self, keys, version=None):
        keys = list(keys)
        if not keys:
            return {}
        names = {self.make_and_validate_key(key, version=version): key for key in keys}
        values = self._run("MGET", *names)
        return {
            names[name]: loads(v) for name, v in zip(names, values, strict=True) if v is not None
        }

    def has_key(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return bool(self._run("EXISTS", key))

    def incr(self, key, delta=1, version=None):
        name = self.make_and_validate_key(key, version=version)
        if not self._run("EXISTS", name):
            raise ValueError(f"Key '{key}' not found.")
        return self._run("INCRBY", name, delta)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        if not data:
            return []
        timeout = self.get_backend_timeout(timeout)
        if timeout == 0:
            self.delete_many(data, version=version)
            return []
        commands = [
            self._set_command(self.make_and_validate_key(key, version=version), value, timeout)
            for key, value in data.items()
        ]
        self._connection.execute(*commands)
        return []

    def delete_many(self, keys, version=None):
        names = [self.make_and_validate_key(key, version=version) for key in keys]
        if names:
            self._run("DEL", *names)

    def clear(self):
        self._run("FLUSHDB")

    def close(self, **kwargs):
        """Kept open between requests: reconnecting would cost a round trip each time."""
