"""API tokens: scoped per app (read / write), short-lived, minted only from a signed-in session."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from jiliang.accounts import services, token_scopes
from jiliang.accounts.models import ApiToken, AuditEvent
from jiliang.errors import InvalidInput


@pytest.fixture
def token_client():
    def make(raw: str) -> Client:
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return make


def test_a_read_token_reads_but_cannot_write(bazhou_regulator, division, token_client):
    _token, raw = services.issue_api_token(bazhou_regulator, "报表", scopes=["registry:read"])
    client = token_client(raw)
    assert client.get("/api/v1/organizations").status_code == 200
    refused = client.post("/api/v1/organizations", {"uscc": "91511902MA6A1B2C3B", "name": "某公司",
                                                    "division": "511902"}, content_type="application/json")
    assert refused.status_code == 403 and "registry:write" in refused.json()["message"]
    assert client.get("/api/v1/monitoring/devices").status_code == 403  # another app


def test_an_expired_token_is_refused(bazhou_regulator, token_client):
    token, raw = services.issue_api_token(bazhou_regulator, "对接", scopes=["accounts:read"])
    assert token_client(raw).get("/api/v1/me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert token_client(raw).get("/api/v1/me").status_code == 401


def test_expiry_defaults_to_the_setting_and_is_capped(bazhou_regulator, settings):
    token, _raw = services.issue_api_token(bazhou_regulator, "默认", scopes=["accounts:read"])
    assert round((token.expires_at - token.created_at).total_seconds() / 86400) == settings.JILIANG_API_TOKEN_DAYS
    with pytest.raises(InvalidInput) as refused:
        services.issue_api_token(bazhou_regulator, "太长", scopes=["accounts:read"],
                                 days=settings.JILIANG_API_TOKEN_MAX_DAYS + 1)
    assert "days" in refused.value.fields


def test_unknown_or_missing_scopes_are_refused(bazhou_regulator):
    with pytest.raises(InvalidInput) as refused:
        services.issue_api_token(bazhou_regulator, "乱写", scopes=["registry:delete"])
    assert "registry:delete" in refused.value.fields["scopes"][0]
    with pytest.raises(InvalidInput):
        services.issue_api_token(bazhou_regulator, "空", scopes=[])


def test_a_token_cannot_mint_tokens(bazhou_regulator, api_client):
    client = api_client(bazhou_regulator)  # every scope
    response = client.post("/api/v1/tokens", {"name": "再来一个", "scopes": ["accounts:read"]},
                           content_type="application/json")
    assert response.status_code == 401
    assert ApiToken.objects.filter(user=bazhou_regulator).count() == 1


def test_the_session_mints_a_scoped_token_through_the_api(bazhou_regulator, browser_client):
    client = browser_client(bazhou_regulator)
    response = client.post("/api/v1/tokens", {"name": "网关", "scopes": ["monitoring:ingest"], "days": 30},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["scopes"] == ["monitoring:ingest"] and body["token"].startswith("jl_")


def test_the_token_page_shows_scopes_and_expiry_in_chinese(bazhou_regulator, browser_client):
    client = browser_client(bazhou_regulator)
    page = client.post("/accounts/tokens/", {"name": "网关", "scopes": ["registry:read", "monitoring:ingest"],
                                             "days": "30"}).content.decode()
    token = ApiToken.objects.get(user=bazhou_regulator)
    assert token.scopes == ["monitoring:ingest", "registry:read"]
    assert "器具档案：查看" in page and "在线监测：上传数据文件" in page
    assert timezone.localtime(token.expires_at).strftime("%Y-%m-%d") in page
    assert "registry:read" not in page.split("<table")[1]  # the list speaks Chinese, not codes


def test_deactivating_a_user_revokes_the_tokens(city_regulator, bazhou_regulator, api_client):
    client = api_client(bazhou_regulator)
    services.set_user_active(city_regulator, bazhou_regulator, False)
    services.set_user_active(city_regulator, bazhou_regulator, True)
    assert client.get("/api/v1/me").status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoke_all", object_id=str(bazhou_regulator.pk)).exists()


@given(st.sampled_from(sorted(token_scopes.APPS)), st.sampled_from(["GET", "HEAD", "OPTIONS"]))
def test_safe_methods_need_the_read_scope(app, method):
    assert token_scopes.required_scope(app, method, "/api/v1/anything") == f"{app}:read"


@given(st.sampled_from(sorted(token_scopes.APPS)), st.sampled_from(["POST", "PATCH", "PUT", "DELETE"]),
       st.text(alphabet="abcdefghijklmnopqrstuvwxyz/-", max_size=30))
def test_writes_need_the_write_scope_except_uploads(app, method, tail):
    needed = token_scopes.required_scope(app, method, "/api/v1/" + tail)
    path = ("/api/v1/" + tail).rstrip("/")
    assert needed == (f"{app}:ingest" if token_scopes.INGEST_PATHS.get(app) == path else f"{app}:write")
    assert needed in token_scopes.ALL_SCOPES or "write" not in token_scopes.APPS[app]  # read-only: no token writes


def test_every_scope_has_a_chinese_label():
    from jiliang.accounts.models import TokenScope
    assert set(TokenScope.values) == set(token_scopes.ALL_SCOPES)
