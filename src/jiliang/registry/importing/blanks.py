"""The downloadable blank templates (.xlsx and .csv) of each import kind. Pure logic, no Django.

The .xlsx has the header row on its first sheet (required headers marked "*", which the reader
ignores) and a second sheet explaining each column with an example; the .csv has the header row
only, with the byte-order mark Excel needs to open it as UTF-8.
"""

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from jiliang.registry.importing.columns import Column

UTF8_BOM = "\ufeff"


def header_of(column: Column) -> str:
    return f"{column.header}*" if column.required else column.header


def template_csv(columns: Sequence[Column]) -> bytes:
    buffer = io.StringIO()
    buffer.write(UTF8_BOM)
    csv.writer(buffer).writerow([header_of(c) for c in columns])
    return buffer.getvalue().encode("utf-8")


def template_xlsx(columns: Sequence[Column], title: str) -> bytes:
    workbook = Workbook()
    data = workbook.active
    data.title = title[:31]
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    data.append([header_of(c) for c in columns])
    for index, column in enumerate(columns, start=1):
        cell = data.cell(row=1, column=index)
        cell.font = bold
        if column.required:
            cell.fill = required_fill
        data.column_dimensions[cell.column_letter].width = max(12, len(column.header) * 2 + 4)
        # Text format for every data cell, so that Excel keeps leading zeros and long codes.
        data.column_dimensions[cell.column_letter].number_format = "@"
    data.freeze_panes = "A2"

    notes = workbook.create_sheet("填写说明")
    notes.append(["列名", "必填", "填写说明", "示例"])
    for cell in notes[1]:
        cell.font = bold
    for column in columns:
        notes.append([column.header, "是" if column.required else "否", column.note, column.example])
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["C"].width = 80
    notes.column_dimensions["D"].width = 30
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
