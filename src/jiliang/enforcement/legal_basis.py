"""The legal bases of a penalty decision (articles of the Metrology Law and its implementing
rules, with the penalties each allows): the defaults of ``data/legal_basis.csv``, every row naming
its source and confidence. A row not verified is an editable default (the bases in force, with the
city regulator's edits, come from ``reference.bases``), never a hard rule beyond its own range.
Pure: imports no Django."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "legal_basis.csv"


@dataclass(frozen=True)
class Basis:
    key: str
    title: str
    law_article: str
    rules_article: str
    warning: bool
    confiscation: bool
    fine_min: Decimal
    fine_max: Decimal
    fine_note: str
    source: str
    confidence: str

    @property
    def citation(self) -> str:
        return f"{self.law_article}、{self.rules_article}"

    def problems(self, *, warning: bool, confiscation: bool, fine: Decimal | None) -> dict[str, str]:
        """What this basis does not allow of a decision, by field."""
        found = {}
        if not (warning or confiscation or fine):
            found["penalty"] = "empty"
        if warning and not self.warning:
            found["warning"] = "not_allowed"
        if confiscation and not self.confiscation:
            found["confiscation"] = "not_allowed"
        if fine is not None and not (self.fine_min <= fine <= self.fine_max and fine > 0):
            found["fine_amount"] = "out_of_range"
        return found


@cache
def defaults() -> dict[str, Basis]:
    with DATA_FILE.open(encoding="utf-8", newline="") as handle:
        return {row["key"]: Basis(
            key=row["key"], title=row["title"], law_article=row["law_article"], rules_article=row["rules_article"],
            warning=row["warning"] == "yes", confiscation=row["confiscation"] == "yes",
            fine_min=Decimal(row["fine_min"]), fine_max=Decimal(row["fine_max"]), fine_note=row["fine_note"],
            source=row["source"], confidence=row["confidence"],
        ) for row in csv.DictReader(handle)}
