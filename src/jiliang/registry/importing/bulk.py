"""Inserting a batch of new, already validated rows fast: one prepared INSERT, ``executemany``.

``QuerySet.bulk_create`` builds a model instance per row and compiles every value through the
field machinery, about 15 µs per column of an instrument here, which alone holds an import near
5,000 rows/s. An import's new rows are complete column values taken from model instances that
were validated (and had their derived columns set) in the first pass, so this converts each column
with one converter chosen per field type (none for text, numbers, booleans and ids; the backend's
own adapter for dates, times and decimals; the field's full preparation for anything else) and
hands the rows to the driver's ``executemany``.

Like ``bulk_create`` it sends no signals and runs no ``save()``; ``auto_now``/``auto_now_add``
columns get the batch's timestamp. Ids are read back with one query on a unique key.
"""

from collections.abc import Callable, Sequence
from functools import cache
from operator import itemgetter

from django.db import connection, models
from django.utils import timezone

PLAIN_TYPES = frozenset({
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "IntegerField",
    "PositiveBigIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField", "SlugField",
    "SmallIntegerField", "TextField",
})
PARAMS_PER_QUERY = 900


@cache
def columns(model: type[models.Model]) -> list[models.Field]:
    """The columns an insert writes: every concrete field but the primary key."""
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def values_of(obj: models.Model) -> dict[str, object]:
    """An instance's column values by attname, as ``insert`` takes them."""
    return {f.attname: getattr(obj, f.attname) for f in columns(type(obj))}


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


def insert(model: type[models.Model], rows: Sequence[dict], key: tuple[str, ...] | None = None, *,
           with_pk: bool = False) -> list | None:
    """INSERT ``rows`` (attname -> value for every column but the automatic timestamps); with
    ``key`` (the attnames of a unique constraint) return the new primary keys in ``rows``' order.
    ``with_pk``: the rows carry their primary keys too (ids the caller reserved)."""
    if not rows:
        return [] if key is not None else None
    fields = [model._meta.pk, *columns(model)] if with_pk else columns(model)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    stamp = {f.attname: now for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
    converters = [(i, c) for i, f in enumerate(fields) if f.attname not in stamp and (c := _converter(f))]
    read = itemgetter(*(f.attname for f in fields))

    def prepared(row: dict) -> list:
        values = list(read({**row, **stamp}))
        for i, convert in converters:
            values[i] = convert(values[i])
        return values

    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [prepared(row) for row in rows])
    return _read_back_ids(model, rows, key) if key is not None else None


def _read_back_ids(model, rows: Sequence[dict], key: tuple[str, ...]) -> list:
    keys = [tuple(row[name] for name in key) for row in rows]
    ids = {}
    chunk = max(1, PARAMS_PER_QUERY // len(key))
    for start in range(0, len(keys), chunk):
        part = keys[start : start + chunk]
        lookup = {f"{name}__in": {k[i] for k in part} for i, name in enumerate(key)}
        for found in model.objects.filter(**lookup).values_list(*key, "pk"):
            ids[tuple(found[:-1])] = found[-1]
    return [ids[k] for k in keys]
