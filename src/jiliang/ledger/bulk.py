"""Writing many rows in one go: the log's hot paths (appends, integration) write thousands of rows
per transaction, and the ORM's per-row work, or one round trip per row, would cap them far below
what the database can take."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model


def insert_rows(model: type[Model], columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Insert ``rows`` (values in ``columns`` order) into ``model``'s table in the current
    transaction: PostgreSQL COPY (one stream, no per-row round trip), or one prepared INSERT
    run by SQLite's executemany (a loop in C)."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) > 1:
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)
