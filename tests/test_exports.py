"""List exports: formulas written as text in both formats (numbers stay numbers), rows holding control
characters stored before they were refused still export, Chinese file and sheet names."""

import csv
import io
from urllib.parse import unquote

from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from jiliang import exports
from jiliang.accounts import audit
from jiliang.cells import FORMULA_TRIGGERS, control_characters_in, neutralised, printable, unneutralised


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@given(st.text())
def test_a_neutralised_cell_is_never_a_formula_nor_holds_a_control_character(text):
    cell = neutralised(text)
    assert not cell.startswith(FORMULA_TRIGGERS) and not control_characters_in(cell)
    assert unneutralised(cell) == printable(text)


@given(st.one_of(st.integers(), st.floats(allow_nan=False), st.decimals(allow_nan=False)))
def test_numbers_stay_numbers(number):
    assert neutralised(number) is number


def test_formulas_are_text_in_the_xlsx_and_csv_exports(city_regulator, browser_client, make_organization):
    make_organization(name='=HYPERLINK("http://evil.example","点我")', industry="@SUM(1+1)*cmd|' /C calc'!A0",
                      contact_name="-2+3")
    client = browser_client(city_regulator)
    sheet = load_workbook(io.BytesIO(body(client.get("/registry/organizations/", {"export": "xlsx"})))).worksheets[0]
    row = [cell for cell in sheet[2]]
    assert row[0].value == '\'=HYPERLINK("http://evil.example","点我")' and row[0].data_type == "s"
    assert row[3].value.startswith("'@") and row[4].value == "'-2+3"
    lines = list(csv.reader(io.StringIO(body(client.get("/registry/organizations/", {"export": "csv"})).decode("utf-8-sig"))))
    assert lines[1][0].startswith("'=HYPERLINK") and lines[1][3].startswith("'@") and lines[1][4] == "'-2+3"


def test_rows_stored_with_control_characters_still_export(city_regulator, browser_client, make_organization):
    organization = make_organization(name="甲\x01公司", industry="成品\x0b油\x1b零售")
    with transaction.atomic():
        audit.record(city_regulator, "organization.update", organization, before={"name": "甲"},
                     after={"name": "甲\x01公司"})
    client = browser_client(city_regulator)
    for url in ("/registry/organizations/", "/accounts/audit/"):
        response = client.get(url, {"export": "xlsx"})
        assert response.status_code == 200
        cells = [c.value for row in load_workbook(io.BytesIO(body(response))).worksheets[0].iter_rows()
                 for c in row if isinstance(c.value, str)]
        assert not any(control_characters_in(c) for c in cells)
    sheet = load_workbook(io.BytesIO(body(client.get("/registry/organizations/", {"export": "xlsx"})))).worksheets[0]
    assert sheet["A2"].value == "甲公司" and sheet["D2"].value == "成品油零售"


def test_export_files_and_sheets_are_named_in_chinese(city_regulator, browser_client, make_organization):
    make_organization()
    client = browser_client(city_regulator)
    for fmt in ("csv", "xlsx"):
        response = client.get("/registry/organizations/", {"export": fmt})
        disposition = response["Content-Disposition"]
        ascii_part, utf8_part = disposition.split("; filename*=UTF-8''")
        assert ascii_part.startswith('attachment; filename="organizations-') and ascii_part.isascii()
        assert unquote(utf8_part).startswith("使用单位-") and unquote(utf8_part).endswith(f".{fmt}")
        if fmt == "xlsx":
            assert load_workbook(io.BytesIO(body(response))).sheetnames == ["使用单位-" + utf8_part.split("-")[-1][:8]]


def test_an_escaped_export_reimports_unchanged(city_regulator, browser_client, make_organization, tmp_path):
    from jiliang.registry.importing.engine import run_import
    from jiliang.registry.importing.kinds import KINDS

    make_organization(name="=SUM(1,2)", industry="-成品油", contact_name="@张三")
    client = browser_client(city_regulator)
    for fmt in ("csv", "xlsx"):
        path = tmp_path / f"organizations.{fmt}"
        path.write_bytes(body(client.get("/registry/organizations/", {"export": fmt})))
        report = run_import(city_regulator, KINDS["organizations"], path, filename=path.name)
        assert report.ok and (report.unchanged, report.updated) == (1, 0), report.errors


@given(items=st.lists(st.integers(), max_size=50), every=st.integers(min_value=1, max_value=10))
def test_counted_passes_every_item_and_reports_the_count(items, every):
    """A background export's progress (exports.counted): the rows go through unchanged, a report
    after each ``every`` rows, the last report is the number of rows."""
    reports = []
    assert list(exports.counted(items, reports.append, every)) == items
    assert reports[-1] == len(items)
    assert reports[:-1] == list(range(every, len(items) + 1, every))
