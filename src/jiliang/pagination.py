"""Pages without a COUNT, by offset for short lists and by keyset for the large ones.

A COUNT(*) over a million scoped rows on every page turn is what makes registries slow; the lists
here show "next" when there is one and leave totals to the statistics pages.

``page_of`` pages by offset: fine for a few pages, but page 1,000 makes the database read and
throw away 50,000 rows first (the last of 55,000 certificates took 1.85 s). ``keyset_page``
pages by position instead: the rows after (or before) the last row shown, in the order of
(sort key, primary key), so every page costs what the first does, the last included (the first
page of the reversed order). A cursor is that position, opaque to the client.

NULLs sort where the database puts them (PostgreSQL: after every value; SQLite: before), so that
an index on the sort key serves the order on both; the conditions follow the same rule.
"""

import base64
import datetime
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from jiliang.errors import InvalidInput

Row = TypeVar("Row")
MAX_LIMIT = 500


@dataclass(frozen=True)
class Page(Generic[Row]):
    items: list[Row]
    offset: int
    limit: int
    has_more: bool

    @property
    def next_offset(self) -> int | None:
        return self.offset + self.limit if self.has_more else None

    @property
    def previous_offset(self) -> int | None:
        return max(0, self.offset - self.limit) if self.offset > 0 else None


def _limited(limit: int) -> int:
    return min(max(1, limit), MAX_LIMIT)


def page_of(queryset: QuerySet, offset: int = 0, limit: int = 50) -> Page:
    offset = max(0, offset)
    limit = _limited(limit)
    rows = list(queryset[offset : offset + limit + 1])
    return Page(items=rows[:limit], offset=offset, limit=limit, has_more=len(rows) > limit)


class InvalidCursor(ValueError):
    """A cursor this list did not hand out (edited, or from another sort order)."""


_ENCODERS = {
    type(None): ("n", lambda v: None), bool: ("b", bool), int: ("i", int), float: ("f", float), str: ("s", str),
    Decimal: ("D", str), datetime.datetime: ("t", datetime.datetime.isoformat),
    datetime.date: ("d", datetime.date.isoformat),
}
_DECODERS = {
    "n": lambda v: None, "b": bool, "i": int, "f": float, "s": str, "D": Decimal,
    "t": datetime.datetime.fromisoformat, "d": datetime.date.fromisoformat,
}


def encode_cursor(sort: str, value, pk) -> str:
    tag, write = _ENCODERS[type(value)]
    text = json.dumps([sort, tag, write(value), pk], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(sort: str, cursor: str) -> tuple[object, object]:
    try:
        given, tag, value, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if given != sort or not isinstance(pk, int):
            raise ValueError
        return _DECODERS[tag](value), pk
    except (ValueError, TypeError, KeyError):
        raise InvalidCursor(cursor) from None


def _nullable(model, path: str) -> bool:
    """Whether the lookup path can be NULL (a nullable field, or a nullable relation on the way)."""
    for step in path.split("__"):
        try:
            field = model._meta.get_field(step)
        except FieldDoesNotExist:
            return True
        if getattr(field, "null", False):
            return True
        model = field.related_model or model
    return False


@dataclass(frozen=True)
class Keyset:
    """An order over (sort key, primary key), e.g. "-performed_on", and the conditions of the rows
    beyond a position in it."""

    sort: str

    @property
    def field(self) -> str:
        return self.sort.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    def ordered(self, queryset: QuerySet, reverse: bool = False) -> QuerySet:
        descending = self.descending != reverse
        sign = "-" if descending else ""
        if self.field == "pk":
            return queryset.order_by(f"{sign}pk")
        return queryset.order_by(f"{sign}{self.field}", f"{sign}pk")

    def beyond(self, queryset: QuerySet, value, pk, reverse: bool = False) -> Q:
        """The rows after (value, pk) in this order (``reverse``: before it)."""
        descending = self.descending != reverse
        after = "lt" if descending else "gt"
        if self.field == "pk":
            return Q(**{f"pk__{after}": pk})
        field, since = self.field, "lte" if descending else "gte"
        nulls_last = connection.vendor != "sqlite"
        null_after = nulls_last != descending  # NULLs come after every value in this direction
        if value is None:
            tail = Q(**{f"{field}__isnull": True, f"pk__{after}": pk})
            return tail if null_after else tail | Q(**{f"{field}__isnull": False})
        # The first condition alone bounds an index range on the sort key; the second breaks ties.
        condition = Q(**{f"{field}__{since}": value}) & (Q(**{f"{field}__{after}": value}) | Q(**{f"pk__{after}": pk}))
        if null_after and _nullable(queryset.model, field):
            condition |= Q(**{f"{field}__isnull": True})
        return condition


@dataclass(frozen=True)
class KeysetPage(Generic[Row]):
    items: list[Row]
    limit: int
    next_cursor: str | None  # the rows after this page; None on the last page
    previous_cursor: str | None  # the rows before it; None on the first page
    offset: int = 0  # rows skipped before the first page (the API's offset, for clients of old)

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None


def keyset_page(queryset: QuerySet, sort: str, limit: int = 50, *, after: str | None = None,
                before: str | None = None, last: bool = False, offset: int = 0) -> KeysetPage:
    """The page after the cursor ``after``, before the cursor ``before``, the last page (``last``),
    or else the first page of ``queryset`` (``offset`` rows on) in the order ``sort`` (a field or
    lookup path, "-" for descending) and then primary key. Raises ``InvalidCursor`` for a cursor
    of another order."""
    keyset = Keyset(sort)
    limit = _limited(limit)
    backwards = bool(before) or last
    position = decode_cursor(sort, before or after) if (before or after) else None
    offset = 0 if backwards or position is not None else max(0, offset)
    rows = keyset.ordered(queryset.annotate(keyset_value=F(keyset.field), keyset_pk=F("pk")), reverse=backwards)
    if position is not None:
        try:
            rows = rows.filter(keyset.beyond(queryset, *position, reverse=backwards))
        except (ValidationError, ValueError, TypeError):  # a value of another type than the sort key's
            raise InvalidCursor(before or after) from None
    rows = list(rows[offset : offset + limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()

    def cursor(row) -> str:
        value, pk = (row["keyset_value"], row["keyset_pk"]) if isinstance(row, dict) else (row.keyset_value, row.keyset_pk)
        return encode_cursor(sort, value, pk)

    has_next = (not backwards and more) or bool(before)
    has_previous = (backwards and more) or bool(after) or offset > 0
    return KeysetPage(
        items=rows, limit=limit,
        next_cursor=cursor(rows[-1]) if rows and has_next else None,
        previous_cursor=cursor(rows[0]) if rows and has_previous else None,
        offset=offset,
    )


def api_page(queryset: QuerySet, sort: str, *, cursor: str | None, offset: int, limit: int) -> KeysetPage:
    """A page of an API list: after ``cursor`` (the ``next_cursor`` of the page before), or
    ``offset`` rows on for clients that page by offset (slow deep in a large list)."""
    try:
        return keyset_page(queryset, sort, limit, after=cursor, offset=offset)
    except InvalidCursor:
        message = _("分页游标无效：请使用上一页返回的 next_cursor，并保持排序不变。")
        raise InvalidInput(message, {"cursor": [message]}) from None
