"""Statutory deadlines of complaints and case stages, from ``data/deadlines.json`` (each with its
citation and confidence). Pure: imports no Django; the working days come from ``jiliang.workdays``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from jiliang.workdays import add_working_days

DATA_FILE = Path(__file__).parent / "data" / "deadlines.json"


@dataclass(frozen=True)
class Rule:
    n: int
    unit: str  # "working_days" or "days"
    anchor: str = ""
    extension: int = 0
    citation: str = ""
    confidence: str = ""

    def due(self, anchor_day: date, extension: int = 0) -> date:
        """The last day allowed, counted from ``anchor_day`` (which does not count)."""
        if self.unit == "working_days":
            return add_working_days(anchor_day, self.n + extension)
        return anchor_day + timedelta(days=self.n + extension)


@cache
def rules() -> dict[str, dict[str, Rule]]:
    document = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return {group: {name: Rule(**entry) for name, entry in entries.items()}
            for group, entries in document.items() if not group.startswith("_")}


def complaint_rule(name: str) -> Rule:
    return rules()["complaint"][name]


def case_rule(stage: str) -> Rule | None:
    """The deadline by which ``stage`` must be entered, or None when the stage has none of its own."""
    return rules()["case"].get(stage)


@dataclass(frozen=True)
class ComplaintDeadlines:
    acknowledge: date
    handling: date
    reply: date


def complaint_deadlines(received: date) -> ComplaintDeadlines:
    handling = complaint_rule("handling").due(received)
    return ComplaintDeadlines(acknowledge=complaint_rule("acknowledge").due(received), handling=handling,
                              reply=complaint_rule("reply").due(handling))


def is_near(due: date, today: date) -> bool:
    """Whether ``due`` lies within the reminder window (and is not yet past)."""
    return today <= due <= complaint_rule("remind_before").due(today)
