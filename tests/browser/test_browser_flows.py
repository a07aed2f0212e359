"""Issue 12's browser acceptance for the flows test_browser_workflow.py does not cover: register a
site and an instrument through the forms, import the platform's own .xlsx template and a .csv, and
handle an alert, each on a laptop (1366×768) and a phone (390×844). After every navigation the page
must not scroll sideways; a screenshot of each step goes to ``screenshot_dir``."""

import io
import itertools
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from jiliang.accounts.models import Division, Role
from jiliang.monitoring.models import Alert, AlertState, DeviceKind
from jiliang.registry import services as registry_services
from jiliang.registry.models import Instrument, InstrumentType, SiteKind
from monitoring_fixtures import _fresh_partitions, event, make_device, make_site, post  # noqa: F401  (fixtures)
from tests.browser.conftest import PAGE_FITS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = pytest.mark.parametrize("viewport", [{"width": 1366, "height": 768}, {"width": 390, "height": 844}],
                                    ids=["laptop", "phone"])


@pytest.fixture
def step(screenshot_dir, request):
    """step(page, name): the page does not scroll sideways; its screenshot is saved, numbered."""
    count = itertools.count(1)

    def check(page, name: str) -> None:
        page.wait_for_load_state()
        page.screenshot(path=screenshot_dir / f"{request.node.name}-{next(count):02d}-{name}.png", full_page=True)
        assert page.evaluate(PAGE_FITS), f"{name}: {page.url} scrolls sideways"

    return check


@pytest.fixture
def owner_org(make_organization):
    return make_organization("511902", name="巴中江北石化有限公司")


def _pick(page, field: str, typed: str, option: str) -> None:
    """Type into a searchable select, wait for the API's answer to what was typed (not the list it
    preloads on focus, after which the typed search would still be pending) and take the option."""
    with page.expect_response(lambda response: f"q={quote(typed)}" in response.url):
        page.locator(f"#id_{field}-ts-control").fill(typed)
    page.locator(f"#id_{field}-ts-dropdown .option", has_text=option).click()


def _register_site_and_instrument(page, step, owner_name: str, serial: str) -> Instrument:
    page.goto("/registry/sites/new/")
    step(page, "site-form")
    _pick(page, "organization", owner_name[2:4], owner_name)
    page.get_by_label("场所名称").fill(f"{serial} 加油站")
    page.get_by_label("场所类型").select_option(label=str(SiteKind.GAS_STATION.label))
    page.get_by_label("所在区划").select_option(label="巴州区 (511902)")
    page.get_by_label("地址").fill("巴中市巴州区江北大道 8 号")
    step(page, "site-filled")
    page.locator("form button[type=submit]").last.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{serial} 加油站")
    step(page, "site-saved")

    page.goto("/registry/instruments/new/")
    page.get_by_label("器具种类").select_option(str(InstrumentType.objects.get(code="MI06").pk))
    page.get_by_label("出厂编号").fill(serial)
    page.get_by_label("制造单位").fill("正星科技股份有限公司")
    _pick(page, "owner", owner_name[2:4], owner_name)
    page.locator("#id_site-ts-control").click()
    page.locator("#id_site-ts-dropdown .option", has_text=f"{serial} 加油站").click()
    step(page, "instrument-filled")
    page.locator("form button[type=submit]").last.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(serial)
    instrument = Instrument.objects.get(serial_no=serial)
    expect(page.locator("main").get_by_text(instrument.public_code).first).to_be_visible()
    step(page, "instrument-page")
    return instrument


@VIEWPORTS
def test_owner_and_county_regulator_register_a_site_and_an_instrument(
        viewport, owner_org, make_user, signed_in_page, step):
    owner = signed_in_page(make_user(Role.OWNER, organization=owner_org), viewport=viewport)
    mine = _register_site_and_instrument(owner, step, owner_org.name, "OWN-0001")
    county = signed_in_page(make_user(Role.COUNTY_REGULATOR, division="511902"), viewport=viewport)
    theirs = _register_site_and_instrument(county, step, owner_org.name, "CTY-0001")
    assert (mine.owner, theirs.owner) == (owner_org, owner_org)
    assert (mine.site.name, theirs.site.name) == ("OWN-0001 加油站", "CTY-0001 加油站")


def _template_rows(page, rows: list[dict]) -> bytes:
    """The import page's Excel template, downloaded through its link, with ``rows`` filled in by header."""
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel 模板").first.click()
    workbook = load_workbook(io.BytesIO(download.value.path().read_bytes()))  # the saved file has no suffix
    sheet = workbook.worksheets[0]
    headers = [str(cell.value).rstrip("*") for cell in sheet[1]]
    for row in rows:
        sheet.append([row.get(header, "") for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@VIEWPORTS
def test_owner_imports_the_xlsx_template_and_a_csv(viewport, owner_org, make_user, signed_in_page, step):
    user = make_user(Role.OWNER, organization=owner_org)
    registry_services.create_site(user, organization=owner_org, name="江北加油站", kind=SiteKind.GAS_STATION,
                                  division=Division.objects.get(code="511902"))
    page = signed_in_page(user, viewport=viewport)
    page.goto("/registry/imports/")
    step(page, "import-index")
    page.get_by_role("link", name="导入计量器具").click()
    step(page, "import-upload")

    def row(serial: str, **extra) -> dict:
        return {"器具种类": "MI06", "出厂编号": serial, "制造单位": "正星科技股份有限公司",
                "使用单位统一社会信用代码": owner_org.uscc, "安装场所": "江北加油站", **extra}

    workbook = _template_rows(page, [row("XLSX-0001"), row("XLSX-0002"), row("XLSX-0003", 安装日期="2099-01-01")])
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    page.get_by_label("文件").set_input_files(files=[{"name": "器具.xlsx", "mimeType": xlsx, "buffer": workbook}])
    page.get_by_role("button", name="上传并导入").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("安装日期")
    expect(page.get_by_test_id("import-report")).to_contain_text("1 行有误，未导入任何数据")
    step(page, "import-xlsx-errors")
    assert not Instrument.objects.exists()

    sheet = "\ufeff器具种类,出厂编号,制造单位,使用单位统一社会信用代码,安装场所\n" + "".join(
        f"MI06,CSV-000{n},正星科技股份有限公司,{owner_org.uscc},江北加油站\n" for n in (1, 2))
    page.get_by_label("文件").set_input_files(files=[{"name": "器具.csv", "mimeType": "text/csv",
                                                     "buffer": sheet.encode()}])
    page.get_by_role("button", name="上传并导入").click()
    expect(page.get_by_test_id("import-report")).to_contain_text("已导入：新增 2 条")
    step(page, "import-csv-done")

    page.goto("/registry/instruments/")
    for serial in ("CSV-0001", "CSV-0002"):
        expect(page.locator("main").get_by_text(serial).first).to_be_visible()
    step(page, "instrument-list")


@VIEWPORTS
def test_county_regulator_acknowledges_and_closes_an_alert_with_notes(
        viewport, make_device, make_site, bazhou_regulator, signed_in_page, step):
    meter, token, _ = make_device(DeviceKind.METER, site=make_site("511902"), medium="water")
    post(token, [event(meter, 1, 0, "cover_open")])
    alert = Alert.objects.get()
    page = signed_in_page(bazhou_regulator, viewport=viewport)
    page.goto("/monitoring/alerts/")
    step(page, "alert-inbox")
    page.locator("main").get_by_role("link", name=f"{alert.rule_code} {alert.message}").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("规则判定，产生预警")
    step(page, "alert-detail")

    acknowledged, closed = "收到，已电话通知站长", "现场核查属实，已责令整改，结案"
    moves = [(AlertState.ACKNOWLEDGED, acknowledged), (AlertState.INVESTIGATING, ""),
             (AlertState.CONFIRMED, ""), (AlertState.CLOSED, closed)]
    for state, note in moves:
        page.get_by_label("处置").select_option(label=str(state.label))
        page.get_by_label("说明").fill(note)
        page.get_by_role("button", name="提交").click()
        expect(page.get_by_test_id("timeline")).to_contain_text(f"转为“{state.label}”")
        step(page, f"alert-{state}")
    timeline = page.get_by_test_id("timeline")
    for note in (acknowledged, closed):
        expect(timeline).to_contain_text(note)
    alert.refresh_from_db()
    assert alert.state == AlertState.CLOSED
