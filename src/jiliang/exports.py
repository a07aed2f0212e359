"""Export of any filtered list to .csv (streamed) or .xlsx (written row by row, constant memory).

Every cell goes through ``cells.neutralised``: text that a spreadsheet would run as a formula is
escaped, control characters stored before they were refused are dropped (the .xlsx format cannot
hold them), numbers stay numbers. The file is named in Chinese (RFC 6266 ``filename*``) with an
ASCII name beside it for clients that cannot read that; the .xlsx sheet carries the list's title.
"""

import csv
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook

from jiliang.cells import neutralised

Column = tuple[str, Callable[[object], object]]  # (header, value of a row)
UTF8_BOM = "\ufeff"  # so that Excel on Chinese Windows opens the CSV as UTF-8
CSV_LINES_PER_CHUNK = 500  # lines joined into one chunk of the streamed response
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExportName:
    title: str  # what the reader sees: the file name stem and the sheet name, in Chinese
    ascii_stem: str  # the file name for clients without RFC 6266 (letters, digits, "-")

    def disposition(self, suffix: str) -> str:
        fallback = re.sub(r"[^A-Za-z0-9._-]", "_", f"{self.ascii_stem}.{suffix}")
        return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(f'{self.title}.{suffix}')}"

    @property
    def sheet_title(self) -> str:
        return SHEET_TITLE_FORBIDDEN.sub("_", self.title)[:31] or "Sheet1"


def rows_of(columns: Sequence[Column], items: Iterable) -> Iterable[list]:
    for item in items:
        yield [neutralised(value(item)) for _, value in columns]


class _Lines:
    """A file-like target for csv.writer that keeps what it is given until taken."""

    def __init__(self):
        self.parts: list[str] = []

    def write(self, value: str) -> None:
        self.parts.append(value)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts.clear()
        return text


def csv_lines(columns: Sequence[Column], items: Iterable) -> Iterable[str]:
    """The CSV text in chunks of ``CSV_LINES_PER_CHUNK`` lines: a chunk per line would cost one
    write to the client per row."""
    buffer = _Lines()
    writer = csv.writer(buffer)
    buffer.write(UTF8_BOM)
    writer.writerow([neutralised(header) for header, _ in columns])
    for count, row in enumerate(rows_of(columns, items), start=1):
        writer.writerow(row)
        if count % CSV_LINES_PER_CHUNK == 0:
            yield buffer.take()
    yield buffer.take()


def csv_response(name: ExportName, columns: Sequence[Column], items: Iterable) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(columns, items), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = name.disposition("csv")
    return response


def _write_xlsx(target, name: ExportName, columns: Sequence[Column], items: Iterable) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(name.sheet_title)
    sheet.append([neutralised(header) for header, _ in columns])
    for row in rows_of(columns, items):
        sheet.append(row)
    workbook.save(target)


def xlsx_response(name: ExportName, columns: Sequence[Column], items: Iterable) -> FileResponse:
    spool = tempfile.TemporaryFile()
    _write_xlsx(spool, name, columns, items)
    spool.seek(0)
    response = FileResponse(spool, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = name.disposition("xlsx")
    return response


def counted(items: Iterable, progress: Callable[[int], None], every: int = 2000) -> Iterable:
    """``items`` unchanged, calling ``progress(n)`` after each ``every`` items and at the end."""
    count = 0
    for count, item in enumerate(items, start=1):
        yield item
        if count % every == 0:
            progress(count)
    progress(count)


def write_file(path: Path, fmt: str, name: ExportName, columns: Sequence[Column], items: Iterable) -> None:
    """The export written to ``path`` (a background task's result): under a temporary name first,
    so an interrupted export never leaves a truncated file under the final one."""
    partial = path.with_name(path.name + ".part")
    if fmt == "csv":
        with partial.open("w", encoding="utf-8", newline="") as handle:
            for chunk in csv_lines(columns, items):
                handle.write(chunk)
    else:
        _write_xlsx(partial, name, columns, items)
    partial.replace(path)
