"""How far the public measurement standards (社会公用计量标准) reach: per catalogue item, how many of its
instrument types at least one public standard can verify. Pure: no Django."""

import re
from collections.abc import Iterable
from dataclasses import dataclass

UNCATEGORISED = "未归类"
_CJK = re.compile(r"[\u4e00-\u9fff]")


def category_name(raw: str) -> str:
    """The catalogue item as a reader sees it: the seeded catalogue keeps research notes beside some items
    ("电动汽车充电桩 (per https://…)") and "unverified" where the item is unknown; neither is for the public."""
    name = (raw or "").split(" (", 1)[0].strip()
    return name if _CJK.search(name) else UNCATEGORISED


@dataclass(frozen=True)
class Coverage:
    category: str
    covered: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.covered / self.total) if self.total else 0


def coverage(types: Iterable[tuple[str, str]], covered_codes: set[str]) -> list[Coverage]:
    """``types`` are (code, category) pairs of the catalogue; rows in catalogue order of first appearance
    of each category (as ``category_name`` says it), each counting its distinct codes."""
    codes_by_category: dict[str, set[str]] = {}
    for code, category in types:
        codes_by_category.setdefault(category_name(category), set()).add(code)
    return [Coverage(category, len(codes & covered_codes), len(codes)) for category, codes in codes_by_category.items()]
