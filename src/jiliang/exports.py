"""Export of any filtered list to .csv (streamed) or .xlsx (written row by row, constant memory)."""

import csv
import tempfile
from collections.abc import Callable, Iterable, Sequence

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook

Column = tuple[str, Callable[[object], object]]  # (header, value of a row)
UTF8_BOM = "\ufeff"  # so that Excel on Chinese Windows opens the CSV as UTF-8


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> object:
    return "" if value is None else value


def rows_of(columns: Sequence[Column], items: Iterable) -> Iterable[list]:
    for item in items:
        yield [_cell(value(item)) for _, value in columns]


def csv_response(filename: str, columns: Sequence[Column], items: Iterable) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield UTF8_BOM + writer.writerow([header for header, _ in columns])
        for row in rows_of(columns, items):
            yield writer.writerow([str(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}.csv"
    return response


def xlsx_response(filename: str, columns: Sequence[Column], items: Iterable) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([header for header, _ in columns])
    for row in rows_of(columns, items):
        sheet.append([v if isinstance(v, (int, float)) else str(v) for v in row])
    spool = tempfile.TemporaryFile()
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=f"{filename}.xlsx")
