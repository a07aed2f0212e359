"""The weights in force: the data file's defaults (credit/data/credit_events.json) with the city
regulator's edits (CreditWeight rows) over them."""

import functools
import json
from pathlib import Path

from jiliang.credit import scoring
from jiliang.credit.models import CreditWeight

DATA_FILE = Path(__file__).parent / "data" / "credit_events.json"


@functools.cache
def reference() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def scale() -> scoring.Scale:
    data = reference()
    return scoring.Scale(base_score=data["base_score"], min_score=data["min_score"], max_score=data["max_score"],
                         thresholds=data["thresholds"])


def default_grade() -> str:
    return reference()["default_grade"]


def defaults() -> dict[str, scoring.Weight]:
    return {kind: scoring.Weight(entry["points"], entry["half_life_days"], entry["cap"])
            for kind, entry in reference()["kinds"].items()}


def in_force() -> dict[str, scoring.Weight]:
    weights = defaults()
    for row in CreditWeight.objects.all():
        weights[row.kind] = scoring.Weight(row.points, row.half_life_days, row.cap)
    return weights
