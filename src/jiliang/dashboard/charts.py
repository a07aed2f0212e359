"""Each chart's data as a table (headers and rows): the page draws it and the Excel export writes it,
so the file holds exactly what the chart shows."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from jiliang.dashboard import figures
from jiliang.dashboard.selectors import Board, rate


@dataclass
class Table:
    chart: figures.Chart
    headers: list[str]
    rows: list[list]
    codes: list[str | None]  # the county code of each row of a BY_COUNTY chart (for the drill-down)

    def as_json(self) -> dict:
        return {"key": self.chart.key, "title": str(self.chart.title), "kind": self.chart.kind,
                "bars": len(self.chart.bars), "line": self.chart.line is not None,
                "headers": self.headers, "rows": self.rows, "codes": self.codes}


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def table(board: Board, chart: figures.Chart) -> Table:
    headers = [str(figures.figure(key).label) for key in chart.bars]
    line = figures.figure(chart.line) if chart.line else None
    if line:
        headers.append(f"{line.label}(%)")
    if chart.kind == figures.TREND:
        rows = [[month.strftime("%Y-%m"), *(board.total.values[key][i] for key in chart.bars),
                 *([_percent(rate(board.total, line, i))] if line else [])]
                for i, month in enumerate(board.months)]
        return Table(chart, [_("月份"), *headers], rows, [None] * len(rows))
    rows = [[series.division.name, *(series.latest(key) for key in chart.bars),
             *([_percent(rate(series, line))] if line else [])] for series in board.counties]
    return Table(chart, [_("县(区)"), *headers], rows, [series.division.code for series in board.counties])
