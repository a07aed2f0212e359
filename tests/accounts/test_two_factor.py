"""Two-factor sign-in (TOTP + recovery codes) for privileged roles, and the password policy."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import given
from hypothesis import strategies as st

from jiliang.accounts import policy, services
from jiliang.accounts.models import AuditEvent


@pytest.fixture
def two_factor_on(settings):
    settings.JILIANG_TWO_FACTOR_REQUIRED = True


def sign_in(user, password) -> Client:
    client = Client()
    assert client.post("/login/", {"username": user.username, "password": password}).status_code == 302
    return client


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def enrol(client: Client, user) -> list[str]:
    page = client.get("/accounts/security/two-factor/setup/").content.decode()
    assert 'src="data:image/svg+xml;base64,' in page
    key = client.session["two_factor_setup_key"]
    code = current_code(TOTPDevice(user=user, key=key))
    done = client.post("/accounts/security/two-factor/setup/", {"code": code}).content.decode()
    return re.findall(r"<li><code>([a-z0-9]+)</code></li>", done)


def test_the_city_regulator_must_enrol_before_anything_else(two_factor_on, city_regulator, password):
    client = sign_in(city_regulator, password)
    home = client.get("/")
    assert home.status_code == 302 and home["Location"].startswith("/accounts/security/two-factor/")
    assert client.get("/api/v1/me").status_code == 401
    codes = enrol(client, city_regulator)
    assert len(codes) == 10
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="two_factor.enrol", actor=city_regulator).exists()


def test_next_sign_in_asks_for_the_code_and_accepts_a_recovery_code_once(two_factor_on, city_regulator, password):
    codes = enrol(sign_in(city_regulator, password), city_regulator)
    client = sign_in(city_regulator, password)
    assert client.get("/")["Location"].startswith("/accounts/security/two-factor/")
    assert client.post("/accounts/security/two-factor/", {"code": codes[0]}).status_code == 302
    assert client.get("/").status_code == 200
    again = sign_in(city_regulator, password)
    used_up = again.post("/accounts/security/two-factor/", {"code": codes[0]})
    assert "验证码不正确" in used_up.content.decode()
    again.post("/accounts/security/two-factor/", {"code": "000000"})
    assert again.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="login.second_factor_failure", actor=city_regulator).count() == 2


def test_the_phone_code_completes_the_sign_in(two_factor_on, city_regulator, password):
    enrol(sign_in(city_regulator, password), city_regulator)
    client = sign_in(city_regulator, password)
    device = TOTPDevice.objects.get(user=city_regulator)
    device.last_t = -1  # the enrolment used this period's code; a phone would show the next one
    device.save()
    assert client.post("/accounts/security/two-factor/", {"code": current_code(device)}).status_code == 302
    assert client.get("/").status_code == 200


def test_a_county_officer_is_not_asked_unless_enrolled(two_factor_on, bazhou_regulator, password):
    assert sign_in(bazhou_regulator, password).get("/").status_code == 200


def test_development_signs_in_with_the_password_alone(city_regulator, password, settings):
    assert settings.JILIANG_TWO_FACTOR_REQUIRED is False
    assert sign_in(city_regulator, password).get("/").status_code == 200


def test_an_admin_resets_a_lost_second_factor_with_an_audited_action(two_factor_on, city_regulator, password, django_user_model):
    enrol(sign_in(city_regulator, password), city_regulator)
    root = django_user_model.objects.create_superuser("root", password="Root-Passw0rd!")
    services.reset_second_factor(root, city_regulator)
    assert not TOTPDevice.objects.filter(user=city_regulator).exists()
    assert AuditEvent.objects.filter(action="two_factor.reset", object_id=str(city_regulator.pk), actor=root).exists()
    client = sign_in(city_regulator, password)
    assert client.get("/", follow=True).redirect_chain[-1][0].startswith("/accounts/security/two-factor/setup/")


def test_a_wrong_enrolment_code_leaves_no_device(two_factor_on, city_regulator, password):
    client = sign_in(city_regulator, password)
    client.get("/accounts/security/two-factor/setup/")
    page = client.post("/accounts/security/two-factor/setup/", {"code": "12345"}).content.decode()
    assert "验证码不正确" in page and not TOTPDevice.objects.filter(user=city_regulator).exists()


class TestPassword:
    NEW = "Bazhong-Metrology-77"

    def test_change_is_audited_and_ends_tokens_and_other_sessions(self, bazhou_regulator, password, api_client):
        token_client = api_client(bazhou_regulator)
        elsewhere = sign_in(bazhou_regulator, password)
        here = sign_in(bazhou_regulator, password)
        response = here.post("/accounts/security/password/", {
            "old_password": password, "new_password1": self.NEW, "new_password2": self.NEW})
        assert response.status_code == 302
        assert here.get("/").status_code == 200
        assert elsewhere.get("/").status_code == 302
        assert token_client.get("/api/v1/me").status_code == 401
        assert AuditEvent.objects.filter(action="user.password_change", actor=bazhou_regulator).exists()

    def test_a_weak_or_wrong_change_is_refused_per_field(self, bazhou_regulator, password):
        client = sign_in(bazhou_regulator, password)
        page = client.post("/accounts/security/password/", {
            "old_password": "nope", "new_password1": "short", "new_password2": "short"}).content.decode()
        assert "原密码不正确" in page and "密码须包含" in page
        bazhou_regulator.refresh_from_db()
        assert bazhou_regulator.check_password(password)

    def test_an_expired_password_must_be_changed_first(self, city_regulator, password, settings):
        settings.JILIANG_PASSWORD_MAX_AGE_DAYS = 90
        type(city_regulator).objects.filter(pk=city_regulator.pk).update(
            password_changed_at=timezone.now() - timedelta(days=91))
        client = sign_in(city_regulator, password)
        assert client.get("/")["Location"].startswith("/accounts/security/password/")
        client.post("/accounts/security/password/", {
            "old_password": password, "new_password1": self.NEW, "new_password2": self.NEW})
        assert client.get("/").status_code == 200

    def test_expiry_applies_to_privileged_roles_only(self, bazhou_regulator, password, settings):
        settings.JILIANG_PASSWORD_MAX_AGE_DAYS = 90
        type(bazhou_regulator).objects.filter(pk=bazhou_regulator.pk).update(
            password_changed_at=timezone.now() - timedelta(days=400))
        assert sign_in(bazhou_regulator, password).get("/").status_code == 200


@given(st.integers(min_value=0, max_value=1000), st.integers(min_value=1, max_value=400))
def test_a_password_is_due_exactly_when_older_than_the_maximum_age(age_days, max_age):
    now = timezone.now()
    assert policy.password_change_due(now - timedelta(days=age_days), now, max_age, False) == (age_days >= max_age)


@given(st.integers(min_value=0, max_value=1000))
def test_no_maximum_age_means_never_due_unless_forced(age_days):
    now = timezone.now()
    changed = now - timedelta(days=age_days)
    assert policy.password_change_due(changed, now, 0, False) is False
    assert policy.password_change_due(changed, now, 0, True) is True


def test_the_security_page_is_in_the_menu_and_links_the_steps(bazhou_regulator, password):
    page = sign_in(bazhou_regulator, password).get("/accounts/security/").content.decode()
    assert 'href="/accounts/security/"' in page
    assert 'href="/accounts/security/password/"' in page and 'href="/accounts/security/two-factor/setup/"' in page
