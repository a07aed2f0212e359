"""Loading administrative divisions from the cited data file (data/bazhong_divisions.csv).

The file records each row's code system, source and confidence; functional zones without a
GB/T 2260 code carry a platform-internal code (511900JK, 511900WL).
"""

import csv
from pathlib import Path

DIVISIONS_FILE = Path(__file__).resolve().parent / "data" / "bazhong_divisions.csv"


def division_rows(path: Path = DIVISIONS_FILE) -> list[dict]:
    """Rows ordered parents first, so that each row's parent is loaded before it."""
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    depth = {"province": 0, "prefecture": 1, "county": 2, "functional_zone": 2, "township": 3}
    return sorted(rows, key=lambda row: depth[row["level"]])


def load_divisions(division_model, path: Path = DIVISIONS_FILE) -> int:
    """Create or update every division in the file; returns how many rows were read."""
    by_code: dict[str, object] = {}
    rows = division_rows(path)
    for row in rows:
        parent = by_code.get(row["parent_code"]) or (
            division_model.objects.filter(code=row["parent_code"]).first() if row["parent_code"] else None
        )
        division, _ = division_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name_zh"], "name_en": row["name_en"], "level": row["level"],
                "parent": parent, "code_system": row["code_system"], "source": row["source"],
                "path": ((parent.path if parent else "") + row["code"] + "/"),
            },
        )
        by_code[row["code"]] = division
    return len(rows)
