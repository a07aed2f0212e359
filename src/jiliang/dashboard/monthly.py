"""Counting figures per county (stock) or per county and calendar month (flow), for the apps'
``figures`` modules: one grouped query, several divisions of a county folded into one row."""

import datetime as dt
from collections import Counter
from collections.abc import Iterator

from django.db.models import QuerySet
from django.db.models.functions import TruncMonth

from jiliang.registry.models import county_id_of


def per_county_month(rows: QuerySet, month_field: str, prefix: str, division_field: str = "division_id",
                     **counts) -> Iterator[tuple[int, dt.date, str, int]]:
    """``(county_id, month, f"{prefix}.{name}", value)`` for each aggregate in ``counts``; several
    divisions of a county fold into one row."""
    grouped = (rows.order_by().annotate(month=TruncMonth(month_field)).values(division_field, "month")
               .annotate(**counts))
    totals: Counter = Counter()
    for row in grouped:
        month = row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
        county_id = county_id_of(row[division_field])
        for name in counts:
            totals[county_id, month, f"{prefix}.{name}"] += row[name]
    for (county_id, month, key), value in totals.items():
        yield county_id, month, key, value


def per_county(rows: QuerySet, prefix: str, division_field: str = "division_id",
               **counts) -> Iterator[tuple[int, str, int]]:
    """``(county_id, f"{prefix}.{name}", value)`` for each aggregate in ``counts``."""
    totals: Counter = Counter()
    for row in rows.order_by().values(division_field).annotate(**counts):
        county_id = county_id_of(row[division_field])
        for name in counts:
            totals[county_id, f"{prefix}.{name}"] += row[name]
    for (county_id, key), value in totals.items():
        yield county_id, key, value
