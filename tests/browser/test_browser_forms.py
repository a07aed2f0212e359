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


def test_the_owner_and_site_are_found_by_typing_and_the_sites_follow_the_owner(page, make_user, make_organization,
                                                                                password):
    from jiliang.registry import services as registry_services
    from jiliang.registry.models import Instrument, InstrumentType, SiteKind

    officer = make_user(Role.CITY_REGULATOR, division="511900", username="city-officer")
    owner = make_organization("511902", name="巴中回风石化")
    other = make_organization("511902", name="巴中回风粮油")
    for organization, name in ((owner, "回风加油站"), (other, "回风粮站")):
        registry_services.create_site(officer, organization=organization, name=name, kind=SiteKind.GAS_STATION,
                                      division=Division.objects.get(code="511902"))

    sign_in(page, "city-officer", password)
    page.goto("/registry/instruments/new/")
    page.select_option("#id_type", str(InstrumentType.objects.get(code="MI06").pk))
    page.fill("#id_serial_no", "SN-BROWSER-1")
    page.fill("#id_manufacturer", "正星科技")
    with page.expect_response(lambda response: "choices/organizations?q=%E7%9F%B3" in response.url):
        page.locator("#id_owner-ts-control").fill("石化")
    page.locator(".ts-dropdown .option", has_text="巴中回风石化").click()
    page.locator("#id_site-ts-control").click()
    options = page.locator("#id_site-ts-dropdown .option")
    expect(options).to_have_count(1)  # the other organization's 回风粮站 is not offered
    options.first.click()
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("h1")).to_contain_text("SN-BROWSER-1")
    instrument = Instrument.objects.get(serial_no="SN-BROWSER-1")
    assert (instrument.owner, instrument.site.name) == (owner, "回风加油站")
