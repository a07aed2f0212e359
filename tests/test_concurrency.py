"""Optimistic concurrency (issue 13, finding 4: four parallel edits of different fields of one
organization lost a change in 9 rounds of 10). A PATCH with a stale If-Match and an edit form with a
stale hidden version are refused with the fields changed since; without a token, edits of different
fields still never overwrite each other."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from jiliang import versions
from jiliang.accounts.models import AuditEvent
from jiliang.registry.models import Organization
from jiliang.verification.models import MpeRule

pytestmark = pytest.mark.audit  # the security regression suite: `make audit`

JSON = "application/json"
rows = st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=40), min_size=1, max_size=12)


@given(rows)
def test_a_token_matches_its_own_row(values):
    assert versions.changed_fields(values, versions.token(values)) == []


@given(rows, st.data())
def test_a_token_names_exactly_the_changed_field(values, data):
    name = data.draw(st.sampled_from(sorted(values)))
    seen = versions.token(values)
    changed = values | {name: values[name] + "x"}
    assert versions.changed_fields(changed, seen) == [name]


@given(rows, st.text(max_size=30))
def test_a_token_of_another_shape_is_unknown_not_a_crash(values, garbage):
    extra = values | {"\x00another column": ""}
    assert versions.changed_fields(extra, versions.token(values)) is None
    result = versions.changed_fields(values, garbage)
    assert result is None or set(result) <= set(values)


def test_get_gives_an_etag_and_a_stale_if_match_is_a_409_naming_the_fields(city_regulator, api_client,
                                                                             make_organization):
    organization = make_organization("511902")
    client = api_client(city_regulator)
    etag = client.get(f"/api/v1/organizations/{organization.pk}")["ETag"]
    first = client.patch(f"/api/v1/organizations/{organization.pk}", {"address": "江北大道 1 号"},
                         content_type=JSON, headers={"If-Match": etag})
    assert first.status_code == 200 and first["ETag"] != etag
    stale = client.patch(f"/api/v1/organizations/{organization.pk}", {"industry": "加油站"},
                         content_type=JSON, headers={"If-Match": etag})
    assert stale.status_code == 409, stale.content
    body = stale.json()
    assert body["code"] == "stale" and set(body["fields"]) == {"address"} and "住所" in body["message"]
    organization.refresh_from_db()
    assert organization.industry != "加油站"
    assert AuditEvent.objects.filter(action="organization.update").count() == 1
    fresh = client.patch(f"/api/v1/organizations/{organization.pk}", {"industry": "加油站"},
                         content_type=JSON, headers={"If-Match": first["ETag"]})
    assert fresh.status_code == 200


def test_a_garbled_if_match_is_refused(city_regulator, api_client, make_organization):
    organization = make_organization("511902")
    response = api_client(city_regulator).patch(f"/api/v1/organizations/{organization.pk}", {"industry": "x"},
                                                content_type=JSON, headers={"If-Match": '"nonsense"'})
    assert response.status_code == 409 and "version" in response.json()["fields"]


def test_an_mpe_rule_too(city_regulator, api_client):
    rule = MpeRule.objects.get(key="MPE019")
    client = api_client(city_regulator)
    etag = client.get(f"/api/v1/mpe-rules/{rule.pk}")["ETag"]
    client.patch(f"/api/v1/mpe-rules/{rule.pk}", {"notes": "核对中"}, content_type=JSON)
    stale = client.patch(f"/api/v1/mpe-rules/{rule.pk}", {"clause": "5.1"}, content_type=JSON,
                         headers={"If-Match": etag})
    assert stale.status_code == 409 and set(stale.json()["fields"]) == {"notes"}


def test_an_edit_form_with_a_stale_version_shows_what_changed_and_writes_nothing(
        city_regulator, browser_client, make_organization):
    organization = make_organization("511902", address="旧址")
    client = browser_client(city_regulator)
    page = client.get(f"/registry/organizations/{organization.pk}/edit/").content.decode()
    assert 'name="version"' in page
    form = {"name": organization.name, "division": organization.division_id, "address": "旧址",
            "status": organization.status, "industry": "我的修改",
            "version": page.split('name="version" value="')[1].split('"')[0]}
    Organization.objects.filter(pk=organization.pk).update(address="他人改的新址")
    response = client.post(f"/registry/organizations/{organization.pk}/edit/", form)
    assert response.status_code == 200
    shown = response.content.decode()
    assert "他人已修改" in shown and "他人改的新址" in shown
    organization.refresh_from_db()
    assert (organization.address, organization.industry) == ("他人改的新址", "")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_edits_of_different_fields_all_survive(city_regulator, make_organization, live_api):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL's concurrent transactions")
    organization = make_organization("511902")
    path = f"/api/v1/organizations/{organization.pk}"
    live_api(city_regulator, "GET", path)  # the token exists before the race
    for round_ in range(5):
        edits = [{"address": f"地址{round_}"}, {"industry": f"行业{round_}"}, {"contact_name": f"联系人{round_}"},
                 {"legal_representative": f"法人{round_}"}]
        with ThreadPoolExecutor(max_workers=4) as pool:
            statuses = list(pool.map(lambda body: live_api(city_regulator, "PATCH", path, body)[0], edits))
        assert statuses == [200] * 4
        organization.refresh_from_db()
        kept = {name: getattr(organization, name) for edit in edits for name in edit}
        assert kept == {name: value for edit in edits for name, value in edit.items()}, round_


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_edits_from_one_version_let_exactly_one_through(city_regulator, make_organization, live_api):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL's concurrent transactions")
    organization = make_organization("511902")
    path = f"/api/v1/organizations/{organization.pk}"
    etag = live_api(city_regulator, "GET", path)[1]["ETag"]
    edits = [{"address": "甲"}, {"industry": "乙"}, {"contact_name": "丙"}, {"legal_representative": "丁"}]
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda body: live_api(city_regulator, "PATCH", path, body, {"If-Match": etag}),
                                edits))
    assert sorted(status for status, _headers, _body in answers) == [200, 409, 409, 409]
    assert all(body["code"] == "stale" for status, _headers, body in answers if status == 409)
