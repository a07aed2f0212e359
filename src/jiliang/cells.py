"""Text that is safe in a spreadsheet cell and in a database text column. Pure logic, no Django.

Two dangers, both from free text a user typed:

- Control characters (C0 except tab, line feed and carriage return, and DEL). PostgreSQL cannot
  store NUL, and the .xlsx format cannot hold any of them: openpyxl raises on such a cell, so one
  row would break a whole export. They are refused at the edge (``control_characters_in``) and
  dropped from exports of rows stored before that (``printable``).
- Formula injection (OWASP "CSV injection"): a cell that starts with ``=``, ``+``, ``-``, ``@``,
  a tab or a carriage return is run as a formula by Excel and LibreOffice (``=HYPERLINK(…)``,
  ``=cmd|…``). An export writes such text with a leading apostrophe, which spreadsheets show as
  text; numbers stay numbers. The importer reads the apostrophe back off (``unneutralised``), so an
  export re-imports unchanged.
"""

import re
from decimal import Decimal

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def control_characters_in(text: str) -> list[str]:
    """The distinct control characters in ``text``, as U+XXXX, in order of first appearance."""
    found = []
    for match in CONTROL_CHARACTERS.finditer(text):
        name = f"U+{ord(match.group()):04X}"
        if name not in found:
            found.append(name)
    return found


def printable(text: str) -> str:
    """``text`` without its control characters."""
    return CONTROL_CHARACTERS.sub("", text)


def neutralised(value):
    """A cell value safe to hand to a spreadsheet: numbers as they are, text printable and, when a
    spreadsheet would read it as a formula, escaped with a leading apostrophe. (Called for every
    cell of an export: text, the common case, is tested first.)"""
    if value.__class__ is str:
        text = value
    elif value is None:
        return ""
    elif isinstance(value, bool):
        return "是" if value else "否"
    elif isinstance(value, (int, float, Decimal)):
        return value
    else:
        text = str(value)
    if CONTROL_CHARACTERS.search(text):
        text = CONTROL_CHARACTERS.sub("", text)
    return ESCAPE + text if text.startswith(FORMULA_TRIGGERS) else text


def unneutralised(text: str) -> str:
    """A cell as read back from an export: the apostrophe ``neutralised`` added is taken off."""
    if text.startswith(ESCAPE) and text[1:2] and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text
