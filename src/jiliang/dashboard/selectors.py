"""Reads of the stored figures, each from ``scope(...)``: a county officer reads its county's rows,
the city officer and auditors every county's; other roles read none (they have no dashboard)."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Avg, Count, FloatField, Max, Sum
from django.db.models.functions import Cast, Coalesce, Floor
from django.utils import timezone
from django.utils.translation import get_language

from jiliang.accounts.access import scope
from jiliang.accounts.models import DIVISION_BOUND_ROLES, Division, DivisionLevel
from jiliang.dashboard import figures
from jiliang.dashboard.models import CountyFigure, SiteFigure, VerificationFigure
from jiliang.registry.models import InstrumentType, Site
from jiliang.verification import due, statistics


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
    return stored(user, "statistics", lambda: _stored_statistics(user, division_code, type_code),
                  division_code or "", type_code or "")


def _stored_statistics(user, division_code: str | None, type_code: str | None) -> statistics.Statistics | None:
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


# The map: Bazhong's extent, and when it clusters (more sites in view than a phone draws well).
EXTENT = (106.2, 31.2, 107.9, 32.8)  # west, south, east, north (degrees)
CLUSTER_ABOVE = 400
CLUSTER_CELLS = 24  # clusters per view width


@dataclass
class MapPoint:
    lon: float
    lat: float
    count: int
    overdue: int
    open_alerts: int
    site: Site | None = None  # one site (not a cluster)


def map_points(user, *, west: float, south: float, east: float, north: float) -> tuple[bool, list[MapPoint]]:
    """The caller's sites with coordinates in the box, with their stored standing; grouped in a grid
    of clusters when there are more than CLUSTER_ABOVE of them."""
    sites = scope(Site.objects.filter(longitude__gte=west, longitude__lte=east, latitude__gte=south,
                                      latitude__lte=north), user)
    if sites.count() <= CLUSTER_ABOVE:
        return False, [
            MapPoint(float(site.longitude), float(site.latitude), 1, figure.overdue if figure else 0,
                     figure.open_alerts if figure else 0, site)
            for site in sites.select_related("figure").order_by("pk")
            for figure in [getattr(site, "figure", None)]
        ]
    cell = (east - west) / CLUSTER_CELLS
    lon, lat = Cast("longitude", FloatField()), Cast("latitude", FloatField())
    cells = sites.order_by().annotate(x=Floor(lon / cell), y=Floor(lat / cell)).values("x", "y").annotate(
        n=Count("pk"), lon=Avg(lon), lat=Avg(lat),
        overdue=Coalesce(Sum("figure__overdue"), 0), open_alerts=Coalesce(Sum("figure__open_alerts"), 0),
    )
    return True, [MapPoint(c["lon"], c["lat"], c["n"], c["overdue"], c["open_alerts"]) for c in cells]


def figures_as_of() -> dt.datetime | None:
    """When the job last stored the figures (every table of one run shares the time)."""
    return CountyFigure.objects.order_by("-as_of").values_list("as_of", flat=True).first()


def stored(user, name: str, compute, *parts):
    """``compute()`` of what the stored figures show, kept in Django's cache for
    JILIANG_FIGURES_CACHE_SECONDS under the time of the job's last run, the reader's scope (role and
    binding: due.cached), the language and ``parts``: a new run of the job makes new keys, so nobody
    reads figures older than the tables, and a county officer never reads the city's entry."""
    as_of = figures_as_of()
    return due.cached(user, name, compute, as_of.isoformat() if as_of else "-", get_language(), *parts)


def problem_sites(user, *, division_code: str | None = None, limit: int = 10):
    """The sites with the most open alerts and overdue instruments, for the drill-down."""
    rows = scope(SiteFigure.objects.select_related("site", "site__division"), user)
    if division_code:
        rows = rows.filter(county__code=division_code)
    return rows.order_by("-open_alerts", "-overdue", "site_id")[:limit]
