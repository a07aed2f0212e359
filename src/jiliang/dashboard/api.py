"""/api/v1/dashboard/…: the stored figures by county and month, the map's points and boundaries."""

import datetime as dt

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from jiliang.accounts import boundaries
from jiliang.accounts.models import Division
from jiliang.dashboard import figures, selectors
from jiliang.errors import InvalidInput

router = Router(tags=["dashboard"])


class FigureOut(Schema):
    key: str
    label: str
    unit: str
    kind: str
    group: str


class RateOut(Schema):
    key: str
    label: str
    numerator: str
    denominator: str


class SeriesOut(Schema):
    code: str | None
    name: str
    values: dict[str, list[int]]


class BoardOut(Schema):
    as_of: dt.datetime | None
    months: list[dt.date]
    figures: list[FigureOut]
    rates: list[RateOut]
    total: SeriesOut
    counties: list[SeriesOut]


class BoardFilter(Schema):
    months: int = Field(12, ge=1, le=120, description="how many months up to the current one")
    division: str | None = Field(None, max_length=16, description="one county-level unit's code")


def catalogue() -> tuple[list[dict], list[dict]]:
    items, rates = [], []
    for provider in figures.providers():
        items += [{"key": f.key, "label": str(f.label), "unit": str(f.unit), "kind": f.kind,
                   "group": str(provider.label)} for f in provider.figures]
        rates += [{"key": r.key, "label": str(r.label), "numerator": r.numerator, "denominator": r.denominator}
                  for r in provider.rates]
    return items, rates


def series_out(series: selectors.Series) -> dict:
    division = series.division
    return {"code": division.code if division else None, "name": division.name if division else _("合计"),
            "values": series.values}


def stored_json(user, name: str, schema: type[Schema], compute, *parts) -> HttpResponse:
    """``compute()``'s answer checked against its schema and written as JSON once per reader's scope and
    run of the job (selectors.stored); every later request returns the kept text as it is."""
    body = selectors.stored(user, name, lambda: schema.model_validate(compute()).model_dump_json(), *parts)
    return HttpResponse(body, content_type="application/json")


def checked_division(code: str | None) -> str | None:
    if code and not Division.objects.filter(code=code).exists():
        raise InvalidInput(_("区划代码不存在。"), {"division": [_("没有代码为 %(code)s 的区划。") % {"code": code}]})
    return code


@router.get("dashboard/figures", response=BoardOut, summary="Stored figures per county and month, with their time",
            url_name="dashboard-figures")
def get_figures(request, filters: Query[BoardFilter]):
    months = min(filters.months, settings.JILIANG_DASHBOARD_MONTHS)
    division = checked_division(filters.division)
    return stored_json(request.auth, "figures-api", BoardOut, lambda: _figures(request.auth, months, division),
                       months, division or "")


def _figures(user, months: int, division: str | None) -> dict:
    board = selectors.board(user, months=months, division_code=division)
    items, rates = catalogue()
    return {"as_of": board.as_of, "months": board.months, "figures": items, "rates": rates,
            "total": series_out(board.total), "counties": [series_out(s) for s in board.counties]}


class MapFilter(Schema):
    west: float = Field(selectors.EXTENT[0], ge=-180, le=180)
    south: float = Field(selectors.EXTENT[1], ge=-90, le=90)
    east: float = Field(selectors.EXTENT[2], ge=-180, le=180)
    north: float = Field(selectors.EXTENT[3], ge=-90, le=90)


class PointOut(Schema):
    lon: float
    lat: float
    count: int
    overdue: int
    open_alerts: int
    site_id: int | None
    name: str | None
    url: str | None


class MapOut(Schema):
    as_of: dt.datetime | None
    clustered: bool
    points: list[PointOut]


@router.get("dashboard/map", response=MapOut, summary="Sites with coordinates in a box, or clusters of them",
            url_name="dashboard-map")
def get_map(request, box: Query[MapFilter]):
    errors = {}
    if box.west >= box.east:
        errors["east"] = [_("东边界应大于西边界。")]
    if box.south >= box.north:
        errors["north"] = [_("北边界应大于南边界。")]
    if errors:
        raise InvalidInput(_("地图范围有误。"), errors)
    return stored_json(request.auth, "map", MapOut, lambda: _map(request.auth, box), box.west, box.south, box.east,
                       box.north)


def _map(user, box: MapFilter) -> dict:
    """The map's answer for one box; kept per scope and box until the job runs again (stored_json): the
    city's view, which every wall screen and first visit asks for, is counted once."""
    clustered, points = selectors.map_points(user, west=box.west, south=box.south, east=box.east, north=box.north)
    return {"as_of": selectors.figures_as_of(), "clustered": clustered, "points": [
        {"lon": p.lon, "lat": p.lat, "count": p.count, "overdue": p.overdue, "open_alerts": p.open_alerts,
         "site_id": p.site.pk if p.site else None, "name": p.site.name if p.site else None,
         "url": reverse("registry:site-detail", args=[p.site.pk]) if p.site else None}
        for p in points]}


@router.get("dashboard/boundaries", response=dict, summary="Bazhong's county-level boundaries (GeoJSON)",
            url_name="dashboard-boundaries")
def get_boundaries(request):
    return boundaries.load()
