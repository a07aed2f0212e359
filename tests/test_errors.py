"""One error body everywhere, a 4xx for every bad input, and a 500 that shows no traceback."""

import pytest
from django.test import Client

from jiliang.registry import selectors

pytestmark = pytest.mark.audit  # the security regression suite: `make audit`


def assert_error_body(response, status: int, code: str):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code and body["message"]
    return body


def test_malformed_json_is_a_400(city_regulator, api_client):
    response = api_client(city_regulator).post("/api/v1/organizations", "{not json", content_type="application/json")
    assert_error_body(response, 400, "bad_request")


def test_missing_and_mistyped_fields_are_named(city_regulator, api_client):
    response = api_client(city_regulator).post(
        "/api/v1/organizations", {"name": "", "status": "flying"}, content_type="application/json")
    body = assert_error_body(response, 422, "invalid")
    assert {"uscc", "division_code", "name", "status"} <= set(body["fields"])


def test_a_wrong_check_character_is_named(city_regulator, api_client):
    response = api_client(city_regulator).post("/api/v1/organizations", {
        "uscc": "91511902MA6A1B2C3C", "name": "错码", "division_code": "511902"}, content_type="application/json")
    body = assert_error_body(response, 422, "invalid")
    assert "第 18 位应为 B" in body["fields"]["uscc"][0]


def test_an_unknown_division_is_named(city_regulator, api_client):
    response = api_client(city_regulator).post("/api/v1/organizations", {
        "uscc": "91511902MA6A1B2C3B", "name": "某单位", "division_code": "999999"}, content_type="application/json")
    assert "division_code" in assert_error_body(response, 422, "invalid")["fields"]


def test_a_duplicate_is_a_409_naming_the_existing_record(make_organization, city_regulator, api_client):
    existing = make_organization("511902")
    response = api_client(city_regulator).post("/api/v1/organizations", {
        "uscc": existing.uscc, "name": "重复", "division_code": "511902"}, content_type="application/json")
    body = assert_error_body(response, 409, "conflict")
    assert existing.name in body["message"]


def test_an_unknown_route_is_a_404_with_the_body(city_regulator, api_client):
    assert_error_body(api_client(city_regulator).get("/api/v1/organizations/999999"), 404, "not_found")


def test_a_query_out_of_range_is_a_422(city_regulator, api_client):
    assert_error_body(api_client(city_regulator).get("/api/v1/organizations", {"limit": 100000}), 422, "invalid")


@pytest.fixture
def broken_selector(monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("secret-internal-detail")

    monkeypatch.setattr(selectors, "organizations", explode)


def test_a_crash_in_the_api_is_a_500_without_traceback(broken_selector, city_regulator, api_client):
    response = api_client(city_regulator).get("/api/v1/organizations")
    body = assert_error_body(response, 500, "internal_error")
    assert "secret-internal-detail" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert response["X-Request-ID"] in body["message"]


def test_a_crash_in_a_page_is_a_500_page_without_traceback(broken_selector, city_regulator, browser_client):
    client = browser_client(city_regulator)
    client.raise_request_exception = False
    response = client.get("/registry/organizations/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "服务器内部错误" in page
    assert "secret-internal-detail" not in page and "Traceback" not in page


def test_pages_for_missing_things_are_404_pages(city_regulator, browser_client):
    response = browser_client(city_regulator).get("/registry/organizations/999999/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_a_bad_form_shows_field_errors_and_writes_nothing(city_regulator, browser_client, division):
    response = browser_client(city_regulator).post("/registry/organizations/new/", {
        "uscc": "91511902MA6A1B2C3C", "name": "表单错码", "division": division("511902").pk, "status": "active"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "第 18 位应为 B" in page
    from jiliang.registry.models import Organization
    assert not Organization.objects.filter(name="表单错码").exists()


def test_the_api_answers_anonymous_clients_with_401_not_a_redirect():
    response = Client().post("/api/v1/organizations", {}, content_type="application/json")
    assert_error_body(response, 401, "unauthenticated")


def test_a_nul_character_in_the_api_is_a_422_naming_the_field(city_regulator, api_client):
    client = api_client(city_regulator)
    assert set(assert_error_body(client.get("/api/v1/organizations", {"q": "a\x00b"}), 422, "invalid")["fields"]) == {"q"}
    response = client.post("/api/v1/organizations", '{"uscc": "9\\u00001", "name": "x", "division_code": "511902"}',
                           content_type="application/json")
    assert set(assert_error_body(response, 422, "invalid")["fields"]) == {"uscc"}
