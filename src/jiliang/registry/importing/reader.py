"""Reading an uploaded sheet row by row in constant memory. Pure logic, no Django.

A ``.csv`` is read as UTF-8 (with or without the byte-order mark Excel writes) and, when it is not
valid UTF-8, as GB18030 (what Excel on Chinese Windows saves as "CSV"). An ``.xlsx`` is read with
openpyxl in read-only mode, first sheet only, from an open handle (openpyxl refuses a path whose
name does not end in ".xlsx", and an upload's temporary file has no such name); before that its
zip directory is checked against a zip bomb (``check_archive``). Every cell comes back as text: dates as YYYY-MM-DD,
whole numbers without ".0", so that a serial number typed as a number reads as it looks.

Rows are numbered as a spreadsheet numbers them: the header is row 1, the first data row row 2.
"""

import codecs
import csv
import datetime
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook

from jiliang.cells import ESCAPE, unneutralised

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
CHUNK = 1 << 20
# An .xlsx is a zip archive. openpyxl inflates the parts other than the worksheets (shared strings,
# styles) into memory, and streams the worksheets; a few hundred KiB can declare gigabytes.
MAX_INFLATED_PARTS = 64 << 20  # the parts held in memory, together
MAX_INFLATED_TOTAL = 2 << 30  # the whole archive (a million 14-column rows inflate to about 810 MiB, 17:1)
MAX_RATIO = 200  # inflated / compressed size of a part larger than RATIO_FROM
RATIO_FROM = 1 << 20


class UnreadableFile(ValueError):
    """The upload is not a sheet we can read; the message says what to do instead."""


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def header_text(value) -> str:
    """A header as typed, without surrounding spaces or the "*" templates mark required columns with."""
    return cell_text(value).replace("\ufeff", "").strip().rstrip("*").strip()


def _decodes_as(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _count_lines(path: Path) -> int:
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            lines += chunk.count(b"\n")
    return lines


@dataclass
class Sheet:
    """One uploaded file: its format, headers and an iterator over its data rows."""

    path: Path
    format: str  # "csv" or "xlsx"
    encoding: str = ""
    headers: list[str] | None = None
    estimated_rows: int | None = None  # for a progress bar; the exact count comes from reading
    workbook: object = None  # an .xlsx stays open (read-only) until close(): loading is the slow part
    handle: object = None  # the .xlsx file the workbook reads from

    def close(self) -> None:
        if self.workbook is not None:
            self.workbook.close()
            self.workbook = None
        if self.handle is not None:
            self.handle.close()
            self.handle = None

    def __enter__(self) -> "Sheet":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells as text) for every data row that is not entirely blank."""
        raw = self._csv_rows() if self.format == "csv" else self._xlsx_rows()
        width = len(self.headers or [])
        # A CSV cell is text already: only its surrounding spaces go.
        as_text = str.strip if self.format == "csv" else cell_text
        for number, cells in enumerate(raw, start=2):
            texts = [as_text(c) for c in cells[:width]]
            # An export escapes text a spreadsheet would run as a formula; read it as it was.
            texts = [unneutralised(t) if t[:1] == ESCAPE else t for t in texts]
            if any(texts):
                yield number, texts + [""] * (width - len(texts))

    def raw_rows(self) -> Iterator[list]:
        """Every row after the header as stored (types kept), blank rows included, for annotating."""
        yield from self._csv_rows() if self.format == "csv" else self._xlsx_rows()

    def _csv_rows(self) -> Iterator[list]:
        with self.path.open(encoding=self.encoding, newline="") as handle:
            reader = csv.reader(handle)
            try:
                next(reader, None)
                yield from reader
            except csv.Error as error:
                raise UnreadableFile(f"CSV 文件第 {reader.line_num} 行无法解析：{error}") from None

    def _xlsx_rows(self) -> Iterator[tuple]:
        yield from self.workbook.worksheets[0].iter_rows(min_row=2, values_only=True)


def open_sheet(path: Path) -> Sheet:
    """Recognise the format by content (not by the name the browser sent) and read the header row;
    close the sheet when done (``with open_sheet(path) as sheet``)."""
    path = Path(path)
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == OLE_MAGIC:
        raise UnreadableFile("不支持旧版 .xls 格式，请在 Excel 中另存为 .xlsx 或 .csv 后再上传。")
    if magic == XLSX_MAGIC:
        sheet = _open_xlsx(path)
    else:
        sheet = _open_csv(path)
    if not sheet.headers or not any(sheet.headers):
        sheet.close()
        raise UnreadableFile("文件第 1 行应为表头，但该行为空。")
    return sheet


def check_archive(path: Path) -> None:
    """Refuse an archive whose declared sizes would inflate beyond the limits above, before any
    part of it is inflated. The declared sizes bind: Python's zip reader stops at a part's declared
    size and then checks its CRC, so a part cannot inflate to more than it declares."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise UnreadableFile(UNREADABLE_XLSX) from None
    total = sum(p.file_size for p in parts)
    held = sum(p.file_size for p in parts if not p.filename.startswith("xl/worksheets/"))
    inflating = any(p.file_size > RATIO_FROM and p.file_size > MAX_RATIO * max(1, p.compress_size) for p in parts)
    if total > MAX_INFLATED_TOTAL or held > MAX_INFLATED_PARTS or inflating:
        raise UnreadableFile(
            f"该 .xlsx 文件解压后过大(声明 {total >> 20} MiB)或压缩比异常，疑为压缩炸弹，已拒绝。"
            "请删除多余的工作表和格式后另存，或拆分为几个文件，或另存为 .csv 后上传。")


UNREADABLE_XLSX = "无法读取该 .xlsx 文件：文件已损坏或不是 Excel 工作簿。请在 Excel 中打开后另存为 .xlsx，或另存为 .csv 后上传。"


def _open_xlsx(path: Path) -> Sheet:
    check_archive(path)
    handle = path.open("rb")
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many types for a damaged archive
        handle.close()
        raise UnreadableFile(UNREADABLE_XLSX) from None
    if not workbook.worksheets:
        workbook.close()
        handle.close()
        raise UnreadableFile("该 .xlsx 文件没有工作表。")
    worksheet = workbook.worksheets[0]
    first = next(worksheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
    headers = [header_text(v) for v in first]
    while headers and not headers[-1]:
        headers.pop()
    estimated = (worksheet.max_row - 1) if worksheet.max_row else None
    return Sheet(path, "xlsx", headers=headers, estimated_rows=estimated, workbook=workbook, handle=handle)


def _open_csv(path: Path) -> Sheet:
    encoding = next((e for e in CSV_ENCODINGS if _decodes_as(path, e)), None)
    if encoding is None:
        raise UnreadableFile("无法识别文件编码，请以 UTF-8 或 GB18030 编码保存为 .csv，或上传 .xlsx。")
    with path.open(encoding=encoding, newline="") as handle:
        try:
            first = next(csv.reader(handle), [])
        except csv.Error as error:
            raise UnreadableFile(f"无法解析 CSV 文件：{error}") from None
    headers = [header_text(v) for v in first]
    while headers and not headers[-1]:
        headers.pop()
    return Sheet(path, "csv", encoding=encoding, headers=headers,
                 estimated_rows=max(0, _count_lines(path) - 1))
