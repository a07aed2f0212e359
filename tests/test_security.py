"""Security baseline of the pages: CSP without inline script, local assets only, safe headers."""

import re
from pathlib import Path

import pytest

import jiliang

pytestmark = pytest.mark.audit  # the security regression suite: `make audit`

PACKAGE = Path(jiliang.__file__).parent
TEMPLATES = sorted(PACKAGE.glob("**/templates/**/*.html"))
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
EXTERNAL_ASSET = re.compile(r"""(?:src|href)=["']?(?:https?:)?//""", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+=", re.I)


def test_there_are_templates_to_check():
    assert len(TEMPLATES) >= 8


def test_no_template_has_inline_script_or_handlers():
    offenders = [str(t) for t in TEMPLATES if INLINE_SCRIPT.search(t.read_text()) or INLINE_HANDLER.search(t.read_text())]
    assert offenders == []


def test_no_template_loads_anything_from_another_origin():
    assert [str(t) for t in TEMPLATES if EXTERNAL_ASSET.search(t.read_text())] == []


def test_pages_carry_the_content_security_policy(client):
    response = client.get("/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_static_assets_and_api_docs_are_served_locally(client):
    assert client.get("/static/ui/jiliang.css").status_code == 200
    docs = client.get("/api/docs").content.decode()
    assert "cdn." not in docs and "/static/ninja/swagger-ui-bundle.js" in docs
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_english_is_available(client):
    page = client.get("/login/", headers={"Accept-Language": "en"}).content.decode()
    assert "Log in" in page
    assert "登录" in client.get("/login/").content.decode()


def test_api_docs_need_a_signed_in_user_where_required(client, settings, city_regulator, browser_client):
    settings.JILIANG_API_DOCS_LOGIN_REQUIRED = True
    for path in ("/api/docs", "/api/openapi.json"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
        assert browser_client(city_regulator).get(path).status_code == 200


def test_api_docs_are_open_in_development(client):
    assert client.get("/api/openapi.json").status_code == 200


def test_signed_in_pages_are_not_stored_by_browsers_or_proxies(city_regulator, browser_client, api_client):
    assert "no-store" in browser_client(city_regulator).get("/")["Cache-Control"]
    assert "no-store" in api_client(city_regulator).get("/api/v1/me")["Cache-Control"]
