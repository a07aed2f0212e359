"""Typed device profiles (issue 15): a wrong attribute is refused at registration and on change with
an error naming the field; a rule that lacks an input says so instead of switching off."""

import json

import pytest

from jiliang.monitoring.models import Device, DeviceKind
from jiliang.monitoring.rules import fuel
from jiliang.monitoring.rules.thresholds import load_rulebook
from jiliang.monitoring.rules.types import DeviceKind as RuleKind
from jiliang.monitoring.rules.types import DeviceProfile, DispenserTransaction, Window
from monitoring_fixtures import T0

pytestmark = pytest.mark.django_db


def _register(api_client, user, site, **fields):
    return api_client(user).post("/api/v1/monitoring/devices", data=json.dumps({"site_id": site.pk, **fields}),
                                 content_type="application/json")


def test_accuracy_class_as_a_number_is_refused_naming_the_field(api_client, city_regulator, make_site):
    """`accuracy_class: 1` switched CP-01 off (its limits are keyed "1", "2")."""
    response = _register(api_client, city_regulator, make_site(), code="pile-1", kind=DeviceKind.CHARGER,
                         attributes={"accuracy_class": 1, "rated_power_kw": 60})
    assert response.status_code == 422
    fields = response.json()["fields"]
    assert list(fields) == ["attributes.accuracy_class"] and "准确度等级" in fields["attributes.accuracy_class"][0]
    assert not Device.objects.filter(code="pile-1").exists()


def test_every_wrong_attribute_is_reported_and_a_typo_is_no_silent_default(api_client, city_regulator, make_site):
    response = _register(api_client, city_regulator, make_site(), code="n-1", kind=DeviceKind.NOZZLE,
                         attributes={"qmax": "50", "qmn": 5, "opening_hours": [6], "last_verified": "2026-13-01"})
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"attributes.qmax", "attributes.qmn", "attributes.opening_hours",
                                              "attributes.last_verified"}


def test_a_change_is_checked_and_audited(api_client, city_regulator, make_device):
    from jiliang.accounts.models import AuditEvent

    pile, _, _ = make_device(DeviceKind.CHARGER, attributes={"accuracy_class": "1", "rated_power_kw": 60})
    client = api_client(city_regulator)
    url = f"/api/v1/monitoring/devices/{pile.pk}/attributes"
    bad = client.post(url, data=json.dumps({"attributes": {"accuracy_class": 2}}), content_type="application/json")
    assert bad.status_code == 422 and list(bad.json()["fields"]) == ["attributes.accuracy_class"]
    good = client.post(url, data=json.dumps({"attributes": {"accuracy_class": "2"}}), content_type="application/json")
    assert good.status_code == 200
    assert [m["rule_code"] for m in good.json()["missing_inputs"]] == ["CP-04", "CP-08"]
    assert AuditEvent.objects.filter(action="device.change", object_id=str(pile.pk)).count() == 1


def test_a_nozzle_without_minimum_flow_is_listed_as_lacking_it(api_client, city_regulator, make_device):
    nozzle, _, _ = make_device(DeviceKind.NOZZLE, attributes={"qmax": 50.0, "report_interval_s": 300,
                                                               "valid_until": "2027-01-01", "verified_k_factor": 100.0})
    detail = api_client(city_regulator).get(f"/api/v1/monitoring/devices/{nozzle.pk}").json()
    assert detail["missing_inputs"] == [{"rule_code": "FD-04", "rule": "加油流速不合理", "missing": ["最小流量（升/分钟）"]}]


def test_fd04_without_minimum_flow_still_checks_the_maximum():
    """A nozzle without Qmin switched FD-04 off entirely, pulse injection above Qmax included."""
    profile = DeviceProfile("N1", RuleKind.NOZZLE, "S1", qmax=50.0)
    fast = DispenserTransaction("N1", 1, T0, 60.0, 60.0, 6000, 100.0, 7.5, 450.0, 0.0, 60.0, 20.0)  # 60 L/min
    found = fuel.implausible_flow_rate(Window(now=T0, profiles={"N1": profile}, transactions=(fast,)),
                                       load_rulebook().for_rule("FD-04"))
    assert [f.evidence["direction"] for f in found] == ["high"]


def test_the_device_page_says_which_rule_lacks_which_input(make_device, city_regulator, tongjiang_regulator,
                                                          browser_client):
    nozzle, _, _ = make_device(DeviceKind.NOZZLE, attributes={"qmax": 50.0, "opening_hours": [6, 22]})
    page = browser_client(city_regulator).get(f"/monitoring/devices/{nozzle.pk}/")
    body = page.content.decode()
    assert page.status_code == 200 and 'data-testid="missing-inputs"' in body
    assert "FD-04 加油流速不合理：缺少最小流量（升/分钟）" in body and "FD-12" in body and "6–22" in body
    assert browser_client(tongjiang_regulator).get(f"/monitoring/devices/{nozzle.pk}/").status_code == 404
    listing = browser_client(city_regulator).get("/monitoring/devices/").content.decode()
    assert f'href="/monitoring/devices/{nozzle.pk}/"' in listing
