"""The registry of figure providers: each app tells the dashboard which figures it counts.

An app adds its figures without touching the dashboard: in its ``AppConfig.ready`` it imports its
own ``figures`` module, which calls ``register(Provider(...))``. A provider counts

- ``stock(run)``: the figures that describe a moment (instruments, overdue, devices online), as
  ``(county_id, key, value)``; the job stores them for the current month;
- ``flow(since, run)``: the figures that count events (verifications, alerts opened), per calendar
  month from ``since`` (a first day of a month) to the run's time, as ``(county_id, month, key, value)``.

``run`` carries the time and a memo, so that the job and a provider count a shared figure once.

Both count every county (unscoped): the job stores them and readers see them through ``scope``.
``Rate`` figures are derived on reading (numerator / denominator of the same county and month).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

STOCK = "stock"
FLOW = "flow"


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str
    kind: str  # STOCK or FLOW


@dataclass(frozen=True)
class Rate:
    key: str
    label: str
    numerator: str
    denominator: str


TREND = "trend"  # months along the axis, for the scope (or one county)
BY_COUNTY = "by_county"  # counties along the axis, the latest month; a click drills into the county


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    kind: str  # TREND or BY_COUNTY
    bars: tuple[str, ...]  # figure keys drawn as bars (stacked on a BY_COUNTY chart)
    line: str | None = None  # a Rate key drawn as a line on a second axis (percent)


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    figures: tuple[Figure, ...]
    rates: tuple[Rate, ...] = ()
    charts: tuple[Chart, ...] = ()
    stock: Callable[[Run], Iterable[tuple[int, str, int]]] | None = None
    flow: Callable[[dt.date, Run], Iterable[tuple[int, dt.date, str, int]]] | None = None
    order: int = 100
    keys: frozenset[str] = field(init=False, default=frozenset())

    def __post_init__(self):
        object.__setattr__(self, "keys", frozenset(f.key for f in self.figures))


@dataclass
class Run:
    now: dt.datetime
    today: dt.date
    memo: dict = field(default_factory=dict)

    def once(self, name: str, compute: Callable[[], object]):
        if name not in self.memo:
            self.memo[name] = compute()
        return self.memo[name]


_PROVIDERS: dict[str, Provider] = {}


def register(provider: Provider) -> Provider:
    _PROVIDERS[provider.name] = provider
    return provider


def providers() -> list[Provider]:
    return sorted(_PROVIDERS.values(), key=lambda p: (p.order, p.name))


def charts() -> list[Chart]:
    return [chart for provider in providers() for chart in provider.charts]


def chart(key: str) -> Chart | None:
    return next((c for c in charts() if c.key == key), None)


def figure(key: str) -> Figure | Rate | None:
    for provider in providers():
        for item in (*provider.figures, *provider.rates):
            if item.key == key:
                return item
    return None


def keys_of(kind: str) -> list[str]:
    return [f.key for p in providers() for f in p.figures if f.kind == kind]


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)
