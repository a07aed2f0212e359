"""The public complaint form and the tracking page in headless Chromium at 390 px (a phone): a
citizen finds the station by name, files a report with a photo, reads the tracking code, and looks
the complaint up; a wrong code reads like a missing one. No page scrolls sideways; a screenshot of
each step goes to ``screenshot_dir``."""

import pytest
from playwright.sync_api import expect

from jiliang.accounts.models import Division, User
from jiliang.enforcement.models import Complaint
from jiliang.registry import services as registry_services
from jiliang.registry.models import Organization, SiteKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE_FITS = "document.documentElement.scrollWidth <= window.innerWidth"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def phone(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 390, "height": 844})
    yield context.new_page()
    context.close()


@pytest.fixture
def station(db):
    registrar = User.objects.create_superuser("registrar", password="unused-Passw0rd!")
    bazhou = Division.objects.get(code="511902")
    organization = Organization.objects.create(uscc="91511902MA6BROWSE1", name="巴州浏览器测试公司", division=bazhou)
    return registry_services.create_site(registrar, organization=organization, name="江北浏览器加油站",
                                         kind=SiteKind.GAS_STATION, division=bazhou, address="巴州区江北大道9号")


def _step(page, folder, name):
    assert page.evaluate(PAGE_FITS), f"{name}: {page.url} scrolls sideways"
    page.screenshot(path=str(folder / f"complaint-390-{name}.png"), full_page=True)


def test_file_a_report_and_track_it_on_a_phone(phone, station, screenshot_dir, tmp_path):
    phone.goto("/complaints/")
    _step(phone, screenshot_dir, "1-form")
    phone.get_by_label("搜索经营场所").fill("江北浏览器")
    phone.get_by_test_id("site-search").click()
    phone.get_by_label("经营场所", exact=True).select_option(str(station.pk))
    phone.get_by_label("问题类型").select_option("short_weight")
    phone.get_by_label("发生了什么").fill("加满一箱油，表显示比平时多出五升。")
    photo = tmp_path / "receipt.png"
    photo.write_bytes(PNG)
    phone.get_by_label("照片").set_input_files(str(photo))
    phone.get_by_label("联系电话").fill("13500004444")
    _step(phone, screenshot_dir, "2-filled")
    phone.get_by_test_id("complaint-submit").click()
    code = phone.get_by_test_id("tracking-code").inner_text().strip()
    _step(phone, screenshot_dir, "3-submitted")
    complaint = Complaint.objects.get()
    assert complaint.site_id == station.pk and complaint.photos.count() == 1 and complaint.has_identity

    phone.goto("/complaints/track")
    phone.get_by_label("查询码").fill(code)
    phone.get_by_role("button", name="查询").click()
    expect(phone.get_by_test_id("track-state")).to_have_text("待受理")
    assert "13500004444" not in phone.content()
    _step(phone, screenshot_dir, "4-tracked")

    phone.get_by_label("查询码").fill(code[:-1] + ("A" if code[-1] != "A" else "B"))
    phone.get_by_role("button", name="查询").click()
    expect(phone.get_by_test_id("track-not-found")).to_be_visible()
    _step(phone, screenshot_dir, "5-wrong-code")


def test_a_complaint_without_a_place_is_refused_on_the_page(phone, db, screenshot_dir):
    phone.goto("/complaints/")
    phone.get_by_label("问题类型").select_option("cheating")
    phone.get_by_label("发生了什么").fill("电子秤不准")
    phone.get_by_test_id("complaint-submit").click()
    expect(phone.get_by_test_id("error-summary")).to_contain_text("请选择经营场所，或填写地址")
    _step(phone, screenshot_dir, "6-no-place")
    assert not Complaint.objects.exists()
