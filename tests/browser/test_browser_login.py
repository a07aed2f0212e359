"""A county regulator signs in through a real browser and sees only its county."""

import re

import pytest
from playwright.sync_api import expect

from jiliang.accounts.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str, password: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")
    expect(page).not_to_have_url(re.compile(r"/login/"))  # "**/" would match the login page itself


def test_county_regulator_sees_its_county_home_and_only_its_organizations(page, make_user, make_organization, password):
    own = make_organization("511921", name="通江县诺江测试加油站")
    other = make_organization("511902", name="巴州区回风测试市场")
    make_user(Role.COUNTY_REGULATOR, division="511921", username="tongjiang-officer")

    sign_in(page, "tongjiang-officer", password)
    assert page.get_by_test_id("home-title").inner_text().startswith("通江县")
    assert "巴州区" not in page.get_by_test_id("home-title").inner_text()
    assert "县(区)级监管人员" in page.get_by_test_id("who").inner_text()

    page.click("text=使用单位")
    table = page.get_by_test_id("list-table").inner_text()
    assert own.name in table and other.name not in table
    assert page.goto(f"/registry/organizations/{other.pk}/").status == 404


def test_wrong_password_shows_an_error_and_stays_signed_out(page, make_user):
    make_user(Role.COUNTY_REGULATOR, division="511902", username="bazhou-officer")
    page.goto("/login/")
    page.fill("#id_username", "bazhou-officer")
    page.fill("#id_password", "not-the-Passw0rd")
    page.click("button[type=submit].primary")
    expect(page.locator(".error")).to_be_visible()  # waits for the answer; is_visible() would not
    assert page.url.endswith("/login/")
