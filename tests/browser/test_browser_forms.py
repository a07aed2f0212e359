"""Issue 12 in a real browser: a form saved unchanged keeps its data."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jiliang.accounts.models import Division, Role
from jiliang.verification import services
from jiliang.verification.models import MeasurementStandard

from .test_browser_login import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_saving_a_standard_unchanged_keeps_its_approval_expiry(page, make_user, password):
    officer = make_user(Role.CITY_REGULATOR, division="511900", username="city-officer")
    institution = services.create_institution(officer, name="巴中市计量测试所",
                                              division=Division.objects.get(code="511900"))
    expiry = timezone.localdate() + datetime.timedelta(days=700)
    standard = services.create_standard(officer, institution=institution, name="二等标准金属量器",
                                        approval_no="[2022]巴量标证字第003号", approval_valid_until=expiry)

    sign_in(page, "city-officer", password)
    page.goto(f"/verification/standards/{standard.pk}/edit/")
    expect(page.locator("#id_approval_valid_until")).to_have_value(expiry.isoformat())
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(f"{page.url.split('/verification/')[0]}/verification/standards/{standard.pk}/")
    assert MeasurementStandard.objects.get(pk=standard.pk).approval_valid_until == expiry
