"""The uploaded sheet given back with an error column, in its own format. Pure logic, no Django.

Every row of the upload is copied, in order and with its row number unchanged, with one more
column in front ("错误说明") that names each bad cell's column and what is wrong with it; good
rows have that cell empty. The importer ignores the column, so the user can fix the rows in the
annotated file and upload it again as it is.
"""

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from jiliang.registry.importing.reader import Sheet

ERROR_HEADER = "错误说明"
UTF8_BOM = "\ufeff"


def error_text(problems: Iterable[tuple[str, str]]) -> str:
    return "；".join(f"{column}：{reason}" if column else reason for column, reason in problems)


def _annotated_rows(sheet: Sheet, errors_by_row: Iterable[tuple[int, list]]) -> Iterator[tuple[str, list]]:
    pending: Iterator = iter(errors_by_row)
    next_bad = next(pending, None)
    for number, cells in enumerate(sheet.raw_rows(), start=2):
        text = ""
        if next_bad is not None and next_bad[0] == number:
            text = error_text(next_bad[1])
            next_bad = next(pending, None)
        yield text, list(cells)


def write_annotated(sheet: Sheet, errors_by_row: Iterable[tuple[int, list]], target: Path) -> None:
    """Write the annotated copy of ``sheet`` to ``target``; ``errors_by_row`` is in row order."""
    if sheet.format == "csv":
        _write_csv(sheet, errors_by_row, target)
    else:
        _write_xlsx(sheet, errors_by_row, target)


def _write_csv(sheet: Sheet, errors_by_row, target: Path) -> None:
    with Path(target).open("w", encoding="utf-8", newline="") as handle:
        handle.write(UTF8_BOM)
        writer = csv.writer(handle)
        writer.writerow([ERROR_HEADER, *sheet.headers])
        for text, cells in _annotated_rows(sheet, errors_by_row):
            writer.writerow([text, *cells])


def _write_xlsx(sheet: Sheet, errors_by_row, target: Path) -> None:
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet("导入结果")
    worksheet.freeze_panes = "B2"
    worksheet.column_dimensions["A"].width = 60
    bold = Font(bold=True)
    red = Font(color="9C0006")
    pink = PatternFill("solid", fgColor="FFC7CE")

    def styled(value, font, fill=None):
        cell = WriteOnlyCell(worksheet, value=value)
        cell.font = font
        if fill is not None:
            cell.fill = fill
        return cell

    worksheet.append([styled(ERROR_HEADER, bold), *(styled(h, bold) for h in sheet.headers)])
    for text, cells in _annotated_rows(sheet, errors_by_row):
        first = styled(text, red, pink) if text else None
        worksheet.append([first, *cells])
    workbook.save(target)
