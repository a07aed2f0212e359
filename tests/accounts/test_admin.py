"""Finding 6: what an administrator does to accounts and tokens is audited and cannot undo a revocation."""

import pytest
from django.test import Client

from jiliang.accounts import services
from jiliang.accounts.models import ApiToken, AuditEvent, Role
from jiliang.accounts.token_scopes import ALL_SCOPES


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="Root-Passw0rd!"))
    return client


def test_an_admin_password_reset_is_audited_and_revokes_the_tokens(admin_client, make_user, api_client):
    user = make_user(Role.COUNTY_REGULATOR, division="511902")
    token_client = api_client(user)
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/password/", {
        "password1": "Reset-By-Admin-2026", "password2": "Reset-By-Admin-2026", "usable_password": "true"})
    assert response.status_code == 302, response.content[:1000]
    event = AuditEvent.objects.get(action="user.password_reset", object_id=str(user.pk))
    assert event.actor.username == "root" and event.division.code == "511902"
    assert token_client.get("/api/v1/me").status_code == 401
    user.refresh_from_db()
    assert user.must_change_password


def test_a_revoked_token_cannot_be_revived_in_the_admin(admin_client, bazhou_regulator):
    token, raw = services.issue_api_token(bazhou_regulator, "网关", scopes=list(ALL_SCOPES))
    services.revoke_api_token(bazhou_regulator, token)
    admin_client.post(f"/admin/accounts/apitoken/{token.pk}/change/", {
        "name": "网关", "user": bazhou_regulator.pk, "revoked_at_0": "", "revoked_at_1": ""})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me").status_code == 401


def test_the_admin_revokes_tokens_with_an_audited_action(admin_client, bazhou_regulator):
    token, _raw = services.issue_api_token(bazhou_regulator, "网关", scopes=["accounts:read"])
    admin_client.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="api_token.revoke", object_id=str(token.pk), actor__username="root").exists()


def test_deactivating_in_the_admin_revokes_the_tokens(admin_client, bazhou_regulator, api_client):
    token_client = api_client(bazhou_regulator)
    data = {"username": bazhou_regulator.username, "role": Role.COUNTY_REGULATOR,
            "division": bazhou_regulator.division_id, "display_name": "", "phone": "",
            "date_joined_0": "2026-01-01", "date_joined_1": "08:00:00", "password_changed_at_0": "2026-01-01",
            "password_changed_at_1": "08:00:00"}
    response = admin_client.post(f"/admin/accounts/user/{bazhou_regulator.pk}/change/", data)  # is_active unticked
    assert response.status_code == 302, response.content.decode()[:3000]
    bazhou_regulator.refresh_from_db()
    assert not bazhou_regulator.is_active
    assert ApiToken.objects.get(user=bazhou_regulator).revoked_at is not None
    assert token_client.get("/api/v1/me").status_code == 401


def test_the_admin_resets_a_second_factor_with_an_audited_action(admin_client, city_regulator):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=city_regulator, name="phone", confirmed=True)
    admin_client.post("/admin/accounts/user/", {"action": "reset_second_factor", "_selected_action": [city_regulator.pk]})
    assert not TOTPDevice.objects.filter(user=city_regulator).exists()
    assert AuditEvent.objects.filter(action="two_factor.reset", object_id=str(city_regulator.pk)).exists()


def test_second_factor_keys_cannot_be_read_or_edited_in_the_admin(admin_client, city_regulator):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=city_regulator, name="phone", confirmed=True)
    page = admin_client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").content.decode()
    assert device.key not in page
    admin_client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
