"""Raw SQL on the ingest hot path: one cursor and one way to pass lists, on PostgreSQL and SQLite.

Django's PostgreSQL cursor binds parameters on the client (psycopg's ClientCursor): every list is
quoted element by element in Python, a query with thousands of placeholders is split in Python on
every call, and every timestamptz read goes through Django's Python loader. Per MQTT batch that was
most of the worker's CPU. Here a PostgreSQL statement runs on a server-binding psycopg cursor of
the same connection (so inside the caller's transaction), lists go as binary arrays (``%b``), and
timestamps are read by psycopg's C loader. On SQLite the statements run on Django's cursor, and a
list goes as one JSON text read with ``json_each``. Database errors are Django's, as everywhere.
"""

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def cursor() -> Iterator:
    """A cursor for the statements of this module's callers (``%s``/``%b`` placeholders, see
    :func:`array`), in the current transaction."""
    if not is_postgres():
        with connection.cursor() as sqlite_cursor:
            yield sqlite_cursor
        return
    import psycopg
    from psycopg.types.datetime import TimestamptzLoader

    connection.ensure_connection()
    with connection.wrap_database_errors:
        with psycopg.Cursor(connection.connection) as pg_cursor:
            # psycopg puts its C implementation in place of the Python class registered here.
            pg_cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
            yield pg_cursor


def array(kind: str) -> str:
    """The placeholder of one list parameter (see :func:`list_param`): a binary array of ``kind``
    on PostgreSQL, a JSON text on SQLite (read with ``json_each``, as :func:`in_list` does)."""
    return f"%b::{kind}[]" if is_postgres() else "%s"


def list_param(values: Sequence):
    if is_postgres():
        return list(values)
    return json.dumps([_sqlite_value(v) for v in values])


def in_list(column: str, kind: str) -> str:
    """``column`` is one of a list parameter (pass it with :func:`list_param`)."""
    if is_postgres():
        return f"{column} = ANY({array(kind)})"
    return f"{column} IN (SELECT value FROM json_each(%s))"


def rows_source(rows: Sequence[tuple], kinds: tuple[str, ...]) -> tuple[str, list]:
    """The rows as a query whose columns are in ``kinds`` order: ``SELECT * FROM unnest(arrays)``
    on PostgreSQL (one binary array per column, however many rows), ``VALUES (…), (…)`` on SQLite
    (bound as they are: a float passed through JSON text could come back one unit off)."""
    if is_postgres():
        columns = [list(column) for column in zip(*rows)] or [[] for _ in kinds]
        return "SELECT * FROM unnest(" + ", ".join(array(kind) for kind in kinds) + ")", columns
    one = "(" + ", ".join("%s" for _ in kinds) + ")"
    return "VALUES " + ", ".join([one] * len(rows)), [_sqlite_value(value) for row in rows for value in row]


def chunks(rows: list, size: int) -> list[list]:
    """The whole list on PostgreSQL (arrays take any length); slices of ``size`` rows on SQLite,
    whose statements take a bounded number of placeholders (see :func:`rows_source`)."""
    if is_postgres():
        return [rows] if rows else []
    return [rows[first:first + size] for first in range(0, len(rows), size)]


def update_by_id(table: str, columns: tuple[str, ...], kinds: tuple[str, ...], rows: list[tuple],
                 assignments: str, *, chunk: int, params: Sequence = ()) -> None:
    """``UPDATE table SET assignments`` from ``rows`` (named ``v`` with ``columns``, the first the
    row id), one UPDATE … FROM (the rows) per chunk; ``params`` fill the assignments' placeholders."""
    with cursor() as update:
        for part in chunks(rows, chunk):
            source, values = rows_source(part, kinds)
            update.execute(f"WITH v({', '.join(columns)}) AS ({source}) UPDATE {table} SET {assignments} "
                           f"FROM v WHERE {table}.id = v.id", [*values, *params])


def _sqlite_value(value):
    """A datetime as Django's SQLite backend stores it (``adapt_datetimefield_value``: naive UTC as
    ``str``), done here: going through ``connection.ops`` looked the thread's connection up for every
    value, a fifth of an HTTP batch's CPU (docs/monitoring.md). The project's SQLite connections are
    in UTC (no per-database TIME_ZONE); tests/monitoring/test_sql.py holds it to Django's."""
    if isinstance(value, dt.datetime):
        if value.utcoffset() is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return str(value)
    return value


def param(value):
    """One scalar parameter (a datetime in SQLite's stored text form)."""
    return value if is_postgres() else _sqlite_value(value)


def time_of(value) -> dt.datetime | None:
    """A timestamp as read by :func:`cursor`: aware UTC on both databases (SQLite gives the text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def json_of(value):
    """A JSON column as read by :func:`cursor` (its text on both databases), decoded."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def is_lock_timeout(error: Exception) -> bool:
    """Whether a database error says another connection held SQLite's write lock past the busy
    timeout ("database is locked"; "database table is locked" between connections sharing a cache):
    nothing was written, and the same request succeeds later."""
    return not is_postgres() and "is locked" in str(error)
