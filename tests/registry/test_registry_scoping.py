"""Role scoping of every registry list, detail and write, through the API and the pages.

Decisions tested here (docs/registry.md): county regulators work inside their county; owners read
and write their own organization's sites and instruments, but not identity fields or purpose;
institution staff read every site and instrument of the city and write none; auditors read all
and write nothing; only the city regulator edits the catalogue.
"""

import datetime
import json

import pytest

from jiliang.accounts.models import Role
from jiliang.registry.models import Instrument, InstrumentType


@pytest.fixture
def world(make_organization, make_site, make_instrument, make_user, make_institution):
    bazhou_org, tongjiang_org = make_organization("511902"), make_organization("511921")
    bazhou_site = make_site(bazhou_org, division_code="511902001")
    tongjiang_site = make_site(tongjiang_org)
    return {
        "bazhou_org": bazhou_org, "tongjiang_org": tongjiang_org,
        "bazhou_site": bazhou_site, "tongjiang_site": tongjiang_site,
        "bazhou": make_instrument(site=bazhou_site), "tongjiang": make_instrument(site=tongjiang_site),
        "owner": make_user(Role.OWNER, organization=bazhou_org),
        "staff": make_user(Role.INSTITUTION_STAFF, institution=make_institution()),
    }


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def _patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    ("who", "sees"),
    [("city", {"bazhou", "tongjiang"}), ("county", {"bazhou"}), ("auditor", {"bazhou", "tongjiang"}),
     ("owner", {"bazhou"}), ("staff", {"bazhou", "tongjiang"})],
)
def test_every_role_lists_and_reads_exactly_its_instruments_and_sites(
    world, who, sees, city_regulator, bazhou_regulator, auditor, api_client, browser_client
):
    user = {"city": city_regulator, "county": bazhou_regulator, "auditor": auditor,
            "owner": world["owner"], "staff": world["staff"]}[who]
    client = api_client(user)
    assert _ids(client.get("/api/v1/instruments")) == {world[name].pk for name in sees}
    assert _ids(client.get("/api/v1/sites")) == {world[f"{name}_site"].pk for name in sees}
    page = browser_client(user)
    listing = page.get("/registry/instruments/").content.decode()
    for name in ("bazhou", "tongjiang"):
        instrument, site = world[name], world[f"{name}_site"]
        visible = name in sees
        assert (instrument.public_code in listing) is visible
        assert client.get(f"/api/v1/instruments/{instrument.pk}").status_code == (200 if visible else 404)
        assert client.get(f"/api/v1/instruments/{instrument.pk}/status-changes").status_code == (
            200 if visible else 404)
        assert client.get(f"/api/v1/sites/{site.pk}").status_code == (200 if visible else 404)
        assert page.get(f"/registry/instruments/{instrument.pk}/").status_code == (200 if visible else 404)
        assert page.get(f"/registry/instruments/{instrument.pk}/label/").status_code == (200 if visible else 404)
        assert page.get(f"/registry/sites/{site.pk}/").status_code == (200 if visible else 404)


def test_list_filters_narrow_within_scope(world, city_regulator, api_client):
    client = api_client(city_regulator)
    assert _ids(client.get("/api/v1/instruments?division=511921")) == {world["tongjiang"].pk}
    assert _ids(client.get("/api/v1/instruments?division=511902&type=MI06&status=in_use")) == {world["bazhou"].pk}
    assert _ids(client.get("/api/v1/instruments?type=MI02")) == set()
    assert _ids(client.get(f"/api/v1/instruments?owner={world['tongjiang_org'].pk}")) == {world["tongjiang"].pk}
    assert _ids(client.get("/api/v1/instruments?kind=gas_station")) == {world["bazhou"].pk, world["tongjiang"].pk}
    assert _ids(client.get("/api/v1/instruments?kind=market")) == set()
    serial = world["bazhou"].serial_no
    assert _ids(client.get(f"/api/v1/instruments?q={serial.lower()}")) == {world["bazhou"].pk}
    assert _ids(client.get(f"/api/v1/instruments?q={world['tongjiang'].public_code.lower()}")) == {
        world["tongjiang"].pk}
    assert _ids(client.get(f"/api/v1/instruments?q={world['tongjiang_org'].name}")) == {world["tongjiang"].pk}
    assert _ids(client.get("/api/v1/sites?division=511902001")) == {world["bazhou_site"].pk}


def _instrument_body(world, site="bazhou_site", owner="bazhou_org", serial="NEW-1"):
    return {"type_code": "MI06", "serial_no": serial, "manufacturer": "正星科技",
            "owner_id": world[owner].pk, "site_id": world[site].pk}


class TestWrites:
    def test_county_regulator_registers_in_its_county_only(self, world, bazhou_regulator, api_client):
        client = api_client(bazhou_regulator)
        assert _post(client, "/api/v1/instruments", _instrument_body(world)).status_code == 201
        response = _post(client, "/api/v1/instruments",
                         _instrument_body(world, site="tongjiang_site", owner="tongjiang_org", serial="NEW-2"))
        assert response.status_code == 422
        assert set(response.json()["fields"]) == {"owner_id"}
        assert _patch(client, f"/api/v1/instruments/{world['tongjiang'].pk}", {"model": "X"}).status_code == 404
        # Moving its own instrument to a site in another county is refused as well.
        response = _patch(client, f"/api/v1/instruments/{world['bazhou'].pk}", {"site_id": world["tongjiang_site"].pk})
        assert response.status_code == 422
        assert not Instrument.objects.filter(serial_no="NEW-2").exists()

    def test_owner_registers_and_describes_its_own_but_not_identity_or_purpose(self, world, api_client):
        client = api_client(world["owner"])
        response = _post(client, "/api/v1/instruments", _instrument_body(world))
        assert response.status_code == 201, response.content
        assert response.json()["owner_id"] == world["bazhou_org"].pk
        other = _post(client, "/api/v1/instruments", _instrument_body(world, owner="tongjiang_org", serial="NEW-3"))
        assert other.status_code == 422
        own = world["bazhou"]
        assert _patch(client, f"/api/v1/instruments/{own.pk}", {"model": "SK52"}).status_code == 200
        refused = _patch(client, f"/api/v1/instruments/{own.pk}", {"serial_no": "CHANGED", "purpose": "other"})
        assert refused.status_code == 422
        assert set(refused.json()["fields"]) == {"serial_no", "purpose"}
        status = _post(client, f"/api/v1/instruments/{own.pk}/status", {"status": "out_of_service", "reason": "维修"})
        assert status.status_code == 201
        assert _post(client, f"/api/v1/instruments/{world['tongjiang'].pk}/status",
                     {"status": "scrapped"}).status_code == 404

    def test_owner_registers_sites_for_itself_only(self, world, api_client):
        client = api_client(world["owner"])
        body = {"organization_id": world["bazhou_org"].pk, "name": "二号站", "kind": "gas_station",
                "division_code": "511902"}
        assert _post(client, "/api/v1/sites", body).status_code == 201
        body |= {"organization_id": world["tongjiang_org"].pk, "name": "三号站"}
        assert _post(client, "/api/v1/sites", body).status_code == 422
        assert _patch(client, f"/api/v1/sites/{world['bazhou_site'].pk}", {"division_code": "511921"}).status_code == 422

    @pytest.mark.parametrize("who", ["auditor", "staff"])
    def test_auditor_and_institution_staff_write_nothing(self, world, who, auditor, api_client):
        client = api_client(auditor if who == "auditor" else world["staff"])
        pk = world["bazhou"].pk
        assert _post(client, "/api/v1/instruments", _instrument_body(world)).status_code in {403, 422}
        assert _patch(client, f"/api/v1/instruments/{pk}", {"model": "X"}).status_code == 403
        assert _post(client, f"/api/v1/instruments/{pk}/status", {"status": "scrapped"}).status_code == 403
        assert _patch(client, f"/api/v1/sites/{world['bazhou_site'].pk}", {"name": "X"}).status_code == 403
        assert Instrument.objects.get(pk=pk).status == "in_use"

    def test_only_the_city_regulator_edits_the_catalogue(self, world, city_regulator, bazhou_regulator, api_client):
        for user in (bazhou_regulator, world["owner"], world["staff"]):
            client = api_client(user)
            assert client.get("/api/v1/instrument-types/MI06").status_code == 200
            assert _patch(client, "/api/v1/instrument-types/MI06", {"verification_interval_months": 3}).status_code == 403
        client = api_client(city_regulator)
        response = _patch(client, "/api/v1/instrument-types/MI06", {"verification_interval_months": None})
        assert response.status_code == 200
        assert InstrumentType.objects.get(code="MI06").verification_interval_months is None
        assert _post(client, "/api/v1/instrument-types", {"code": "MI99", "name_zh": "测试器具"}).status_code == 201

    def test_a_duplicate_through_the_api_is_409_naming_the_existing_code(self, world, city_regulator, api_client):
        existing = world["bazhou"]
        body = _instrument_body(world, serial=existing.serial_no)
        response = _post(api_client(city_regulator), "/api/v1/instruments", body)
        assert response.status_code == 409
        assert existing.public_code in response.json()["message"]


class TestPages:
    def test_owner_creates_through_the_form_and_sees_field_errors(self, world, browser_client):
        page = browser_client(world["owner"])
        form = page.get("/registry/instruments/new/").content.decode()
        assert world["tongjiang_site"].name not in form
        response = page.post("/registry/instruments/new/", {
            "type": InstrumentType.objects.get(code="MI06").pk, "serial_no": "", "manufacturer": "正星科技",
            "owner": world["bazhou_org"].pk, "site": world["bazhou_site"].pk, "purpose": "trade_settlement"})
        assert response.status_code == 200
        assert "field-error" in response.content.decode()
        response = page.post("/registry/instruments/new/", {
            "type": InstrumentType.objects.get(code="MI06").pk, "serial_no": world["bazhou"].serial_no,
            "manufacturer": world["bazhou"].manufacturer, "owner": world["bazhou_org"].pk,
            "site": world["bazhou_site"].pk, "purpose": "trade_settlement"})
        assert world["bazhou"].public_code in response.content.decode()

    def test_county_regulator_cannot_open_forms_of_another_county(self, world, bazhou_regulator, browser_client):
        page = browser_client(bazhou_regulator)
        assert page.get(f"/registry/instruments/{world['tongjiang'].pk}/edit/").status_code == 404
        assert page.post(f"/registry/instruments/{world['tongjiang'].pk}/status/",
                         {"status": "scrapped", "effective_on": "2025-01-01"}).status_code == 404
        assert page.get(f"/registry/sites/{world['tongjiang_site'].pk}/edit/").status_code == 404

    def test_auditor_gets_403_on_write_pages(self, world, auditor, browser_client):
        page = browser_client(auditor)
        assert page.get(f"/registry/instruments/{world['bazhou'].pk}/edit/").status_code == 403
        assert page.get("/registry/instrument-types/MI06/edit/").status_code == 403

    def test_status_page_changes_status_and_detail_shows_history(self, world, bazhou_regulator, browser_client):
        page = browser_client(bazhou_regulator)
        pk = world["bazhou"].pk
        response = page.post(f"/registry/instruments/{pk}/status/", {"status": "out_of_service",
                                                                    "effective_on": "2099-01-01", "reason": ""})
        assert "field-error" in response.content.decode()
        today = datetime.date.today().isoformat()
        response = page.post(f"/registry/instruments/{pk}/status/", {"status": "out_of_service",
                                                                    "effective_on": today, "reason": "维修"})
        assert response.status_code == 302
        detail = page.get(f"/registry/instruments/{pk}/").content.decode()
        assert "维修" in detail and "instrument.status" in detail

    def test_lists_export_in_scope(self, world, bazhou_regulator, browser_client):
        page = browser_client(bazhou_regulator)
        body = b"".join(page.get("/registry/instruments/?export=csv").streaming_content).decode()
        assert world["bazhou"].public_code in body and world["tongjiang"].public_code not in body

    def test_home_counts_are_in_scope(self, world, bazhou_regulator, city_regulator, browser_client):
        assert "在用强检器具" in browser_client(city_regulator).get("/").content.decode()
