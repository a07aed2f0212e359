"""The public complaint form and the tracking page in headless Chromium at 390 px (a phone): a
citizen finds the station by name, files a report with a photo, reads the tracking code, and looks
the complaint up; a wrong code reads like a missing one. No page scrolls sideways; a screenshot of
each step goes to ``screenshot_dir``."""

import pytest
from playwright.sync_api import expect

from jiliang.enforcement.models import Complaint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def phone(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 390, "height": 844})
    yield context.new_page()
    context.close()


def test_file_a_report_and_track_it_on_a_phone(phone, bazhou_station, phone_step, tmp_path):
    phone.goto("/complaints/")
    phone_step(phone, "complaint-390-1-form")
    phone.get_by_label("搜索经营场所").fill("江北浏览器")
    phone.get_by_test_id("site-search").click()
    phone.get_by_label("经营场所", exact=True).select_option(str(bazhou_station.pk))
    phone.get_by_label("问题类型").select_option("short_weight")
    phone.get_by_label("发生了什么").fill("加满一箱油，表显示比平时多出五升。")
    photo = tmp_path / "receipt.png"
    photo.write_bytes(PNG)
    phone.get_by_label("照片").set_input_files(str(photo))
    phone.get_by_label("联系电话").fill("13500004444")
    phone_step(phone, "complaint-390-2-filled")
    phone.get_by_test_id("complaint-submit").click()
    code = phone.get_by_test_id("tracking-code").inner_text().strip()
    phone_step(phone, "complaint-390-3-submitted")
    complaint = Complaint.objects.get()
    assert complaint.site_id == bazhou_station.pk and complaint.photos.count() == 1 and complaint.has_identity

    phone.goto("/complaints/track")
    phone.get_by_label("查询码").fill(code)
    phone.get_by_role("button", name="查询").click()
    expect(phone.get_by_test_id("track-state")).to_have_text("待受理")
    assert "13500004444" not in phone.content()
    phone_step(phone, "complaint-390-4-tracked")

    phone.get_by_label("查询码").fill(code[:-1] + ("A" if code[-1] != "A" else "B"))
    phone.get_by_role("button", name="查询").click()
    expect(phone.get_by_test_id("track-not-found")).to_be_visible()
    phone_step(phone, "complaint-390-5-wrong-code")


def test_a_complaint_without_a_place_is_refused_on_the_page(phone, db, phone_step):
    phone.goto("/complaints/")
    phone.get_by_label("问题类型").select_option("cheating")
    phone.get_by_label("发生了什么").fill("电子秤不准")
    phone.get_by_test_id("complaint-submit").click()
    expect(phone.get_by_test_id("error-summary")).to_contain_text("请选择经营场所，或填写地址")
    phone_step(phone, "complaint-390-6-no-place")
    assert not Complaint.objects.exists()
