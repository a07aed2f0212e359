"""The supervision app's reference data (data/*.json): grade ratios and the checklists per site kind.

Both are editable defaults (each file says where its values come from); a plan carries its own copy
of the ratios, and the city's edited checklists live in the Checklist table. Pure; no Django import.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


@cache
def _document(name: str) -> dict:
    return json.loads(resources.files("jiliang.supervision").joinpath(f"data/{name}").read_text(encoding="utf-8"))


def default_grade_ratios() -> dict[str, int]:
    return dict(_document("grade_ratios.json")["grade_ratios"])


def default_value(name: str) -> int:
    """alert_weight, alert_cap, draw_percent or publish_within_working_days."""
    return _document("grade_ratios.json")[name]["value"]


def default_checklist(site_kind: str) -> list[dict]:
    """The data file's checklist for a site kind; a kind without its own list gets 'other'."""
    checklists = _document("checklists.json")["checklists"]
    return [dict(item) for item in checklists.get(site_kind, checklists["other"])]
