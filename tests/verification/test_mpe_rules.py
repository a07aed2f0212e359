"""The MPE table: the city regulator adds, edits and retires rules (audited, on the transparency log,
with optimistic concurrency); counties and institutions read; a rule decides only the verifications
of its kind; decided points keep their own copy of the rule."""

from decimal import Decimal

import pytest

from jiliang.accounts.access import AccessDenied
from jiliang.accounts.models import AuditEvent, Role
from jiliang.errors import Conflict, InvalidInput
from jiliang.ledger.models import PendingEntry
from jiliang.registry.models import InstrumentType
from jiliang.verification import services
from jiliang.verification.models import MpeRule, RuleKind, VerificationKind

from .conftest import point

JSON = "application/json"
NEW_RULE = {"instrument_types": ["MI06"], "regulation": "JJG 443-2023", "clause": "6.3.1", "quantity": "体积示值误差",
            "condition": "首次检定，全部流量点", "error_basis": "relative_percent", "unit": "%", "lower": "-0.20",
            "upper": "0.20", "verification_kind": "first", "source": "JJG 443-2023 原文 6.3.1", "confidence": "high"}


def _rule(world, **changes) -> MpeRule:
    fields = {"regulation": "JJG 443-2023", "clause": "6.3", "quantity": "体积示值误差", "error_basis": "relative_percent",
              "unit": "%", "lower": Decimal("-0.30"), "upper": Decimal("0.30"), "verification_kind": RuleKind.ANY}
    return services.create_mpe_rule(world.city, instrument_types=[world.dispenser], **(fields | changes))


def _log_entries(rule: MpeRule) -> list[str]:
    return list(PendingEntry.objects.filter(kind=services.RULE_LEDGER_KIND, record_id=str(rule.pk))
                .order_by("id").values_list("kind", flat=True))


def test_the_city_regulator_adds_edits_and_retires_a_rule_through_the_api_audited_and_logged(world, api_client):
    city = api_client(world.city)
    keys = set(MpeRule.objects.values_list("key", flat=True))
    created = city.post("/api/v1/mpe-rules", NEW_RULE, content_type=JSON)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["key"] == f"MPE{len(keys) + 1:03d}" and body["key"] not in keys and body["verification_kind"] == "first" and body["instrument_types"] == ["MI06"]
    rule = MpeRule.objects.get(pk=body["id"])

    etag = city.get(f"/api/v1/mpe-rules/{rule.pk}").headers["ETag"]
    edited = city.patch(f"/api/v1/mpe-rules/{rule.pk}", {"upper": "0.25", "lower": "-0.25",
                                                          "instrument_types": ["MI06", "MI07"]},
                        content_type=JSON, headers={"If-Match": etag})
    assert edited.status_code == 200 and edited.json()["instrument_types"] == ["MI06", "MI07"]
    stale = city.patch(f"/api/v1/mpe-rules/{rule.pk}", {"upper": "0.5"}, content_type=JSON, headers={"If-Match": etag})
    assert stale.status_code == 409 and "upper" in stale.json()["fields"]

    retired = city.post(f"/api/v1/mpe-rules/{rule.pk}/retire", {"reason": "JJG 443-2023 修改单"}, content_type=JSON)
    assert retired.status_code == 200
    assert retired.json()["active"] is False and retired.json()["retirement_reason"] == "JJG 443-2023 修改单"
    again = city.patch(f"/api/v1/mpe-rules/{rule.pk}", {"upper": "0.5"}, content_type=JSON)
    assert again.status_code == 409

    events = {e.action: e for e in AuditEvent.objects.filter(object_type="verification.MpeRule", object_id=str(rule.pk))}
    assert set(events) == {"mpe_rule.create", "mpe_rule.update", "mpe_rule.retire"}
    assert Decimal(events["mpe_rule.create"].after["upper"]) == Decimal("0.2")
    assert Decimal(events["mpe_rule.update"].before["upper"]) == Decimal("0.2")
    assert Decimal(events["mpe_rule.update"].after["upper"]) == Decimal("0.25")
    assert events["mpe_rule.update"].after["instrument_types"] == ["MI06", "MI07"]
    assert events["mpe_rule.retire"].before["active"] is True and events["mpe_rule.retire"].after["active"] is False
    assert len(_log_entries(rule)) == 3


def test_only_the_city_regulator_writes_counties_and_institutions_read(world, api_client, make_user):
    county = make_user(Role.COUNTY_REGULATOR, division="511902")
    for reader in (county, world.verifier):
        client = api_client(reader)
        assert client.get("/api/v1/mpe-rules?type=MI06").status_code == 200
        assert client.post("/api/v1/mpe-rules", NEW_RULE, content_type=JSON).status_code == 403
        rule = world.rule()
        assert client.post(f"/api/v1/mpe-rules/{rule.pk}/retire", {"reason": "x"}, content_type=JSON).status_code == 403
    with pytest.raises(AccessDenied):
        services.retire_mpe_rule(county, world.rule(), reason="无权")
    assert not AuditEvent.objects.filter(action__startswith="mpe_rule.").exists()


@pytest.mark.parametrize(("changes", "field"), [
    ({"unit": "s"}, "unit"),  # a relative error in seconds
    ({"error_basis": "scale_interval", "unit": "%"}, "unit"),  # scale intervals are counted in e
    ({"error_basis": "absolute", "unit": "斤两"}, "unit"),
    ({"lower": "0.5", "upper": "0.1"}, "upper"),
    ({"instrument_types": []}, "instrument_types"),
    ({"regulation": "  "}, "regulation"),
])
def test_a_bad_rule_is_refused_naming_the_field_and_nothing_is_written(world, api_client, changes, field):
    rules_before = list(MpeRule.objects.all())
    response = api_client(world.city).post("/api/v1/mpe-rules", NEW_RULE | changes, content_type=JSON)
    assert response.status_code == 422 and field in response.json()["fields"], response.content
    assert not MpeRule.objects.filter(key=f"MPE{len(rules_before) + 1:03d}").exists()
    assert not AuditEvent.objects.filter(action="mpe_rule.create").exists()


def test_a_rule_of_the_wrong_verification_kind_is_refused(world):
    first_only = _rule(world, verification_kind=RuleKind.FIRST)
    subsequent_only = _rule(world, verification_kind=RuleKind.SUBSEQUENT)
    in_use = _rule(world, verification_kind=RuleKind.IN_USE)
    cases = [(first_only, VerificationKind.PERIODIC), (first_only, VerificationKind.SUBSEQUENT),
             (subsequent_only, VerificationKind.INITIAL), (in_use, VerificationKind.PERIODIC)]
    for rule, kind in cases:
        with pytest.raises(InvalidInput) as refused:
            world.record(kind=kind, points=(point(rule, "20.000", "20.020"),))
        message = " ".join(refused.value.fields["points.1"])
        assert rule.key in message and str(VerificationKind(kind).label) in message, message
    first = world.record(kind=VerificationKind.INITIAL, points=(point(first_only, "20.000", "20.020"),))
    later = world.record(kind=VerificationKind.PERIODIC, performed_on=first.performed_on.replace(day=1)
                         if first.performed_on.day != 1 else first.performed_on.replace(day=2),
                         points=(point(subsequent_only, "20.000", "20.020"),))
    assert first.verification.conclusion == later.verification.conclusion == "pass"


def test_decided_points_keep_their_copy_of_the_rule(world):
    rule = _rule(world)
    certificate = world.record(points=(point(rule, "20.000", "20.020"),))
    services.update_mpe_rule(world.city, rule, lower=Decimal("-0.10"), upper=Decimal("0.10"), regulation="JJG 443-2030")
    services.retire_mpe_rule(world.city, rule, reason="新版规程")
    decided = certificate.verification.test_points.get()
    assert (decided.mpe_lower, decided.mpe_upper) == (Decimal("-0.3"), Decimal("0.3"))
    assert decided.mpe_regulation == "JJG 443-2023 6.3" and decided.mpe_error_basis == "relative_percent"
    assert decided.error_unit == "%" and decided.conforms


def test_a_retired_rule_decides_nothing(world):
    rule = services.retire_mpe_rule(world.city, _rule(world), reason="新版规程")
    with pytest.raises(InvalidInput) as refused:
        world.record(points=(point(rule, "20.000", "20.020"),))
    assert rule.key in " ".join(refused.value.fields["points.1"])
    with pytest.raises(Conflict):
        services.retire_mpe_rule(world.city, rule, reason="再次")


def test_the_pages_add_edit_and_retire_a_rule(world, browser_client, make_user):
    city = browser_client(world.city)
    listing = city.get("/verification/mpe-rules/").content.decode()
    assert "新增规则" in listing
    form = {"instrument_types": [InstrumentType.objects.get(code="MI06").pk], "regulation": "JJG 443-2023",
            "clause": "6.3.1", "accuracy_class": "", "verification_kind": "first", "quantity": "体积示值误差",
            "condition": "", "error_basis": "relative_percent", "lower": "-0.2", "upper": "0.2", "unit": "‰",
            "source": "", "confidence": "待核实默认值", "notes": "", "active": "on"}
    bad = city.post("/verification/mpe-rules/new/", form | {"unit": "kg"})
    assert bad.status_code == 200 and "相对误差的单位应为" in bad.content.decode()
    created = city.post("/verification/mpe-rules/new/", form)
    assert created.status_code == 302
    rule = MpeRule.objects.get(pk=created.url.rstrip("/").rsplit("/", 1)[1])
    detail = city.get(created.url).content.decode()
    assert "首次检定" in detail and "待核实默认值" in detail

    edit_page = city.get(f"/verification/mpe-rules/{rule.pk}/edit/")
    version = edit_page.context["form"]["version"].value()
    edited = city.post(f"/verification/mpe-rules/{rule.pk}/edit/", form | {"upper": "0.3", "version": version})
    assert edited.status_code == 302
    stale = city.post(f"/verification/mpe-rules/{rule.pk}/edit/", form | {"upper": "0.4", "version": version})
    assert stale.status_code == 200 and "他人已修改" in stale.content.decode()
    retired = city.post(f"/verification/mpe-rules/{rule.pk}/retire/", {"reason": "规程修订"})
    assert retired.status_code == 302
    rule.refresh_from_db()
    assert rule.upper == Decimal("0.3") and rule.retired_at is not None and not rule.active
    assert "已废止" in city.get(f"/verification/mpe-rules/{rule.pk}/").content.decode()

    county = browser_client(make_user(Role.COUNTY_REGULATOR, division="511902"))
    assert "新增规则" not in county.get("/verification/mpe-rules/").content.decode()
    assert county.get(f"/verification/mpe-rules/{rule.pk}/").status_code == 200
    assert county.get("/verification/mpe-rules/new/").status_code == 403


def test_every_rule_page_and_the_record_form_speak_chinese(world, browser_client):
    from tests.english_scan import offences

    city = browser_client(world.city)
    pages = [f"/verification/mpe-rules/{pk}/" for pk in MpeRule.objects.values_list("pk", flat=True)]
    pages += ["/verification/mpe-rules/", "/verification/mpe-rules/new/"]
    found = {url: offences(city.get(url).content.decode())[0] for url in pages}
    found["/verification/records/new/"] = offences(
        browser_client(world.verifier).get("/verification/records/new/").content.decode())[0]
    assert {url: words for url, words in found.items() if words} == {}
