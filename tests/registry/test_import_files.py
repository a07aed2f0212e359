"""Import files as they arrive from the web: .xlsx uploads (the platform's own template and a filled
one) through the real page and the API, a blank column re-imported by an owner, control characters
refused per cell (a CSV can carry them; XML cannot), and .xlsx zip bombs refused before they are inflated."""

import csv
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from jiliang.accounts.models import Role
from jiliang.registry.codes import make_uscc
from jiliang.registry.importing import reader
from jiliang.registry.importing.engine import FileRejected, run_import
from jiliang.registry.importing.kinds import KINDS
from jiliang.registry.models import Instrument, Organization

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
USCC = make_uscc("91", "511902", "MD000001")


def template(client, kind: str) -> bytes:
    response = client.get(f"/registry/imports/{kind}/template.xlsx")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def filled(content: bytes, *rows: list) -> bytes:
    """The template with rows typed into its first sheet, saved as Excel would."""
    workbook = load_workbook(io.BytesIO(content))
    for row in rows:
        workbook.worksheets[0].append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "使用单位导入模板.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX)


def test_the_platforms_own_xlsx_template_uploads_through_the_page(city_regulator, browser_client):
    client = browser_client(city_regulator)
    blank = template(client, "organizations")
    response = client.post("/registry/imports/organizations/", {"file": upload(blank)})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="import-report"' in html, html
    assert "import-file-error" not in html
    assert "已导入：新增 0 条" in html

    response = client.post("/registry/imports/organizations/",
                           {"file": upload(filled(blank, [USCC, "江北加油站有限公司", "511902"]))})
    assert "已导入：新增 1 条" in response.content.decode()
    assert Organization.objects.get(uscc=USCC).name == "江北加油站有限公司"


def test_a_filled_xlsx_template_imports_through_the_api(city_regulator, api_client, browser_client):
    blank = template(browser_client(city_regulator), "organizations")
    client = api_client(city_regulator)
    response = client.post("/api/v1/imports/organizations",
                           {"file": upload(filled(blank, [USCC, "江北加油站有限公司", "巴州区"]))})
    assert response.status_code == 200, response.json()
    assert (response.json()["format"], response.json()["created"]) == ("xlsx", 1)
    again = client.post("/api/v1/imports/organizations",
                        {"file": upload(filled(blank, [USCC, "江北加油站有限公司", "巴州区"]))}).json()
    assert (again["created"], again["unchanged"]) == (0, 1)


def test_an_unreadable_xlsx_is_one_chinese_error_shown_once(city_regulator, browser_client):
    client = browser_client(city_regulator)
    broken = b"PK\x03\x04" + b"not really a zip" * 10
    html = client.post("/registry/imports/organizations/", {"file": upload(broken)}).content.decode()
    error = html.split('data-testid="import-file-error"')[1].split("</section>")[0]
    assert "无法读取该 .xlsx 文件" in error
    assert error.count("无法读取") == 1
    assert "openpyxl" not in error and "support" not in error


def test_an_owner_reimports_the_same_csv_with_a_blank_status_date(make_user, make_organization, make_site,
                                                                 browser_client):
    organization = make_organization("511902")
    make_site(organization, name="江北站")
    owner = make_user(Role.OWNER, organization=organization)
    client = browser_client(owner)
    headers = ["公开码", "器具种类", "出厂编号", "制造单位", "使用单位统一社会信用代码", "安装场所", "用途", "状态",
               "状态日期", "安装日期"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerow(["", "MI06", "JY-1", "正星", organization.uscc, "江北站", "", "", "", ""])
    content = ("\ufeff" + buffer.getvalue()).encode()
    for expected in ("已导入：新增 1 条", "已导入：新增 0 条，更新 0 条，未变 1 条"):
        response = client.post("/registry/imports/instruments/",
                               {"file": SimpleUploadedFile("器具.csv", content, content_type="text/csv")})
        html = response.content.decode()
        assert expected in html, html.split('data-testid="import-report"')[-1][:2000]
    assert Instrument.objects.count() == 1


def test_control_characters_are_refused_per_cell(city_regulator, tmp_path):
    path = tmp_path / "o.csv"
    path.write_text(f"统一社会信用代码,单位名称,所属区划,住所\n{USCC},甲\x01公司,511902,某路\x00 1 号\n", encoding="utf-8")
    report = run_import(city_regulator, KINDS["organizations"], path, filename=path.name,
                        annotate_to=lambda fmt: tmp_path / f"annotated.{fmt}")
    assert [(e.row, e.column, e.reason) for e in report.errors] == [
        (2, "单位名称", "含有不可见的控制字符(U+0001)，请删除后重新填写"),
        (2, "住所", "含有不可见的控制字符(U+0000)，请删除后重新填写"),
    ]
    assert not report.written and not Organization.objects.exists()


SST = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def xlsx_with_shared_string(path, text: str, padding: int = 0) -> None:
    """An organizations sheet as Excel writes it: the name in the shared-strings part (which
    openpyxl holds in memory), followed by ``padding`` spaces of XML."""
    workbook = Workbook()
    workbook.active.append(["统一社会信用代码", "单位名称", "所属区划"])
    workbook.active.append([USCC, "NAME", "511902"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info).decode()
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace('t="inlineStr"><is><t>NAME</t></is>', 't="s"><v>0</v>')
            elif info.filename == "[Content_Types].xml":
                data = data.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" /></Types>')
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace("</Relationships>", '<Relationship Type="http://schemas.openxmlformats.org/'
                                    'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml" '
                                    'Id="rId9" /></Relationships>')
            target.writestr(info.filename, data)
        target.writestr("xl/sharedStrings.xml", f'<sst xmlns="{SST}" count="1" uniqueCount="1"><si><t>{text}</t>'
                                                f'</si>{" " * padding}</sst>')


def padded_sheet(path, size: int) -> None:
    """A valid organizations sheet whose worksheet part carries ``size`` spaces of XML."""
    workbook = Workbook()
    workbook.active.append(["统一社会信用代码", "单位名称", "所属区划"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</worksheet>", b" " * size + b"</worksheet>")
            target.writestr(info.filename, data)


def bomb(path, member: str, size: int) -> None:
    if member == "xl/sharedStrings.xml":
        xlsx_with_shared_string(path, "甲", padding=size)
    else:
        padded_sheet(path, size)


@pytest.mark.parametrize("member", ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"])
def test_an_xlsx_zip_bomb_is_refused_before_it_is_inflated(member, city_regulator, tmp_path, monkeypatch):
    path = tmp_path / "bomb.xlsx"
    bomb(path, member, 8 << 20)  # 8 MiB of spaces deflate to a few KiB
    assert path.stat().st_size < 64 << 10
    inflated = []
    real_load = reader.load_workbook
    monkeypatch.setattr(reader, "load_workbook", lambda *a, **k: inflated.append(1) or real_load(*a, **k))
    with pytest.raises(FileRejected) as refused:
        run_import(city_regulator, KINDS["organizations"], path, filename=path.name)
    assert "疑为压缩炸弹" in refused.value.message and not inflated


def test_the_inflated_size_limits_hold_at_any_ratio(city_regulator, tmp_path, monkeypatch):
    path = tmp_path / "big.xlsx"
    bomb(path, "xl/sharedStrings.xml", 1 << 16)
    monkeypatch.setattr(reader, "MAX_INFLATED_PARTS", 1 << 15)
    with pytest.raises(FileRejected, match="疑为压缩炸弹"):
        run_import(city_regulator, KINDS["organizations"], path, filename=path.name)
