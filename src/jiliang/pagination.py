"""Pages without a COUNT: fetch one row more than asked to know whether another page follows.

A COUNT(*) over a million scoped rows on every page turn is what makes registries slow; the lists
here show "next" when there is one and leave totals to the statistics pages.
"""

from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db.models import QuerySet

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


def page_of(queryset: QuerySet, offset: int = 0, limit: int = 50) -> Page:
    offset = max(0, offset)
    limit = min(max(1, limit), MAX_LIMIT)
    rows = list(queryset[offset : offset + limit + 1])
    return Page(items=rows[:limit], offset=offset, limit=limit, has_more=len(rows) > limit)
