"""The leadership dashboard (驾驶舱), its Excel exports, and the map page."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from jiliang.accounts import selectors as account_selectors
from jiliang.accounts.models import DIVISION_BOUND_ROLES, DivisionLevel
from jiliang.dashboard import charts, figures, selectors
from jiliang.exports import ExportName, xlsx_response

MONTHS = 12


def _reader(request):
    if not (request.user.is_superuser or request.user.role in DIVISION_BOUND_ROLES):
        raise PermissionDenied(_("驾驶舱仅供监管人员和审计人员查看。"))
    return request.user


def _county(request):
    """The county drilled into (?division=CODE), inside the reader's jurisdiction; None: the whole scope."""
    code = request.GET.get("division")
    if not code:
        return None
    division = account_selectors.jurisdiction_divisions(request.user).filter(code=code).first()
    if division is None:
        raise Http404(_("没有这个县(区)，或它不在您的管辖范围内。"))
    return division if division.level in (DivisionLevel.COUNTY, DivisionLevel.FUNCTIONAL_ZONE) else None


def _kpis(board: selectors.Board) -> list[dict]:
    items = []
    for provider in figures.providers():
        for item in provider.figures:
            if item.kind == figures.STOCK:
                items.append({"label": item.label, "value": board.total.latest(item.key), "unit": item.unit,
                              "key": item.key})
            else:
                items.append({"label": _("本月%(label)s") % {"label": item.label},
                              "value": board.total.latest(item.key), "unit": item.unit, "key": item.key})
        for item in provider.rates:
            value = selectors.rate(board.total, item)
            items.append({"label": item.label, "value": None if value is None else round(value * 100, 1),
                          "unit": "%", "key": item.key})
    return items


def _board_body(user, county) -> str:
    board = selectors.board(user, months=MONTHS, division_code=county.code if county else None)
    stocks = [item for p in figures.providers() for item in p.figures if item.kind == figures.STOCK]
    tables = [charts.table(board, chart) for chart in figures.charts()
              if not (county and chart.kind == figures.BY_COUNTY)]
    return render_to_string("dashboard/board_body.html", {
        "board": board, "county": county, "kpis": _kpis(board),
        "charts": [t.as_json() for t in tables],
        "stock_labels": [item.label for item in stocks],
        "county_rows": [(s.division, [s.latest(item.key) for item in stocks]) for s in board.counties],
        "problem_sites": selectors.problem_sites(user, division_code=county.code if county else None),
    })


@login_required
def board_page(request):
    """The figures part is rendered once per reader's scope, county, language and run of the job."""
    user = _reader(request)
    county = _county(request)
    body = selectors.stored(user, "board", lambda: _board_body(user, county), county.code if county else "")
    return render(request, "dashboard/board.html", {"body": body})  # a SafeString, kept so through the cache


@login_required
def export(request, key: str):
    user = _reader(request)
    chart = figures.chart(key)
    if chart is None:
        raise Http404(_("没有这个图表。"))
    county = _county(request)
    board = selectors.board(user, months=MONTHS, division_code=county.code if county else None)
    data = charts.table(board, chart)
    title = f"{county.name if county else _('驾驶舱')}-{chart.title}"
    columns = [(header, lambda row, i=i: row[i]) for i, header in enumerate(data.headers)]
    return xlsx_response(ExportName(title, f"dashboard-{key.replace('.', '-')}"), columns, data.rows)


@login_required
def map_page(request):
    _reader(request)
    return render(request, "dashboard/map.html", {"as_of": selectors.figures_as_of()})
