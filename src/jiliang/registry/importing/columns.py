"""The columns of an import file and how a cell's text becomes a value. Pure logic, no Django.

A ``Column`` is one header of the template: the Chinese header a user sees, the key its value is
kept under, whether it is required, a note and an example for the template's instructions sheet,
and other headers accepted for it (the list exports' headers, so that an export re-imports).

Only the columns present in a file are written: a file without the "住所" column leaves every
address as it is, while an empty "住所" cell clears it.
"""

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation


class CellError(ValueError):
    """A cell that cannot be read; the message is the reason shown next to the cell."""


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool = False
    note: str = ""
    example: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class HeaderMatch:
    positions: dict[str, int]  # column key -> index of its cell in a row
    missing: list[Column]  # required columns the file lacks
    ignored: list[str]  # headers in the file that are no import column
    repeated: list[str]  # columns given twice


def match_headers(columns: Sequence[Column], headers: Sequence[str], skip: Sequence[str] = ()) -> HeaderMatch:
    by_header = {}
    for column in columns:
        for name in (column.header, *column.aliases):
            by_header[name] = column
    positions: dict[str, int] = {}
    ignored, repeated = [], []
    for index, header in enumerate(headers):
        column = by_header.get(header)
        if column is None:
            if header and header not in skip:
                ignored.append(header)
        elif column.key in positions:
            repeated.append(header)
        else:
            positions[column.key] = index
    missing = [c for c in columns if c.required and c.key not in positions]
    return HeaderMatch(positions, missing, ignored, repeated)


DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(text: str) -> datetime.date | None:
    """'2024-03-05', '2024/3/5', '2024.3.5', '2024年3月5日', '20240305'; empty is None."""
    if not text:
        return None
    if len(text) == 10 and text[4] == text[7] == "-" and text[:4].isdigit():
        try:  # the usual YYYY-MM-DD, without the patterns
            return datetime.date.fromisoformat(text)
        except ValueError:
            pass  # the patterns below say what is wrong
    for pattern in DATE_PATTERNS:
        found = pattern.match(text)
        if found:
            year, month, day = (int(part) for part in found.groups())
            try:
                return datetime.date(year, month, day)
            except ValueError:
                raise CellError(f"不存在的日期 {text}") from None
    raise CellError(f"日期格式应为 YYYY-MM-DD(例如 2024-03-05)，实际为“{text}”")


def parse_decimal(text: str, low: Decimal, high: Decimal, places: int) -> Decimal | None:
    """A number within [low, high], rounded to ``places`` decimals; empty is None."""
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CellError(f"应为数字，实际为“{text}”") from None
    if not value.is_finite() or not low <= value <= high:
        raise CellError(f"应在 {low} 到 {high} 之间，实际为 {text}")
    return value.quantize(Decimal(1).scaleb(-places))


def parse_choice(text: str, choices: Sequence[tuple[str, str]], default: str | None = None) -> str:
    """A choice by its stored value or by any of its labels ("in_use", "在用"); empty is the default.

    ``choices`` may list a value more than once (a label per language); the error message names
    the first label of each value."""
    if not text:
        if default is None:
            raise CellError("不能为空")
        return default
    for value, label in choices:
        if text in (value, label):
            return value
    first_labels = {}
    for value, label in choices:
        first_labels.setdefault(value, label)
    raise CellError(f"应为以下之一：{'、'.join(first_labels.values())}；实际为“{text}”")


def parse_text(text: str, max_length: int, required: bool = False) -> str:
    if required and not text:
        raise CellError("不能为空")
    if len(text) > max_length:
        raise CellError(f"不得超过 {max_length} 个字符，实际为 {len(text)} 个")
    return text
