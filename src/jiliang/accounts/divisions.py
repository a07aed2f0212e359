"""Loading administrative divisions from the cited data file (data/bazhong_divisions.csv).

The file records each row's code system, source and confidence; functional zones without a
GB/T 2260 code carry a platform-internal code (511900JK, 511900WL).
"""

import csv
from pathlib import Path

DIVISIONS_FILE = Path(__file__).resolve().parent / "data" / "bazhong_divisions.csv"


DEPTH = {"province": 0, "prefecture": 1, "county": 2, "functional_zone": 2, "township": 3}
REQUIRED_COLUMNS = ("code", "name_zh", "level", "parent_code")
# GB/T 2260 codes: 6 digits down to county level; townships take the NBS 9-digit statistical code
# (the county's 6 digits and 3 per GB/T 10114); functional zones a platform-internal code.
CODE_LENGTHS = {"province": (6,), "prefecture": (6,), "county": (6,), "township": (9, 12)}


def read_division_file(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def division_rows(path: Path = DIVISIONS_FILE) -> list[dict]:
    """Rows ordered parents first, so that each row's parent is loaded before it."""
    return sorted(read_division_file(path), key=lambda row: DEPTH[row["level"]])


def division_row_errors(rows: list[dict], known_codes: set[str]) -> dict[int, list[str]]:
    """Every problem of every row (numbered as in the file, the header being line 1), in Chinese.
    Pure: ``known_codes`` are the divisions already in the database."""
    errors: dict[int, list[str]] = {}
    in_file = {row.get("code", "").strip() for row in rows}
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        problems = [f"缺少列 {column}" for column in REQUIRED_COLUMNS if column not in row]
        code, level = (row.get("code") or "").strip(), (row.get("level") or "").strip()
        parent = (row.get("parent_code") or "").strip()
        if not code:
            problems.append("区划代码为空")
        elif code in seen:
            problems.append(f"区划代码 {code} 重复")
        seen.add(code)
        if level not in DEPTH:
            problems.append(f"级别 {level!r} 无效，应为 {'/'.join(DEPTH)} 之一")
        elif level in CODE_LENGTHS and code and not (code.isdigit() and len(code) in CODE_LENGTHS[level]):
            problems.append(f"{level} 的区划代码应为 {'或'.join(map(str, CODE_LENGTHS[level]))} 位数字（GB/T 2260）")
        if not (row.get("name_zh") or "").strip():
            problems.append("名称为空")
        if level and level != "province" and not parent:
            problems.append("缺少上级区划代码")
        if parent and parent not in in_file and parent not in known_codes:
            problems.append(f"上级区划 {parent} 既不在文件中，也不在数据库中")
        if parent and parent == code:
            problems.append("上级区划不能是自身")
        if problems:
            errors[line] = problems
    return errors


def load_divisions(division_model, path: Path = DIVISIONS_FILE) -> int:
    """Create or update every division in the file; returns how many rows were read."""
    return load_division_rows(division_model, division_rows(path))


def load_division_rows(division_model, rows: list[dict]) -> int:
    """Create or update ``rows`` (parents first); returns how many."""
    by_code: dict[str, object] = {}
    for row in rows:
        parent = by_code.get(row["parent_code"]) or (
            division_model.objects.filter(code=row["parent_code"]).first() if row["parent_code"] else None
        )
        division, _ = division_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name_zh"], "name_en": row.get("name_en", ""), "level": row["level"],
                "parent": parent, "code_system": row.get("code_system", ""), "source": row.get("source", ""),
                "path": ((parent.path if parent else "") + row["code"] + "/"),
            },
        )
        by_code[row["code"]] = division
    return len(rows)
