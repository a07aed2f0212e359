"""The city regulator enrols a phone in a real browser: the QR code shows under the page's CSP."""

import base64
import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from jiliang.accounts.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_for(secret: str) -> str:
    """What an authenticator app shows for the key the page prints."""
    device = TOTPDevice(key=base64.b32decode(secret.replace(" ", "")).hex())
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_enrolment_shows_the_qr_code_and_then_recovery_codes(page, make_user, password, settings):
    settings.JILIANG_TWO_FACTOR_REQUIRED = True
    make_user(Role.CITY_REGULATOR, division="511900", username="city-officer")
    page.goto("/login/")
    page.fill("#id_username", "city-officer")
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")
    expect(page).to_have_url(re.compile(r"/accounts/security/two-factor/setup/"))
    qr = page.get_by_test_id("totp-qr")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # not blocked by the CSP
    page.fill("#id_code", code_for(page.get_by_test_id("totp-secret").inner_text()))
    page.click("button[type=submit].primary")
    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)
    page.click("text=我已保存，继续")
    expect(page).to_have_url(re.compile(r"/$"))
