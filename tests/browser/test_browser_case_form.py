"""The case officer's 立案 form (/enforcement/cases/new/) in headless Chromium at 390 px: every field
reachable and labelled, nothing scrolls sideways, a wrong credit code is shown under its field, and
the filled form opens the case with its further party. A screenshot of each step goes to
``screenshot_dir``."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jiliang.enforcement.models import Case, CaseParty

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_open_a_case_by_hand_on_a_phone(signed_in_page, bazhou_regulator, bazhou_station, phone_step):
    page = signed_in_page(bazhou_regulator, viewport=PHONE)
    page.goto("/enforcement/cases/new/")
    phone_step(page, "case-new-390-1-form")
    page.get_by_label("当事人统一社会信用代码").fill("91511902MA6NOSUCH1")
    page.get_by_label("经营场所名称").fill(bazhou_station.name)
    page.get_by_label("案由", exact=True).fill("加油机计量失准")
    page.get_by_label("发现日期").fill(timezone.localdate().isoformat())
    page.get_by_label("其他当事人姓名").fill("李四")
    page.get_by_label("其他当事人身份").fill("站长")
    save = page.get_by_role("button", name="保存")
    save.scroll_into_view_if_needed()
    expect(save).to_be_in_viewport()
    save.click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("不存在或不在您的管辖范围内")
    phone_step(page, "case-new-390-2-wrong-party")
    assert not Case.objects.exists()

    page.get_by_label("当事人统一社会信用代码").fill(bazhou_station.organization.uscc)
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(f"/enforcement/cases/{Case.objects.get().pk}/")
    expect(page.get_by_text("加油机计量失准").first).to_be_visible()
    phone_step(page, "case-new-390-3-opened")
    case = Case.objects.get()
    assert (case.organization, case.site, case.division.code) == (bazhou_station.organization, bazhou_station, "511902")
    assert CaseParty.objects.get(case=case).name == "李四"
