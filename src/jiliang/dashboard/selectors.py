"""Reads of the stored figures, each from ``scope(...)``: a county officer reads its county's rows,
the city officer and auditors every county's; other roles read none (they have no dashboard)."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Max
from django.utils import timezone

from jiliang.accounts.access import scope
from jiliang.accounts.models import DIVISION_BOUND_ROLES, Division, DivisionLevel
from jiliang.dashboard import figures
from jiliang.dashboard.models import CountyFigure, VerificationFigure
from jiliang.registry.models import InstrumentType
from jiliang.verification import statistics


@dataclass
class Series:
    """One county's (or the whole scope's) figures by month: ``values[key][i]`` for ``months[i]``."""

    division: Division | None
    values: dict[str, list[int]] = field(default_factory=dict)

    def latest(self, key: str) -> int:
        return (self.values.get(key) or [0])[-1]


@dataclass
class Board:
    months: list[dt.date]
    as_of: dt.datetime | None
    total: Series
    counties: list[Series]


def months_back(n: int, today: dt.date | None = None) -> list[dt.date]:
    last = figures.month_start(today or timezone.localdate())
    return [figures.add_months(last, i - n + 1) for i in range(n)]


def board(user, *, months: int = 12, division_code: str | None = None) -> Board:
    """Every figure of each county in the caller's scope (or one county), and their sum, by month."""
    span = months_back(months)
    rows = scope(CountyFigure.objects.filter(month__gte=span[0]), user)
    if division_code:
        rows = rows.filter(county__code=division_code)
    keys = [f.key for p in figures.providers() for f in p.figures]
    index = {month: i for i, month in enumerate(span)}
    by_county: dict[int, Series] = {}
    total = Series(None, {key: [0] * len(span) for key in keys})
    for county_id, month, key, value in rows.values_list("county_id", "month", "key", "value"):
        if month not in index or key not in total.values:
            continue
        series = by_county.setdefault(county_id, Series(None, {k: [0] * len(span) for k in keys}))
        series.values[key][index[month]] += value
        total.values[key][index[month]] += value
    counties = Division.objects.in_bulk(list(by_county))
    for county_id, series in by_county.items():
        series.division = counties[county_id]
    return Board(months=span, as_of=rows.aggregate(at=Max("as_of"))["at"], total=total,
                 counties=sorted(by_county.values(), key=lambda s: s.division.path))


def rate(series: Series, item: figures.Rate, i: int = -1) -> float | None:
    """A derived figure of one month (the latest by default), None when its denominator is 0."""
    denominator = series.values.get(item.denominator, [0])[i]
    return series.values.get(item.numerator, [0])[i] / denominator if denominator else None


def stored_statistics(user, *, division_code: str | None = None,
                      type_code: str | None = None) -> statistics.Statistics | None:
    """The statistics page's figures as the job stored them, in the caller's scope; None when they
    cannot answer (never counted, a township filter, or a role whose statistics differ by binding)."""
    if user.role not in DIVISION_BOUND_ROLES and not user.is_superuser:
        return None
    rows = scope(VerificationFigure.objects.select_related("county", "instrument_type"), user)
    if division_code:
        division = Division.objects.filter(code=division_code).first()
        if division is None or division.level == DivisionLevel.TOWNSHIP:
            return None  # a township's figures are not stored: counted live
        rows = rows.filter(county__path__startswith=division.path)
    if type_code:
        type_id = InstrumentType.objects.filter(code=type_code).values_list("pk", flat=True).first()
        rows = rows.filter(instrument_type_id=type_id)
    first = VerificationFigure.objects.order_by("-as_of").first()
    if first is None:
        return None
    names = statistics.Figures.__dataclass_fields__
    result = [statistics.Row(row.county, row.instrument_type,
                             statistics.Figures(**{name: getattr(row, name) for name in names})) for row in rows]
    return statistics.assemble(result, first.on, first.since, as_of=first.as_of)
