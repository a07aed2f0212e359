"""Statutory deadlines of complaints and case stages: the defaults of ``data/deadlines.json`` (each
with its citation and confidence) and the arithmetic on a table of rules in force (the defaults with
the city regulator's edits, ``reference.deadline_rules``). Pure: imports no Django; the working days
come from ``jiliang.workdays``."""

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


Table = dict[str, dict[str, Rule]]


@cache
def defaults() -> Table:
    document = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return {group: {name: Rule(**entry) for name, entry in entries.items()}
            for group, entries in document.items() if not group.startswith("_")}


def case_rule(table: Table, stage: str) -> Rule | None:
    """The deadline by which ``stage`` must be entered, or None when the stage has none of its own."""
    return table["case"].get(stage)


@dataclass(frozen=True)
class ComplaintDeadlines:
    acknowledge: date
    handling: date
    reply: date


def complaint_deadlines(table: Table, received: date) -> ComplaintDeadlines:
    rules = table["complaint"]
    handling = rules["handling"].due(received)
    return ComplaintDeadlines(acknowledge=rules["acknowledge"].due(received), handling=handling,
                              reply=rules["reply"].due(handling))


def is_near(table: Table, due: date, today: date) -> bool:
    """Whether ``due`` lies within the reminder window (and is not yet past)."""
    return today <= due <= table["complaint"]["remind_before"].due(today)
