"""The supervision API: plans to draw to tasks over HTTP, errors naming fields, scoping, and the
public draw with its verification."""

import datetime as dt

import pytest

from jiliang.ledger import services as ledger

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def _plan_body(inspectors, **changes):
    body = {"name": "加油站专项", "division": "511902", "site_kinds": ["gas_station"],
            "starts_on": TODAY.isoformat(), "ends_on": (TODAY + dt.timedelta(days=30)).isoformat(),
            "draw_count": 2, "inspectors": [i.pk for i in inspectors]}
    return {**body, **changes}


def test_plan_commit_draw_submit_publish_over_the_api(api_client, bazhou_regulator, inspectors, businesses):
    client = api_client(bazhou_regulator)
    created = client.post("/api/v1/supervision/plans", _plan_body(inspectors), content_type="application/json")
    assert created.status_code == 201, created.content
    plan_id = created.json()["id"]
    assert client.post(f"/api/v1/supervision/plans/{plan_id}/commit").status_code == 201
    early = client.post(f"/api/v1/supervision/plans/{plan_id}/draw")
    assert early.status_code == 409 and early.json()["fields"] == {"plan": ["等待检查点签署。"]}
    ledger.publish_now()
    drawn = client.post(f"/api/v1/supervision/plans/{plan_id}/draw")
    assert drawn.status_code == 200 and len(drawn.json()["result"]["drawn"]) == 2
    assert client.post(f"/api/v1/supervision/plans/{plan_id}/draw").status_code == 409

    tasks = client.get(f"/api/v1/supervision/tasks?plan_id={plan_id}").json()["items"]
    task = client.get(f"/api/v1/supervision/tasks/{tasks[0]['id']}").json()
    inspector = next(i for i in inspectors if i.pk == task["inspector_ids"][0])
    mine = api_client(inspector)
    answers = {item["code"]: "yes" for item in task["checklist"]}
    evidence = mine.post(f"/api/v1/supervision/tasks/{task['id']}/evidence",
                         {"file": _upload(b"%PDF-1.4 test")})
    assert evidence.status_code == 201 and len(evidence.json()["sha256"]) == 64
    missing = mine.post(f"/api/v1/supervision/tasks/{task['id']}/submit",
                        {"answers": {}, "result": "pass", "inspected_on": TODAY.isoformat()},
                        content_type="application/json")
    assert missing.status_code == 422 and all(k.startswith("answers.") for k in missing.json()["fields"])
    submitted = mine.post(f"/api/v1/supervision/tasks/{task['id']}/submit",
                          {"answers": answers, "result": "pass", "inspected_on": TODAY.isoformat()},
                          content_type="application/json")
    assert submitted.status_code == 200 and submitted.json()["publish_by"]
    published = client.post(f"/api/v1/supervision/tasks/{task['id']}/publish")
    assert published.json()["status"] == "published"

    public = api_client(None)
    assert public.get(f"/api/v1/public/draws/{plan_id}").json()["result"]["drawn"]
    verdict = public.get(f"/api/v1/public/draws/{plan_id}/verify").json()
    assert verdict["match"] is True and all(verdict["checks"].values())


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("scan.pdf", data, content_type="application/pdf")


def test_an_impossible_plan_is_a_422_naming_the_fields(api_client, bazhou_regulator, inspectors, businesses):
    response = api_client(bazhou_regulator).post(
        "/api/v1/supervision/plans",
        _plan_body(inspectors, draw_count=50, grade_ratios={"A": 10, "B": 10, "C": 10, "D": 10}),
        content_type="application/json")
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"grade_ratios"}
    response = api_client(bazhou_regulator).post("/api/v1/supervision/plans", _plan_body(inspectors, draw_count=50),
                                                 content_type="application/json")
    assert response.status_code == 422 and set(response.json()["fields"]) == {"draw_count"}


def test_another_county_sees_no_plan_and_no_draw_before_it_is_made(api_client, drawn_plan, tongjiang_regulator,
                                                                   make_plan):
    assert api_client(tongjiang_regulator).get(f"/api/v1/supervision/plans/{drawn_plan.pk}").status_code == 404
    draft = make_plan(name="草稿")
    assert api_client(None).get(f"/api/v1/public/draws/{draft.pk}").status_code == 404
