"""Reading with statements that PostgreSQL plans once a connection."""

import contextlib

from django.db import connection


def prepared_cursor():
    """A cursor for a fixed statement of a hot read: Django's cursor wrapper (queries
    logged and counted, errors raised as Django's) around a cursor that binds parameters
    on the server, so that psycopg prepares each statement once this connection has run
    it ``DATABASE_PREPARE_THRESHOLD`` times (``prepare_threshold``) and PostgreSQL plans
    it once rather than on every run (half of PostgreSQL's time on the article page).

    Only for statements written by hand as SQL with ``%s`` parameters: the ORM's are left
    to Django's client-side binding, since some of its statements cannot bind on the
    server (a DISTINCT whose ORDER BY repeats a parameter of its select list). Elsewhere
    than PostgreSQL, or with the threshold 0, this is Django's own cursor."""
    if connection.vendor != "postgresql" or not connection.settings_dict["OPTIONS"].get(
        "prepare_threshold"
    ):
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = ServerBindingCursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


@contextlib.contextmanager
def statements_unremembered():
    """Within it, this connection keeps no count of the statements it runs: for a command
    that writes large statements (a restore's INSERTs of hundreds of rows). With
    ``prepare_threshold`` set, psycopg remembers the text of each of the last hundred
    different statements to count its runs, Django's client-side ones too, whose text
    holds their values: three megabytes an INSERT, 180 MB a restore. Nothing is prepared
    within it; a no-op elsewhere than PostgreSQL."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    threshold = raw.prepare_threshold
    raw.prepare_threshold = None
    try:
        yield
    finally:
        raw.prepare_threshold = threshold
