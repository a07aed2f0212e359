"""Control characters are refused at the edge, per field, in the API and the pages, before anything
is written (issue 13, finding 3)."""

from jiliang.registry.models import Organization

USCC = "91511902MA6A1B2C3B"


def test_the_api_refuses_control_characters_per_field(city_regulator, api_client):
    response = api_client(city_regulator).post("/api/v1/organizations", {
        "uscc": USCC, "name": "某\u0001单位", "division_code": "511902", "address": "某路\u001b1 号"},
        content_type="application/json")
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid" and "控制字符" in body["message"]
    assert body["fields"] == {"name": ["含有不可见的控制字符(U+0001)，请删除后重新填写"],
                              "address": ["含有不可见的控制字符(U+001B)，请删除后重新填写"]}
    assert not Organization.objects.exists()


def test_the_api_refuses_nul_in_a_query_and_keeps_tabs_and_line_breaks(city_regulator, api_client):
    client = api_client(city_regulator)
    response = client.get("/api/v1/organizations", {"q": "甲\x00"})
    assert response.status_code == 422 and response.json()["fields"] == {"q": ["含有不可见的控制字符(U+0000)，请删除后重新填写"]}
    response = client.post("/api/v1/organizations", {
        "uscc": USCC, "name": "某单位", "division_code": "511902", "address": "某路\t1 号\r\n二楼"},
        content_type="application/json")
    assert response.status_code == 201, response.content


def test_a_page_form_with_a_control_character_is_refused_in_chinese(city_regulator, browser_client):
    response = browser_client(city_regulator).post("/registry/organizations/new/", {
        "uscc": USCC, "name": "某\x07单位", "division": "", "status": "active"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "控制字符" in html and "“某单位”含有不可见的控制字符(U+0007)" in html
    assert not Organization.objects.exists()


def test_nul_in_a_json_lines_body_is_refused(city_regulator, api_client):
    response = api_client(city_regulator).post("/api/v1/monitoring/ingest", '{"device": "a\\u0000"}\n',
                                               content_type="application/x-ndjson")
    assert response.status_code == 422 and set(response.json()["fields"]) == {"body"}
