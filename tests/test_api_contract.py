"""The API's contract held where it broke (issue 13, finding 8): no 500 on the monitoring status, a
body that is not a JSON object writes nothing, a time is not a number, Django's own errors under
/api/ carry the error body, and the OpenAPI declares every error answer."""

import pytest
from monitoring_fixtures import _fresh_partitions, make_device, make_site  # noqa: F401  (shared fixtures)

from jiliang.monitoring.models import RuleThreshold, WorkOrder
from tests.test_errors import assert_error_body

pytestmark = pytest.mark.audit  # the security regression suite: `make audit`

JSON = "application/json"


def test_the_monitoring_status_answers_every_regulator(city_regulator, bazhou_regulator, api_client, make_device):
    make_device()
    for user in (city_regulator, bazhou_regulator):
        response = api_client(user).get("/api/v1/monitoring/status")
        assert response.status_code == 200, response.content
        assert response.json()[0]["label"] == "水/电/气表"


@pytest.mark.parametrize("body", ["[null, null]", "[]", "5", '"FD-01"', "null", "true"])
def test_a_body_that_is_not_an_object_is_refused_and_writes_nothing(city_regulator, api_client, body):
    before = RuleThreshold.objects.count()
    response = api_client(city_regulator).post("/api/v1/monitoring/thresholds/FD-01", body, content_type=JSON)
    assert_error_body(response, 400, "bad_request")
    assert "JSON" in response.json()["message"]
    assert RuleThreshold.objects.count() == before


@pytest.mark.parametrize("time", [0, 1700000000, "0", 1.5])
def test_a_work_order_time_is_not_a_number(city_regulator, api_client, make_device, time):
    device = make_device()[0]
    response = api_client(city_regulator).post("/api/v1/monitoring/work-orders", {
        "device_id": device.pk, "kind": "verification", "time": time}, content_type=JSON)
    assert "time" in assert_error_body(response, 422, "invalid")["fields"]
    assert not WorkOrder.objects.exists()


def test_a_written_out_time_still_goes_through(city_regulator, api_client, make_device):
    device = make_device()[0]
    response = api_client(city_regulator).post("/api/v1/monitoring/work-orders", {
        "device_id": device.pk, "kind": "verification", "time": "2026-05-01T08:00:00+08:00"}, content_type=JSON)
    assert response.status_code == 201, response.content


def test_an_unknown_api_path_has_the_error_body(city_regulator, api_client):
    response = api_client(city_regulator).get("/api/v1/no-such-thing")
    assert_error_body(response, 404, "not_found")
    assert response["X-Request-ID"]


def test_a_method_the_path_does_not_take_has_the_error_body(city_regulator, api_client):
    response = api_client(city_regulator).delete("/api/v1/organizations")
    assert_error_body(response, 405, "method_not_allowed")
    assert "DELETE" in response.json()["message"]


def test_a_body_over_the_limit_is_a_413_with_the_error_body(city_regulator, api_client):
    response = api_client(city_regulator).post("/api/v1/organizations", "x" * (10 * 2**20), content_type=JSON)
    assert_error_body(response, 413, "too_large")


def test_the_openapi_declares_every_error_answer_with_the_error_schema(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["components"]["schemas"]["Error"]["required"] == ["code", "message", "fields"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            assert {"400", "401", "403", "404", "409", "413", "422"} <= declared, (method, path)


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/v1/instrument-types", {"code": "ZZ1", "name_zh": "测试", "mandatory": 0}, "mandatory"),
    ("/api/v1/organizations", {"uscc": "91511902MA6A1B2C3B", "name": "甲", "division_code": 511902}, "division_code"),
    ("/api/v1/qualifications", {"user_id": "1", "type_code": "MI06", "kind": "verifier",
                                "valid_from": 0, "valid_until": "2027-01-01"}, "user_id"),
])
def test_a_value_of_another_json_type_is_not_coerced(city_regulator, api_client, path, body, field):
    response = api_client(city_regulator).post(path, body, content_type=JSON)
    assert field in assert_error_body(response, 422, "invalid")["fields"]


def test_a_date_in_a_query_is_written_out(city_regulator, api_client):
    response = api_client(city_regulator).get("/api/v1/verification/statistics", {"since": "0"})
    assert "since" in assert_error_body(response, 422, "invalid")["fields"]
    assert api_client(city_regulator).get("/api/v1/verification/statistics",
                                          {"since": "2026-01-01"}).status_code == 200


def test_a_query_parameter_of_one_value_given_twice_or_not_an_integer_is_refused(city_regulator, api_client):
    client = api_client(city_regulator)
    assert "limit" in assert_error_body(client.get("/api/v1/standards?limit=5&limit=6"), 422, "invalid")["fields"]
    assert "limit" in assert_error_body(client.get("/api/v1/standards?limit=1.0"), 422, "invalid")["fields"]
    assert client.get("/api/v1/standards?limit=5").status_code == 200


@pytest.mark.parametrize(("path", "field"), [
    ("/api/v1/mpe-rules?type=", "type"), ("/api/v1/institutions?q=", "q"), ("/api/v1/standards?type=", "type"),
    ("/api/v1/standards?q=", "q"), ("/api/v1/certificates?number=", "number"),
    ("/api/v1/instrument-types?q=", "q"), ("/api/v1/monitoring/status?division=", "division"),
])
def test_an_empty_filter_string_is_refused_naming_it(city_regulator, api_client, path, field):
    assert field in assert_error_body(api_client(city_regulator).get(path), 422, "invalid")["fields"]
