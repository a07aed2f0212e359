"""Server-side line charts as inline SVG geometry (pure: no Django, no JavaScript, no CDN)."""

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    label: str
    css_class: str
    points: str  # "x,y x,y …" for <polyline points=…>


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    lines: list[Line]
    y_ticks: list[tuple[float, str]]  # (y position, label)
    x_ticks: list[tuple[float, str]]  # (x position, time in the chart's time zone)
    y_unit: str  # written above the y axis
    x_caption: str  # written under the x axis (which time zone)


def line_chart(series: dict[str, tuple[str, list[tuple[dt.datetime, float]]]], *, tz: dt.tzinfo, y_unit: str,
               x_caption: str = "", width: int = 720, height: int = 240, margin: int = 48,
               ticks: int = 4) -> Chart | None:
    """Scale every series {label: (css class, [(aware time, value)])} into one box, the time axis
    labelled in ``tz`` (the reader's, not the stored UTC); None without data."""
    values = [v for _, points in series.values() for _, v in points]
    times = [t for _, points in series.values() for t, _ in points]
    if not values:
        return None
    low, high = min(values), max(values)
    if high == low:
        low, high = low - 1, high + 1
    start, end = min(times), max(times)
    span = (end - start).total_seconds() or 1.0
    inner_w, inner_h = width - 2 * margin, height - 2 * margin

    def x(moment: dt.datetime) -> float:
        return round(margin + (moment - start).total_seconds() / span * inner_w, 1)

    def y(value: float) -> float:
        return round(margin + (high - value) / (high - low) * inner_h, 1)

    lines = [Line(label, css, " ".join(f"{x(t)},{y(v)}" for t, v in sorted(points)))
             for label, (css, points) in series.items() if points]
    y_ticks = [(y(low + (high - low) * n / ticks), f"{low + (high - low) * n / ticks:,.0f}") for n in range(ticks + 1)]
    x_ticks = [(x(start + dt.timedelta(seconds=span * n / ticks)),
                f"{(start + dt.timedelta(seconds=span * n / ticks)).astimezone(tz):%m-%d %H:%M}")
               for n in range(ticks + 1)]
    return Chart(width, height, lines, y_ticks, x_ticks, y_unit, x_caption)
