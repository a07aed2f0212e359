"""Inserting a batch of new, already validated rows fast: COPY on PostgreSQL, one prepared INSERT
with ``executemany`` on SQLite.

``QuerySet.bulk_create`` builds a model instance per row and compiles every value through the
field machinery, about 15 µs per column of an instrument here, which alone holds an import near
5,000 rows/s. An import's new rows are complete column values, validated (and their derived
columns set) in the first pass, so this hands them to the driver as they are: on PostgreSQL
through psycopg's ``COPY ... FROM STDIN`` (the driver adapts dates, decimals and times itself,
several times faster than INSERT statements); on SQLite converting each column with one
converter chosen per field type (none for text, numbers, booleans and ids; the backend's own
adapter for dates, times and decimals; the field's full preparation for anything else).

Like ``bulk_create`` it sends no signals and runs no ``save()``; ``auto_now``/``auto_now_add``
columns get the batch's timestamp. New primary keys come from ``reserve_ids`` (the caller passes
them with the rows), so nothing has to be read back.
"""

from collections.abc import Callable, Iterable, Sequence
from functools import cache
from operator import itemgetter

from django.db import connection, models, transaction
from django.utils import timezone

PLAIN_TYPES = frozenset({
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "IntegerField",
    "PositiveBigIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField", "SlugField",
    "SmallIntegerField", "TextField",
})
PARAMS_PER_QUERY = 900  # under SQLite's oldest limit of 999 bound parameters


@cache
def columns(model: type[models.Model]) -> list[models.Field]:
    """The columns an insert writes: every concrete field but the primary key."""
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def values_of(obj: models.Model) -> dict[str, object]:
    """An instance's column values by attname, as ``insert`` takes them."""
    return {f.attname: getattr(obj, f.attname) for f in columns(type(obj))}


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` new primary keys of ``model``, safe beside other writers, inside a transaction.

    PostgreSQL: from the column's sequence. SQLite: Django's id columns are AUTOINCREMENT, whose
    counter is the ``sqlite_sequence`` row of the table; moving it on by ``count`` is a write, so
    the transaction holds SQLite's write lock from then on, and nobody else's insert can take one
    of these ids (the counter only grows)."""
    if not count:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reserve_ids needs a transaction: the ids are reserved until it ends")
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [connection.ops.quote_name(table), column, count])
            return [row[0] for row in cursor.fetchall()]
        cursor.execute("INSERT INTO sqlite_sequence (name, seq) SELECT %s, 0 "
                       "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = %s)", [table, table])
        quote = connection.ops.quote_name
        cursor.execute(f"UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT MAX({quote(column)}) "
                       f"FROM {quote(table)}), 0)) + %s WHERE name = %s", [count, table])
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        (last,) = cursor.fetchone()
    return list(range(last - count + 1, last + 1))


def existing(model: type[models.Model], attname: str, values: Iterable) -> set:
    """Which of ``values`` the column ``attname`` already holds: one indexed query (a chunk of
    parameters at a time on SQLite), without the ORM's per-parameter preparation."""
    values = list(set(values))
    if not values:
        return set()
    column = connection.ops.quote_name(model._meta.get_field(attname).column)
    table = connection.ops.quote_name(model._meta.db_table)
    found = set()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT {column} FROM {table} WHERE {column} = ANY(%s)", [values])
            found.update(row[0] for row in cursor.fetchall())
            return found
        for start in range(0, len(values), PARAMS_PER_QUERY):
            chunk = values[start : start + PARAMS_PER_QUERY]
            cursor.execute(f"SELECT {column} FROM {table} WHERE {column} IN ({', '.join(['%s'] * len(chunk))})",
                           chunk)
            found.update(row[0] for row in cursor.fetchall())
    return found


def _converter(field: models.Field) -> Callable[[object], object] | None:
    ops = connection.ops
    kind = field.get_internal_type()
    if field.is_relation or kind in PLAIN_TYPES:
        return None
    if kind == "DateField":
        return ops.adapt_datefield_value
    if kind == "DateTimeField":
        return ops.adapt_datetimefield_value
    if kind == "DecimalField":
        return lambda value: ops.adapt_decimalfield_value(value, field.max_digits, field.decimal_places)
    return lambda value: field.get_db_prep_save(value, connection)


def insert(model: type[models.Model], rows: Sequence[dict], *, with_pk: bool = False) -> None:
    """INSERT ``rows`` (attname -> value for every column but the automatic timestamps);
    ``with_pk``: the rows carry their primary keys too (from ``reserve_ids``)."""
    if not rows:
        return
    fields = [model._meta.pk, *columns(model)] if with_pk else columns(model)
    now = timezone.now()
    stamped = {f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
    names = [f.attname for f in fields]
    quote = connection.ops.quote_name
    table, column_list = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    if connection.vendor == "postgresql":
        read = itemgetter(*names)
        # The driver's own cursor: Django's wrapper of its errors (an IntegrityError for a unique
        # key taken meanwhile) is put back by hand.
        with (connection.cursor() as cursor, connection.wrap_database_errors,
              cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy):
            stamp = dict.fromkeys(stamped, now)
            for row in rows:
                copy.write_row(read({**row, **stamp}) if stamp else read(row))
    else:
        _execute_many(fields, names, stamped, now, rows,
                      f"INSERT INTO {table} ({column_list}) VALUES ({', '.join(['%s'] * len(fields))})")


def _execute_many(fields, names, stamped, now, rows, sql) -> None:
    stamp = dict.fromkeys(stamped, connection.ops.adapt_datetimefield_value(now))
    converters = [(i, c) for i, f in enumerate(fields) if f.attname not in stamped and (c := _converter(f))]
    read = itemgetter(*names)

    def prepared(row: dict) -> list:
        values = list(read({**row, **stamp}))
        for i, convert in converters:
            value = values[i]
            if value is not None:
                values[i] = convert(value)
        return values

    with connection.cursor() as cursor:
        cursor.executemany(sql, [prepared(row) for row in rows])


def refresh_statistics(model: type[models.Model]) -> None:
    """Have the database re-read ``model``'s table for its query planner, after a large load.

    SQLite keeps no statistics until ANALYZE: without them it reads a serial-number prefix search
    through the division index (the whole table at a million rows) instead of the search-key range.
    PostgreSQL's autovacuum would get there too, some minutes later."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
