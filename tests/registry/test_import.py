"""Registry import: per-row validation before any write, all-or-nothing or partial, idempotent
re-import, county scoping, the annotated sheet, audit per batch, the CLI and the export round trip."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook
from stdnum.cn import uscc as stdnum_uscc

from jiliang.accounts.access import AccessDenied
from jiliang.accounts.models import AuditEvent, Role
from jiliang.registry.codes import make_uscc
from jiliang.registry.importing import engine
from jiliang.registry.importing.engine import FileRejected, run_import
from jiliang.registry.importing.kinds import KINDS
from jiliang.registry.models import Instrument, InstrumentStatusChange, Organization, Site

ORG_HEADERS = ["统一社会信用代码", "单位名称", "所属区划", "联系电话", "状态"]
SITE_HEADERS = ["经营单位统一社会信用代码", "场所名称", "场所类型", "所在区划"]
INSTRUMENT_HEADERS = ["器具种类", "出厂编号", "制造单位", "使用单位统一社会信用代码", "安装场所", "安装日期"]


def code(number: int, county: str = "511902") -> str:
    return make_uscc("91", county, f"MB{number:06d}")


def wrong_check(valid: str) -> tuple[str, str]:
    """The code with a wrong 18th character, and the character the error must name."""
    wrong = "0" if valid[17] != "0" else "1"
    return valid[:17] + wrong, stdnum_uscc.calc_check_digit(valid[:17])


def csv_sheet(path, headers, rows, encoding="utf-8-sig"):
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def xlsx_sheet(path, headers, rows):
    workbook = Workbook()
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def run(user, kind, path, **options):
    return run_import(user, KINDS[kind], path, filename=path.name, **options)


def errors_of(report):
    return [(e.row, e.column, e.reason) for e in report.errors]


# --- organizations -----------------------------------------------------------------------------

def test_organizations_all_or_nothing_reports_every_bad_row_at_once(city_regulator, tmp_path):
    bad_code, expected = wrong_check(code(2))
    path = csv_sheet(tmp_path / "orgs.csv", ORG_HEADERS, [
        [code(1), "甲加油站", "511902", "13800000001", "存续"],
        [bad_code, "乙超市", "巴州区", "", ""],
        [code(3), "丙医院", "火星区", "", ""],
        [code(1), "甲加油站(重复)", "511902", "", ""],
        [code(4), "丁眼镜店", "511921", "", "歇业"],
    ])
    report = run(city_regulator, "organizations", path)
    assert not report.written and Organization.objects.count() == 0
    assert report.rows == 5 and report.bad_rows == 4 and report.created == 0
    errors = errors_of(report)
    assert [(row, column) for row, column, _ in errors] == [
        (3, "统一社会信用代码"), (4, "所属区划"), (5, "统一社会信用代码"), (6, "状态"),
    ]
    assert f"第 18 位应为 {expected}" in errors[0][2]
    assert "火星区" in errors[1][2]
    assert "与第 2 行重复" in errors[2][2]
    assert "存续、停业、注销" in errors[3][2]
    assert not AuditEvent.objects.filter(action__startswith="import.").exists()


def test_partial_imports_the_good_rows_and_reports_the_bad(city_regulator, tmp_path):
    bad_code, _ = wrong_check(code(2))
    path = csv_sheet(tmp_path / "orgs.csv", ORG_HEADERS, [
        [code(1), "甲加油站", "511902", "", ""],
        [bad_code, "乙超市", "511902", "", ""],
        [code(3), "丙医院", "南江县", "", "停业"],
    ])
    report = run(city_regulator, "organizations", path, partial=True)
    assert report.written and (report.created, report.updated, report.bad_rows) == (2, 0, 1)
    assert set(Organization.objects.values_list("name", "division__code", "status")) == {
        ("甲加油站", "511902", "active"), ("丙医院", "511922", "suspended"),
    }


def test_reimporting_the_same_file_changes_nothing(city_regulator, tmp_path):
    rows = [[code(n), f"单位{n}", "511902", f"1380000{n:04d}", "存续"] for n in range(1, 6)]
    path = xlsx_sheet(tmp_path / "orgs.xlsx", ORG_HEADERS, rows)
    first = run(city_regulator, "organizations", path)
    assert (first.created, first.updated, first.unchanged) == (5, 0, 0)
    stored = list(Organization.objects.order_by("pk").values())
    second = run(city_regulator, "organizations", path)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 5)
    assert list(Organization.objects.order_by("pk").values()) == stored


def test_a_changed_row_is_updated_and_audited_with_before_and_after(city_regulator, tmp_path):
    path = csv_sheet(tmp_path / "orgs.csv", ORG_HEADERS, [[code(1), "甲", "511902", "13800000001", ""]])
    run(city_regulator, "organizations", path)
    path = csv_sheet(tmp_path / "orgs.csv", ORG_HEADERS, [[code(1), "甲(更名)", "511903", "13900000002", ""]])
    report = run(city_regulator, "organizations", path)
    assert (report.created, report.updated) == (0, 1)
    organization = Organization.objects.get()
    assert (organization.name, organization.division.code) == ("甲(更名)", "511903")
    event = AuditEvent.objects.filter(action="import.organizations").order_by("-id").first()
    changes = event.after["updated_changes"][code(1)]
    assert changes["name"] == ["甲", "甲(更名)"]
    assert changes["contact_phone"] == ["138****0001", "139****0002"]  # masked in the audit log
    assert event.after["file"] == "orgs.csv" and event.object_repr == "orgs.csv (1/1)"


def test_one_audit_row_per_batch_names_the_file_counts_and_keys(city_regulator, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_SIZE", 2)
    path = csv_sheet(tmp_path / "orgs.csv", ORG_HEADERS, [[code(n), f"单位{n}", "511902", "", ""] for n in range(5)])
    report = run(city_regulator, "organizations", path)
    events = list(AuditEvent.objects.filter(action="import.organizations").order_by("id"))
    assert [e.after["batch"] for e in events] == ["1/3", "2/3", "3/3"]
    assert {e.object_id for e in events} == {report.import_id}
    assert [e.after["created_keys"] for e in events] == [[code(0), code(1)], [code(2), code(3)], [code(4)]]
    assert all(e.actor == city_regulator and e.division_id == city_regulator.division_id for e in events)


def test_xlsx_typed_cells_and_gb18030_csv_read_as_they_look(city_regulator, make_organization, make_site, tmp_path):
    owner = make_organization("511902")
    make_site(owner, name="一号站")
    path = xlsx_sheet(tmp_path / "instruments.xlsx", INSTRUMENT_HEADERS, [
        ["MI06", 20240017, "正星", owner.uscc, "一号站", datetime.datetime(2024, 3, 5)],
    ])
    assert run(city_regulator, "instruments", path).created == 1
    assert Instrument.objects.values_list("serial_no", "install_date").get() == ("20240017", datetime.date(2024, 3, 5))
    path = csv_sheet(tmp_path / "orgs-gbk.csv", ORG_HEADERS, [[code(9), "巴中市某某公司", "巴州区", "", ""]],
                     encoding="gb18030")
    assert run(city_regulator, "organizations", path).created == 1
    assert Organization.objects.filter(name="巴中市某某公司").exists()


@pytest.mark.parametrize("content, problem", [
    ("单位名称,所属区划\n甲,511902\n".encode(), "缺少必填列“统一社会信用代码”"),
    (b"\xd0\xcf\x11\xe0legacy", ".xls"),
    (b"", "表头"),
])
def test_a_file_that_cannot_be_imported_is_rejected_as_a_whole(city_regulator, tmp_path, content, problem):
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    with pytest.raises(FileRejected) as caught:
        run(city_regulator, "organizations", path)
    assert problem in str(caught.value.fields)


def test_roles_without_the_right_to_create_may_not_import(auditor, make_user, make_organization, tmp_path):
    path = csv_sheet(tmp_path / "orgs.csv", ORG_HEADERS, [[code(1), "甲", "511902", "", ""]])
    with pytest.raises(AccessDenied):
        run(auditor, "organizations", path)
    owner = make_user(Role.OWNER, organization=make_organization("511902"))
    with pytest.raises(AccessDenied):
        run(owner, "organizations", path)


# --- county scoping ------------------------------------------------------------------------------

def test_county_regulator_cannot_import_outside_its_county(bazhou_regulator, make_organization, make_site, tmp_path):
    own, foreign = make_organization("511902"), make_organization("511921")
    make_site(own, name="巴州站")
    make_site(foreign, name="通江站")
    orgs = run(bazhou_regulator, "organizations", csv_sheet(tmp_path / "o.csv", ORG_HEADERS, [
        [code(1), "巴州新单位", "511902", "", ""],
        [code(2, "511921"), "通江新单位", "511921", "", ""],
        [foreign.uscc, foreign.name, "511902", "", ""],  # another county's entity, moved in
    ]))
    assert [(row, column) for row, column, _ in errors_of(orgs)] == [(3, "所属区划"), (4, "所属区划")]
    assert "通江县" not in errors_of(orgs)[0][2] and "511921" in errors_of(orgs)[0][2]
    assert "管辖或所属范围以外" in errors_of(orgs)[1][2]

    sites = run(bazhou_regulator, "sites", csv_sheet(tmp_path / "s.csv", SITE_HEADERS, [
        [own.uscc, "巴州二号站", "加油(气)站", "511902001"],
        [own.uscc, "越界站", "加油(气)站", "511921"],
        [foreign.uscc, "通江二号站", "加油(气)站", "511902"],
    ]))
    assert [(row, column) for row, column, _ in errors_of(sites)] == [(3, "所在区划"), (4, "经营单位统一社会信用代码")]

    instruments = run(bazhou_regulator, "instruments", csv_sheet(tmp_path / "i.csv", INSTRUMENT_HEADERS, [
        ["MI06", "B-1", "正星", own.uscc, "巴州站", ""],
        ["MI06", "T-1", "正星", foreign.uscc, "通江站", ""],
    ]))
    assert errors_of(instruments) == [
        (3, "使用单位统一社会信用代码", f"使用单位“{foreign.name}”({foreign.uscc})不在您的管辖或所属范围内"),
    ]
    assert not instruments.written and not Instrument.objects.exists()
    assert Organization.objects.count() == 2 and Site.objects.count() == 2


# --- sites and instruments -------------------------------------------------------------------------

def test_sites_unknown_organization_division_and_repeated_name(city_regulator, make_organization, tmp_path):
    owner = make_organization("511902")
    report = run(city_regulator, "sites", csv_sheet(tmp_path / "s.csv", SITE_HEADERS, [
        [owner.uscc, "一号站", "加油(气)站", "511902"],
        [code(77), "二号站", "", "511902"],
        [owner.uscc, "三号站", "火箭发射场", "511999"],
        [owner.uscc, "一号站", "", "511902"],
    ]))
    assert [(row, column) for row, column, _ in errors_of(report)] == [
        (3, "经营单位统一社会信用代码"), (4, "场所类型"), (4, "所在区划"), (5, "场所名称"),
    ]
    assert "未登记" in errors_of(report)[0][2]
    assert not Site.objects.exists()


def test_moving_a_site_moves_its_instruments_division(city_regulator, make_organization, make_site, make_instrument,
                                                     tmp_path):
    owner = make_organization("511902")
    site = make_site(owner, name="一号站", division_code="511902")
    instrument = make_instrument(site=site)
    report = run(city_regulator, "sites", csv_sheet(tmp_path / "s.csv", SITE_HEADERS, [[owner.uscc, "一号站", "", "511902001"]]))
    assert report.updated == 1
    instrument.refresh_from_db()
    assert instrument.division.code == "511902001"
    # Into another county: the county column (the county regulator's list and scope) follows.
    run(city_regulator, "sites", csv_sheet(tmp_path / "s2.csv", SITE_HEADERS, [[owner.uscc, "一号站", "", "511921101"]]))
    instrument.refresh_from_db()
    assert (instrument.division.code, instrument.county.code) == ("511921101", "511921")


def test_instruments_all_or_nothing_with_every_kind_of_bad_row(city_regulator, make_organization, make_site,
                                                               make_instrument, tmp_path):
    owner = make_organization("511902")
    site = make_site(owner, name="一号站")
    registered = make_instrument(site=site, serial_no="OLD-1", manufacturer="正星")
    other = make_instrument(site=site, serial_no="OLD-2", manufacturer="正星")
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    headers = ["公开码", *INSTRUMENT_HEADERS]
    report = run(city_regulator, "instruments", csv_sheet(tmp_path / "i.csv", headers, [
        ["", "MI06", "N-1", "正星", owner.uscc, "一号站", "2024-03-05"],
        ["", "MI99", "N-2", "正星", owner.uscc, "一号站", ""],
        ["", "MI06", "N-1", "正星", owner.uscc, "一号站", ""],
        ["", "MI06", "N-3", "正星", owner.uscc, "一号站", "2024-02-30"],
        ["", "MI06", "N-4", "正星", owner.uscc, "一号站", tomorrow],
        ["", "MI06", "N-5", "正星", owner.uscc, "二号站", ""],
        [registered.public_code, "MI06", "OLD-2", "正星", owner.uscc, "一号站", ""],
    ]))
    assert not report.written
    assert [(row, column) for row, column, _ in errors_of(report)] == [
        (3, "器具种类"), (4, "出厂编号"), (5, "安装日期"), (6, "安装日期"), (7, "安装场所"), (8, "出厂编号"),
    ]
    reasons = [reason for _, _, reason in errors_of(report)]
    assert "MI99" in reasons[0] and "与第 2 行重复" in reasons[1] and "不存在的日期" in reasons[2]
    assert "晚于今天" in reasons[3] and "二号站" in reasons[4] and other.public_code in reasons[5]
    assert Instrument.objects.count() == 2


def test_a_serial_registered_in_another_county_is_a_duplicate_for_a_county_regulator(
        bazhou_regulator, make_organization, make_site, make_instrument, tmp_path):
    own, foreign = make_organization("511902"), make_organization("511921")
    make_site(own, name="巴州站")
    taken = make_instrument(site=make_site(foreign), serial_no="X-1", manufacturer="正星")
    report = run(bazhou_regulator, "instruments", csv_sheet(tmp_path / "i.csv", INSTRUMENT_HEADERS, [
        ["MI06", "X-1", "正星", own.uscc, "巴州站", ""],
    ]))
    assert errors_of(report) == [
        (2, "出厂编号", f"该器具已登记(公开码 {taken.public_code})，属于您管辖或所属范围以外的单位"),
    ]


def test_imported_instruments_get_codes_derived_columns_and_status_history(city_regulator, make_organization,
                                                                          make_site, tmp_path):
    owner = make_organization("511902")
    make_site(owner, name="一号站", division_code="511902001")
    headers = [*INSTRUMENT_HEADERS, "用途", "状态"]
    path = csv_sheet(tmp_path / "i.csv", headers, [
        ["燃油加油机", "A-1", "正星", owner.uscc, "一号站", "2024-03-05", "贸易结算", "在用"],
        ["MI06", "A-2", "正星", owner.name, "一号站", "", "其他(非强检用途)", ""],
    ])
    assert run(city_regulator, "instruments", path).created == 2
    first, second = Instrument.objects.order_by("serial_no")
    assert first.division.code == "511902001" and first.mandatory and not second.mandatory
    assert first.status_since == datetime.date(2024, 3, 5) and len(first.public_code) == 11
    assert list(first.status_changes.values_list("from_status", "to_status")) == [("", "in_use")]

    scrapped = csv_sheet(tmp_path / "i2.csv", ["公开码", "状态", "状态日期"], [[first.public_code, "报废", "2025-01-02"]])
    report = run(city_regulator, "instruments", scrapped)
    assert report.updated == 1
    first.refresh_from_db()
    assert (first.status, first.status_since) == ("scrapped", datetime.date(2025, 1, 2))
    assert InstrumentStatusChange.objects.filter(instrument=first, from_status="in_use", to_status="scrapped").exists()
    back = csv_sheet(tmp_path / "i3.csv", ["公开码", "状态"], [[first.public_code, "在用"]])
    assert errors_of(run(city_regulator, "instruments", back)) == [(2, "状态", "不能从“报废”改为“在用”")]


def test_an_owner_imports_only_its_own_instruments_and_only_what_it_may_change(
        make_user, make_organization, make_site, make_instrument, tmp_path):
    mine, theirs = make_organization("511902"), make_organization("511902")
    site = make_site(mine, name="本单位站")
    make_site(theirs, name="他人站")
    first = make_instrument(site=site, serial_no="M-1", manufacturer="正星")
    second = make_instrument(site=site, serial_no="M-2", manufacturer="正星")
    owner = make_user(Role.OWNER, organization=mine)
    headers = ["公开码", "器具种类", "出厂编号", "制造单位", "使用单位统一社会信用代码", "安装场所", "型号规格", "用途"]
    rows = [
        [first.public_code, "MI06", "M-1", "正星", mine.uscc, "本单位站", "CS46", "贸易结算"],
        [second.public_code, "MI06", "M-2", "正星", mine.uscc, "本单位站", "CS46", "安全防护"],
        ["", "MI06", "T-1", "正星", theirs.uscc, "他人站", "", ""],
    ]
    report = run(owner, "instruments", csv_sheet(tmp_path / "i.csv", headers, rows))
    assert [(row, column) for row, column, _ in errors_of(report)] == [(3, "用途"), (4, "使用单位统一社会信用代码")]
    report = run(owner, "instruments", csv_sheet(tmp_path / "i.csv", headers, rows[:1]))
    assert report.updated == 1
    first.refresh_from_db()
    assert first.model == "CS46"


# --- annotated sheet -------------------------------------------------------------------------------

def test_annotated_csv_has_an_error_column_and_keeps_every_row_in_place(city_regulator, tmp_path):
    bad_code, expected = wrong_check(code(2))
    path = csv_sheet(tmp_path / "orgs.csv", ORG_HEADERS, [
        [code(1), "甲", "511902", "", ""],
        [bad_code, "乙", "火星区", "", ""],
        ["", "", "", "", ""],
        [code(3), "丙", "511902", "", ""],
    ])
    report = run(city_regulator, "organizations", path, annotate_to=lambda fmt: tmp_path / f"annotated.{fmt}")
    assert report.annotated_path == tmp_path / "annotated.csv"
    lines = list(csv.reader(io.StringIO(report.annotated_path.read_text(encoding="utf-8-sig"))))
    assert lines[0] == ["错误说明", *ORG_HEADERS]
    assert lines[1] == ["", code(1), "甲", "511902", "", ""]
    assert lines[2][0].startswith(f"统一社会信用代码：统一社会信用代码校验位错误：第 18 位应为 {expected}")
    assert "；所属区划：未知的行政区划“火星区”" in lines[2][0]
    assert lines[2][1:] == [bad_code, "乙", "火星区", "", ""]
    assert lines[3][0] == "" and lines[4] == ["", code(3), "丙", "511902", "", ""]

    fixed = csv_sheet(tmp_path / "fixed.csv", lines[0], [[""] + [code(2), "乙", "511902", "", ""]])
    again = run(city_regulator, "organizations", fixed)
    assert again.created == 1 and again.ignored_columns == []


def test_annotated_xlsx_marks_the_bad_rows(city_regulator, tmp_path):
    path = xlsx_sheet(tmp_path / "orgs.xlsx", ORG_HEADERS, [
        [code(1), "甲", "511902", None, None],
        [code(2), "", "511902", None, None],
    ])
    report = run(city_regulator, "organizations", path, annotate_to=lambda fmt: tmp_path / f"annotated.{fmt}")
    sheet = load_workbook(report.annotated_path).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("错误说明", *ORG_HEADERS)
    assert rows[1][:3] == (None, code(1), "甲")
    assert rows[2][0] == "单位名称：不能为空" and rows[2][1] == code(2)
    assert sheet["A3"].font.color.rgb.endswith("9C0006")


# --- the console command ----------------------------------------------------------------------------

def test_cli_exits_non_zero_with_the_report_and_writes_the_annotated_file(city_regulator, tmp_path, capsys):
    bad_code, expected = wrong_check(code(2))
    path = csv_sheet(tmp_path / "orgs.csv", ORG_HEADERS, [[code(1), "甲", "511902", "", ""], [bad_code, "乙", "511902", "", ""]])
    with pytest.raises(SystemExit) as caught:
        call_command("import", "organizations", str(path), "--as", city_regulator.username,
                     "--errors-out", str(tmp_path / "errors.xlsx"))
    assert caught.value.code == 1
    output = capsys.readouterr()
    assert "nothing written" in output.out and f"第 18 位应为 {expected}" in output.err
    assert (tmp_path / "errors.csv").read_text(encoding="utf-8-sig").startswith("错误说明,")
    assert not Organization.objects.exists()

    with pytest.raises(SystemExit):
        call_command("import", "organizations", str(path), "--as", city_regulator.username, "--partial")
    assert Organization.objects.count() == 1
    good = csv_sheet(tmp_path / "good.csv", ORG_HEADERS, [[code(1), "甲", "511902", "", ""]])
    call_command("import", "organizations", str(good), "--as", city_regulator.username)
    assert "0 created, 0 updated, 1 unchanged" in capsys.readouterr().out


# --- export round trip ------------------------------------------------------------------------------

@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_list_exports_reimport_without_change(export, city_regulator, browser_client, make_organization, make_site,
                                              make_instrument, tmp_path):
    for county in ("511902", "511921"):
        organization = make_organization(county, contact_phone="13812345678", address="某路 1 号")
        site = make_site(organization, name=f"{county}站", latitude=Decimal("31.5"))
        make_instrument(site=site, install_date=datetime.date(2023, 5, 6), model="CS46")
        make_instrument(site=site, type_code="MI02", purpose="other")
    client = browser_client(city_regulator)
    stored = {model: list(model.objects.order_by("pk").values()) for model in (Organization, Site, Instrument)}
    for kind, url in (("organizations", "/registry/organizations/"), ("sites", "/registry/sites/"),
                      ("instruments", "/registry/instruments/")):
        response = client.get(url, {"export": export})
        assert response.status_code == 200
        path = tmp_path / f"{kind}.{export}"
        path.write_bytes(b"".join(response.streaming_content) if response.streaming else response.content)
        report = run(city_regulator, kind, path)
        assert report.ok, errors_of(report)
        assert (report.created, report.updated, report.unchanged) == (0, 0, report.rows) and report.rows >= 2
    assert {model: list(model.objects.order_by("pk").values()) for model in stored} == stored


def test_a_large_import_refreshes_the_query_planner_statistics(city_regulator, tmp_path, monkeypatch):
    from django.db import connection

    monkeypatch.setattr(engine, "STATISTICS_AFTER_ROWS", 2)
    run(city_regulator, "organizations", csv_sheet(tmp_path / "o.csv", ORG_HEADERS,
                                                   [[code(n), f"单位{n}", "511902", "", ""] for n in range(3)]))
    query = ("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = %s" if connection.vendor == "sqlite"
             else "SELECT COUNT(*) FROM pg_stats WHERE tablename = %s")
    with connection.cursor() as cursor:
        cursor.execute(query, [Organization._meta.db_table])
        assert cursor.fetchone()[0] > 0


def test_an_import_sets_the_garbage_collector_back_as_it_found_it(city_regulator, tmp_path):
    import gc

    before = gc.get_threshold()
    run(city_regulator, "organizations", csv_sheet(tmp_path / "o.csv", ORG_HEADERS, [[code(1), "甲", "511902", "", ""]]))
    with pytest.raises(FileRejected):
        run(city_regulator, "organizations", csv_sheet(tmp_path / "bad.csv", ["名称"], [["甲"]]))
    assert gc.get_threshold() == before
