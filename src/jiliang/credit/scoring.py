"""Credit score and grade of one business from its credit events: pure, imports no Django.

Each event counts its kind's points, halved every ``half_life_days`` since it occurred (an old
failing fades, a recent one weighs fully). A kind may have a ``cap``: its events together count at
most that many points either way (a utility with 150 overdue meters is not 150 times worse than a
shop with one). The score is the base score plus each kind's capped sum, kept within
[min_score, max_score]; the grade is the first of A, B, C whose threshold the
score reaches, else D. ``explain`` returns the same arithmetic line by line, so a page can say
where every point comes from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

GRADES = ("A", "B", "C", "D")


@dataclass(frozen=True)
class Weight:
    points: float
    half_life_days: int | None  # None: the event never fades
    cap: float | None = None  # the most the kind's events count together, either way; None: no cap


@dataclass(frozen=True)
class Scale:
    base_score: float
    min_score: float
    max_score: float
    thresholds: Mapping[str, float]  # "A", "B", "C" -> the lowest score of that grade

    def grade(self, score: float) -> str:
        for grade in GRADES[:-1]:
            if score >= self.thresholds[grade]:
                return grade
        return GRADES[-1]


@dataclass(frozen=True)
class Line:
    """One event's share of the score."""

    kind: str
    occurred_on: dt.date
    age_days: int
    points: float  # the kind's full points
    half_life_days: int | None
    counted: float  # what it adds to the score today


def decayed(weight: Weight, age_days: int) -> float:
    if weight.half_life_days is None:
        return weight.points
    return weight.points * 0.5 ** (max(age_days, 0) / weight.half_life_days)


def line(kind: str, occurred_on: dt.date, weights: Mapping[str, Weight], today: dt.date) -> Line | None:
    """What one event counts today; None for a kind without a weight (it counts nothing)."""
    weight = weights.get(kind)
    if weight is None:
        return None
    age = max((today - occurred_on).days, 0)
    return Line(kind, occurred_on, age, weight.points, weight.half_life_days, decayed(weight, age))


def explain(events: Iterable[tuple[str, dt.date]], weights: Mapping[str, Weight], today: dt.date) -> list[Line]:
    """Each (kind, occurred_on) event's line, newest first."""
    lines = [found for kind, occurred_on in events if (found := line(kind, occurred_on, weights, today))]
    lines.sort(key=lambda item: (item.occurred_on, item.kind), reverse=True)
    return lines


def capped(weight: Weight, total: float) -> float:
    if weight.cap is None:
        return total
    return max(-weight.cap, min(weight.cap, total))


def by_kind(lines: Iterable[Line], weights: Mapping[str, Weight]) -> dict[str, tuple[float, float]]:
    """kind -> (the sum of its lines, what it counts after its cap)."""
    sums: dict[str, float] = {}
    for item in lines:
        sums[item.kind] = sums.get(item.kind, 0.0) + item.counted
    return {kind: (total, capped(weights[kind], total)) for kind, total in sums.items()}


def score(events: Iterable[tuple[str, dt.date]], weights: Mapping[str, Weight], scale: Scale,
          today: dt.date) -> float:
    sums: dict[str, float] = {}
    for kind, occurred_on in events:
        weight = weights.get(kind)
        if weight is not None:
            sums[kind] = sums.get(kind, 0.0) + decayed(weight, (today - occurred_on).days)
    total = scale.base_score + sum(capped(weights[kind], value) for kind, value in sums.items())
    return round(min(max(total, scale.min_score), scale.max_score), 2)


def grade_of(events: Iterable[tuple[str, dt.date]], weights: Mapping[str, Weight], scale: Scale,
             today: dt.date) -> tuple[float, str]:
    value = score(events, weights, scale, today)
    return value, scale.grade(value)
