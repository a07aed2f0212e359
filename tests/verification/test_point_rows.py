"""Issue 16, item 3 without a browser: the record form's rows of test points are decided by the
server on save (a problem lands on its row and field, nothing is stored), and the API takes the same
typed list of points and answers each point's verdict with the copy of the rule it was judged by."""

from jiliang.verification.models import Certificate

from .conftest import days, point_rows

JSON = "application/json"


def _form(world, *rows) -> dict:
    return {"instrument_code": world.instrument.public_code, "kind": "periodic", "performed_on": str(days(-1)),
            "verifier": world.verifier.pk, "checker": world.checker.pk, "standards": [world.standard.pk],
            "decision_rule": "simple_acceptance", **point_rows(*rows)}


def test_a_bad_row_is_refused_on_its_own_row_and_nothing_is_stored(world, browser_client):
    client = browser_client(world.verifier)
    response = client.post("/verification/records/new/", _form(
        world, ("MPE001", "20.000", "20.020", "0.05", "2", "L"), ("MPE001", "", "", "0.05", "2", "L", "0.1")))
    assert response.status_code == 200 and not Certificate.objects.exists()
    rows = response.context["points"].forms
    assert not rows[0].errors
    assert "相对误差应以 % 或 ‰ 填写" in rows[1].errors["unit"][0]  # the server's decision, on its row
    page = response.content.decode()
    assert 'data-testid="point-errors"' in page and "第 2 个检定点" in page
    incomplete = client.post("/verification/records/new/", _form(world, ("MPE001", "", "", "0.05", "2")))
    assert "请填写标准值和示值，或直接填写误差" in incomplete.context["points"].forms[0].errors["error"][0]

    typed = client.post("/verification/records/new/", _form(
        world, ("MPE001", "20.000", "20.020", "0.05", "2", "L"), ("MPE001", "", "", "0.05", "2", "‰", "1.5")))
    assert typed.status_code == 302
    points = Certificate.objects.get().verification.test_points.order_by("position")
    assert [(str(p.error), p.error_unit, p.conforms) for p in points] == [
        ("0.100000", "%", True), ("0.150000", "%", True)]  # 1.5 ‰ typed is 0.15 %


def test_the_api_takes_a_typed_list_of_points_and_answers_each_verdict(world, api_client):
    client = api_client(world.verifier)
    payload = {"instrument_id": world.instrument.pk, "kind": "periodic", "performed_on": str(days(-1)),
               "verifier_id": world.verifier.pk, "checker_id": world.checker.pk, "standard_ids": [world.standard.pk],
               "points": [{"mpe_rule_id": world.rule().pk, "nominal": "20.000", "indicated": "20.020", "unit": "L",
                           "expanded_uncertainty": "0.05"},
                          {"mpe_rule_id": world.rule().pk, "nominal": "20000", "indicated": "20100", "unit": "mL",
                           "expanded_uncertainty": "0.05", "coverage_factor": "2"}]}
    created = client.post("/api/v1/verifications", payload, content_type=JSON)
    assert created.status_code == 201, created.content
    record = client.get(f"/api/v1/verifications/{Certificate.objects.get().verification_id}").json()
    assert record["conclusion"] == "fail"
    first, second = record["points"]
    assert (first["conforms"], second["conforms"]) == (True, False)
    assert second["error"] == "0.500000" and second["error_unit"] == "%" and second["unit"] == "mL"
    assert second["mpe_regulation"].startswith("JJG 443-2023") and second["mpe_error_basis"] == "relative_percent"
