"""/api/v1/credit: scoped grades, the explanation, objections and weights, with every refusal's body."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from jiliang.accounts.models import Role
from jiliang.credit import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(make_organization):
    return make_organization("511902", name="巴州区示例加油站")


@pytest.fixture
def event(bazhou_regulator, shop):
    with transaction.atomic():
        return services.record_credit_event(
            bazhou_regulator, organization=shop, kind="alert_confirmed", source_type="alert", source_id="3",
            occurred_on=timezone.localdate() - dt.timedelta(days=180), summary="FD-01 预警经核实属实")


def test_grades_are_scoped_and_filtered(api_client, bazhou_regulator, tongjiang_regulator, shop, event,
                                        make_organization):
    make_organization("511921", name="通江县超市")
    body = api_client(bazhou_regulator).get("/api/v1/credit/grades").json()
    assert [row["name"] for row in body["items"]] == ["巴州区示例加油站"]
    assert body["items"][0] | {"score": 78} == body["items"][0] and body["items"][0]["grade"] == "B"
    assert api_client(tongjiang_regulator).get("/api/v1/credit/grades", {"grade": "B"}).json()["items"][0][
        "name"] == "通江县超市"
    assert api_client(bazhou_regulator).get("/api/v1/credit/grades", {"grade": "A"}).json()["items"] == []


def test_the_owner_reads_why_and_objects(api_client, make_user, shop, event, bazhou_regulator):
    owner = make_user(Role.OWNER, organization=shop)
    client = api_client(owner)
    credit = client.get(f"/api/v1/credit/organizations/{shop.pk}").json()
    assert credit["grade"] == "B" and credit["score"] == 78
    assert credit["events"][0]["counted"] == -2 and "现扣 2 分" in credit["events"][0]["explanation"]
    response = client.post(f"/api/v1/credit/events/{event.pk}/objections", {"reason": "设备故障误报"},
                           content_type="application/json")
    assert response.status_code == 201
    objection = response.json()["id"]
    again = client.post(f"/api/v1/credit/events/{event.pk}/objections", {"reason": "再提"},
                        content_type="application/json")
    assert again.status_code == 409
    refused = client.post(f"/api/v1/credit/objections/{objection}/decision", {"accept": True},
                          content_type="application/json")
    assert refused.status_code == 403
    rejected = api_client(bazhou_regulator).post(f"/api/v1/credit/objections/{objection}/decision",
                                                 {"accept": False}, content_type="application/json")
    assert rejected.status_code == 422 and list(rejected.json()["fields"]) == ["decision"]
    accepted = api_client(bazhou_regulator).post(f"/api/v1/credit/objections/{objection}/decision",
                                                 {"accept": True, "decision": "属实"}, content_type="application/json")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    assert client.get(f"/api/v1/credit/organizations/{shop.pk}").json()["events"] == []


def test_an_objection_on_another_organizations_event_is_not_found(api_client, make_user, make_organization, event):
    stranger = make_user(Role.OWNER, organization=make_organization("511902"))
    response = api_client(stranger).post(f"/api/v1/credit/events/{event.pk}/objections", {"reason": "不是我的"},
                                         content_type="application/json")
    assert response.status_code == 404


def test_weights_put_by_the_city_regulator_only_and_numbers_only(api_client, city_regulator, bazhou_regulator):
    path = "/api/v1/credit/weights/alert_confirmed"
    bad = api_client(city_regulator).put(path, {"points": "很多", "half_life_days": 90}, content_type="application/json")
    assert bad.status_code == 422 and list(bad.json()["fields"]) == ["points"]
    denied = api_client(bazhou_regulator).put(path, {"points": -6}, content_type="application/json")
    assert denied.status_code == 403
    done = api_client(city_regulator).put(path, {"points": -6, "half_life_days": 90}, content_type="application/json")
    assert done.status_code == 200 and done.json()["points"] == -6
    listed = {row["kind"]: row for row in api_client(bazhou_regulator).get("/api/v1/credit/weights").json()}
    assert listed["alert_confirmed"]["half_life_days"] == 90 and listed["model_unit"]["points"] == 10


def test_a_bad_cursor_is_a_422_naming_it(api_client, bazhou_regulator):
    response = api_client(bazhou_regulator).get("/api/v1/credit/grades", {"cursor": "not-a-cursor"})
    assert response.status_code == 422 and list(response.json()["fields"]) == ["cursor"]
