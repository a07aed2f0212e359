"""The traceability chain (intact, and each kind of broken link named) and suspect impact."""

from jiliang.accounts.access import jurisdiction_ids
from jiliang.accounts.models import Role
from jiliang.verification import selectors, services
from jiliang.registry.models import Instrument
from jiliang.verification.models import (
    AuthorisationScope,
    CalibrationResult,
    MeasurementStandard,
    StandardCalibration,
)

from .conftest import days


def _problems(chain) -> str:
    return " ".join(problem for link in chain.links for problem in link.problems)


def test_an_intact_chain_climbs_from_the_certificate_to_the_national_root(world):
    certificate = world.record()
    chain = selectors.traceability_chain(world.city, world.instrument, days(0))
    assert chain.intact, _problems(chain)
    assert chain.certificate == certificate
    assert [(link.level, link.name) for link in chain.links] == [
        (0, str(world.instrument)), (1, "二等标准金属量器"), (2, "一等标准金属量器"), (3, "国家容量基准")]
    assert chain.links[-1].is_root
    assert chain.links[1].document == "SCJL-2026-0815" and chain.links[2].document == "NIM-2025-001"
    assert chain.links[2].on == days(-200)  # the provincial standard is judged on the day it calibrated ours


def test_no_certificate_is_a_missing_link(world):
    chain = selectors.traceability_chain(world.city, world.instrument, days(0))
    assert not chain.intact and chain.certificate is None and "缺失" in _problems(chain)


def test_an_expired_certificate_is_named_on_a_later_date(world):
    certificate = world.record()
    chain = selectors.traceability_chain(world.city, world.instrument, certificate.valid_until.replace(
        year=certificate.valid_until.year + 1))
    assert not chain.intact and f"检定证书 {certificate.number} 已于" in _problems(chain)


def test_an_upper_calibration_that_had_expired_is_named(world):
    world.record()
    StandardCalibration.objects.filter(standard=world.provincial_standard).update(valid_until=days(-250))
    chain = selectors.traceability_chain(world.city, world.instrument, days(0))
    broken = chain.broken_links
    assert [link.name for link in broken] == ["一等标准金属量器"]
    assert "NIM-2025-001" in " ".join(broken[0].problems)


def test_a_missing_upper_calibration_is_named(world):
    world.record()
    StandardCalibration.objects.filter(standard=world.provincial_standard).delete()
    chain = selectors.traceability_chain(world.city, world.instrument, days(0))
    assert [link.name for link in chain.broken_links] == ["一等标准金属量器"]
    assert "溯源缺失" in _problems(chain)


def test_a_calibration_without_its_reference_standard_breaks_the_chain(world):
    world.record()
    StandardCalibration.objects.filter(standard=world.provincial_standard).update(reference_standard=None)
    chain = selectors.traceability_chain(world.city, world.instrument, days(0))
    assert "未记录上级计量标准" in _problems(chain)


def test_an_authorisation_withdrawn_afterwards_shows_the_record_outside_scope(world):
    world.record()
    AuthorisationScope.objects.filter(institution=world.institution).update(valid_from=days(-5))
    chain = selectors.traceability_chain(world.city, world.instrument, days(0))
    assert not chain.links[0].ok and "计量授权" in " ".join(chain.links[0].problems)


def test_an_authorisation_for_another_county_shows_the_record_outside_scope(world, division):
    world.record()
    AuthorisationScope.objects.get(institution=world.institution).divisions.set([division("511921")])
    chain = selectors.traceability_chain(world.city, world.instrument, days(0))
    assert "不覆盖" in " ".join(chain.links[0].problems) and chain.links[1:] and all(link.ok for link in chain.links[1:])


def test_a_standard_outside_the_type_is_named(world):
    world.record()
    world.standard.instrument_types.clear()
    chain = selectors.traceability_chain(world.city, world.instrument, days(0))
    assert [link.name for link in chain.broken_links] == ["二等标准金属量器"]


def test_a_loop_in_the_calibrations_is_named_and_the_climb_stops(world):
    world.record()
    StandardCalibration.objects.filter(standard=world.provincial_standard).update(reference_standard=world.standard)
    chain = selectors.traceability_chain(world.city, world.instrument, days(0))
    assert [link.name for link in chain.links[1:]] == ["二等标准金属量器", "一等标准金属量器"]
    assert [link.name for link in chain.broken_links] == ["一等标准金属量器"]
    assert "循环" in _problems(chain)


def test_each_upper_standard_is_judged_by_the_calibration_in_force_when_it_calibrated_the_one_below(world):
    world.record()
    services.record_standard_calibration(  # a later, out-of-tolerance calibration does not reach back
        world.city, standard=world.provincial_standard, calibrating_institution=world.national,
        reference_standard=world.root, certificate_no="NIM-2026-009", calibrated_on=days(-100),
        valid_until=days(265), result=CalibrationResult.OUT_OF_TOLERANCE)
    chain = selectors.traceability_chain(world.city, world.instrument, days(0))
    assert chain.intact, _problems(chain)
    assert chain.links[2].document == "NIM-2025-001"


def test_every_standard_used_has_its_own_path_and_a_foreign_standard_out_of_service_is_named(world):
    other = services.create_standard(world.city, institution=world.institution, name="标准金属量器B",
                                     approval_no="B-1", approval_valid_until=days(900), instrument_types=[world.dispenser])
    services.record_standard_calibration(
        world.city, standard=other, calibrating_institution=world.national, reference_standard=world.root,
        certificate_no="NIM-B", calibrated_on=days(-50), valid_until=days(300), result=CalibrationResult.IN_TOLERANCE)
    world.record(standards=(world.standard, other))
    MeasurementStandard.objects.filter(pk=other.pk).update(in_service=False, institution=world.province)
    chain = selectors.traceability_chain(world.city, world.instrument, days(0))
    assert [(link.level, link.name) for link in chain.links[1:]] == [
        (1, "二等标准金属量器"), (2, "一等标准金属量器"), (3, "国家容量基准"), (1, "标准金属量器B"), (2, "国家容量基准")]
    problems = " ".join(chain.broken_links[0].problems)
    assert [link.name for link in chain.broken_links] == ["标准金属量器B"]
    assert "已停用" in problems and "不属于" in problems


def test_the_chain_takes_two_queries_whatever_its_length(world, django_assert_max_num_queries):
    world.record()
    instrument = Instrument.objects.select_related("type").get(pk=world.instrument.pk)  # as the pages read it
    jurisdiction_ids(world.city)  # once per request, whatever the page reads
    with django_assert_max_num_queries(2):
        chain = selectors.traceability_chain(world.city, instrument, days(0))
    assert len(chain.links) == 4


def _out_of_tolerance(world, on):
    return services.record_standard_calibration(
        world.city, standard=world.standard, calibrating_institution=world.province,
        reference_standard=world.provincial_standard, certificate_no="SCJL-OOT", calibrated_on=on,
        valid_until=days(300), result=CalibrationResult.OUT_OF_TOLERANCE)


def test_suspect_impact_lists_certificates_since_the_last_good_calibration(world, make_user, make_organization):
    StandardCalibration.objects.create(  # an older calibration, good at the time
        standard=world.standard, calibrating_institution=world.province, reference_standard=world.provincial_standard,
        certificate_no="SCJL-2025-0001", calibrated_on=days(-500), valid_until=days(-199),
        result=CalibrationResult.IN_TOLERANCE)
    world.record(performed_on=days(-210))  # used before the last good calibration
    other_owner = world.make_instrument(make_organization("511921"), county="511921")
    suspects = [world.record(performed_on=days(-150)), world.record(instrument=other_owner, performed_on=days(-20))]
    calibration = _out_of_tolerance(world, days(-5))
    window = selectors.suspect_window(calibration)
    assert (window.since, window.until) == (days(-200), days(-5))
    listed = list(selectors.suspect_certificates(world.verifier, window))
    assert [row["id"] for row in listed] == [c.pk for c in suspects]
    assert [(row["number"], row["owner__name"], row["instrument__site__name"]) for row in listed] == [
        (c.number, c.owner.name, c.instrument.site.name) for c in suspects]
    # A county regulator sees only its county's share; an owner only its own.
    bazhou = make_user(Role.COUNTY_REGULATOR, division="511902")
    assert [row["id"] for row in selectors.suspect_certificates(bazhou, window)] == [suspects[0].pk]
    assert [row["id"] for row in selectors.suspect_certificates(world.owner, window)] == [suspects[0].pk]


def test_suspect_certificates_through_the_api_and_the_export(world, api_client, browser_client):
    suspects = [world.record(performed_on=days(-150)), world.record(performed_on=days(-20))]
    calibration = _out_of_tolerance(world, days(-5))
    body = api_client(world.city).get(f"/api/v1/standard-calibrations/{calibration.pk}/suspect-certificates?limit=1")
    assert body.status_code == 200, body.content
    page = body.json()
    assert page["has_more"] and page["since"] == str(days(-200)) and page["until"] == str(days(-5))
    item = page["items"][0]
    assert (item["id"], item["number"], item["owner_name"], item["public_code"], item["division_code"]) == (
        suspects[0].pk, suspects[0].number, world.owner_org.name, world.instrument.public_code, "511902")
    export = browser_client(world.verifier).get(f"/verification/standard-calibrations/{calibration.pk}/suspect/?export=csv")
    lines = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == [c.number for c in suspects]
    assert world.instrument.site.name in lines[1]


def test_suspect_impact_names_standards_calibrated_with_the_failed_one(world):
    calibration = services.record_standard_calibration(
        world.city, standard=world.provincial_standard, calibrating_institution=world.national,
        reference_standard=world.root, certificate_no="NIM-OOT", calibrated_on=days(-3), valid_until=days(300),
        result=CalibrationResult.OUT_OF_TOLERANCE)
    window = selectors.suspect_window(calibration)
    assert window.since == days(-400)
    assert [c.standard for c in window.downstream] == [world.standard]
