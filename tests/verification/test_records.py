"""Recording verifications and issuing certificates: the decision, numbering, validity, every
refusal, immutability, supersession, revocation, the transparency log in the same transaction."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction

from jiliang.accounts.access import AccessDenied
from jiliang.accounts.models import AuditEvent, Role
from jiliang.errors import Conflict, InvalidInput
from jiliang.ledger import services as ledger_services
from jiliang.ledger.models import PendingEntry
from jiliang.registry.models import InstrumentType
from jiliang.verification import services
from jiliang.verification.models import (
    AuthorisationScope,
    CalibrationResult,
    Certificate,
    CertificateKind,
    CertificateStatus,
    Conclusion,
    DecisionRule,
    IssuedCertificateChanged,
    Qualification,
    StandardCalibration,
    Verification,
    VerificationKind,
    VerificationState,
)

from .conftest import days, point

D = Decimal


def refusal(world, **overrides) -> dict:
    with pytest.raises(InvalidInput) as caught:
        world.record(**overrides)
    assert not Certificate.objects.exists() and not Verification.objects.exists()
    return caught.value.fields


# ---------------------------------------------------------------------------------------------
# Issuing

def test_a_pass_issues_a_verification_certificate_valid_for_the_catalogue_interval(world):
    certificate = world.record()
    year = certificate.issued_on.year
    assert certificate.kind == CertificateKind.VERIFICATION
    assert certificate.number == f"BZJL{year}-J000001"
    performed = days(-10)
    assert certificate.valid_until == services.add_months(performed, 6) - datetime.timedelta(days=1)
    verification = certificate.verification
    assert verification.conclusion == Conclusion.PASS and not verification.near_limit
    assert verification.decision_rule == DecisionRule.SIMPLE_ACCEPTANCE
    errors = list(verification.test_points.order_by("position").values_list("error", flat=True))
    assert errors == [D("0.1"), D("-0.05")]
    state = VerificationState.objects.get(instrument=world.instrument)
    assert (state.certificate, state.valid_until, state.conclusion) == (certificate, certificate.valid_until, "pass")
    assert set(AuditEvent.objects.filter(object_id__in=[str(certificate.pk), str(verification.pk)])
               .values_list("action", flat=True)) >= {"certificate.issue", "verification.record"}
    assert PendingEntry.objects.filter(kind=services.LEDGER_KIND, record_id=str(certificate.pk)).count() == 1


def test_a_failure_issues_a_notice_and_leaves_the_instrument_without_validity(world):
    certificate = world.record(points=(point(world.rule(), "20.000", "20.100"),))  # +0.5 % against ±0.30 %
    assert certificate.kind == CertificateKind.FAILURE_NOTICE
    assert certificate.number.endswith("-T000001") and certificate.valid_until is None
    state = VerificationState.objects.get(instrument=world.instrument)
    assert state.conclusion == Conclusion.FAIL and state.valid_until is None


def test_a_verdict_within_u_of_the_limit_is_recorded_as_such(world):
    certificate = world.record(points=(point(world.rule(), "100.00", "100.28"),))  # +0.28 %, U 0.05 %
    verification = certificate.verification
    assert verification.conclusion == Conclusion.PASS and verification.near_limit
    assert verification.test_points.get().near_limit


def test_a_calibration_issues_a_calibration_certificate_and_leaves_the_standing_alone(world):
    world.record()
    calibration = world.record(kind=VerificationKind.CALIBRATION, performed_on=days(-9),
                               points=(services.PointInput(expanded_uncertainty=D("0.02"), nominal=D("20"),
                                                           indicated=D("20.01"), unit="L"),))
    assert calibration.kind == CertificateKind.CALIBRATION and calibration.number.endswith("-C000002")
    assert calibration.verification.conclusion == Conclusion.CALIBRATED
    assert VerificationState.objects.get(instrument=world.instrument).certificate.kind == CertificateKind.VERIFICATION


def test_numbers_are_sequential_per_institution_and_year(world):
    numbers = [world.record(performed_on=days(-n)).serial for n in (12, 11, 10)]
    assert numbers == [1, 2, 3]
    last_year = days(0).replace(month=1, day=1) - datetime.timedelta(days=1)  # 31 December
    services.record_standard_calibration(  # the standard's calibration in force back then
        world.city, standard=world.standard, calibrating_institution=world.province,
        reference_standard=world.provincial_standard, certificate_no="SCJL-OLD", result=CalibrationResult.IN_TOLERANCE,
        calibrated_on=last_year - datetime.timedelta(days=30), valid_until=last_year + datetime.timedelta(days=30))
    older = world.record(performed_on=last_year - datetime.timedelta(days=5), issued_on=last_year)
    assert (older.year, older.serial) == (last_year.year, 1)


def test_guarded_acceptance_decides_where_simple_acceptance_is_refused(world):
    big_u = (point(world.rule(), "20.000", "20.020", u="0.2"),)  # U 0.2 % > 0.30 %/3
    fields = refusal(world, points=big_u)
    assert "points.1" in fields
    certificate = world.record(points=big_u, decision_rule=DecisionRule.GUARDED_ACCEPTANCE)
    assert certificate.verification.conclusion == Conclusion.PASS  # 0.1 % within ±(0.30 − 0.20) %
    assert certificate.verification.decision_rule == DecisionRule.GUARDED_ACCEPTANCE


# ---------------------------------------------------------------------------------------------
# Refusals

def test_an_expired_standard_is_refused(world):
    StandardCalibration.objects.filter(standard=world.standard).update(valid_until=days(-20))
    assert "已于" in " ".join(refusal(world)["standards"])


def test_a_standard_whose_approval_expired_is_refused(world):
    world.standard.approval_valid_until = days(-30)
    world.standard.save()
    assert "考核证书" in " ".join(refusal(world)["standards"])


def test_a_standard_found_out_of_tolerance_is_refused(world):
    services.record_standard_calibration(
        world.city, standard=world.standard, calibrating_institution=world.province,
        reference_standard=world.provincial_standard, certificate_no="X-1", calibrated_on=days(-15),
        valid_until=days(300), result=CalibrationResult.OUT_OF_TOLERANCE)
    assert "超差" in " ".join(refusal(world)["standards"])


def test_a_standard_outside_its_scope_or_another_institution_s_is_refused(world):
    world.standard.instrument_types.set([InstrumentType.objects.get(code="MI16")])
    assert "检定范围" in " ".join(refusal(world)["standards"])
    assert "不属于" in " ".join(refusal(world, standards=(world.provincial_standard,))["standards"])


def test_a_type_outside_the_authorisation_is_refused(world):
    water_meter = world.make_instrument(type_code="MI12")
    assert "计量授权" in " ".join(refusal(world, instrument=water_meter)["instrument"])


def test_a_place_outside_the_authorisation_is_refused(world, division):
    scope = AuthorisationScope.objects.get(institution=world.institution)
    scope.divisions.set([division("511921")])  # 通江县 only; the dispenser is in 巴州区
    assert "不覆盖" in " ".join(refusal(world)["instrument"])


def test_an_expired_authorisation_is_refused(world):
    AuthorisationScope.objects.filter(institution=world.institution).update(valid_until=days(-11))
    assert "计量授权" in " ".join(refusal(world)["instrument"])


def test_the_same_person_cannot_verify_and_check(world):
    assert "同一人" in " ".join(refusal(world, checker=world.verifier)["checker"])


def test_unqualified_people_are_refused(world, make_user):
    stranger = make_user(Role.INSTITUTION_STAFF, institution=world.institution)
    assert "资格" in " ".join(refusal(world, verifier=stranger)["verifier"])
    Qualification.objects.filter(user=world.checker).update(valid_until=days(-11))
    assert "资格" in " ".join(refusal(world)["checker"])
    # A verifier's qualification does not make a checker.
    world.approve(services.propose_qualification(world.city, user=stranger, instrument_type=world.dispenser,
                                                 kind="verifier", valid_from=days(-100), valid_until=days(100)))
    assert "checker" in refusal(world, checker=stranger)


def test_a_rule_for_another_type_or_class_and_a_future_date_are_refused(world):
    taximeter_rule = world.rule("MPE020")
    assert "不适用" in " ".join(refusal(world, points=(point(taximeter_rule, "1", "1"),))["points.1"])
    fields = refusal(world, performed_on=days(3))
    assert "performed_on" in fields
    water_class_2 = world.rule("MPE007")
    water_meter = world.make_instrument(type_code="MI12")
    fields = refusal(world, instrument=water_meter, points=(point(water_class_2, "1", "1"),), accuracy_class="1")
    assert "2 级" in " ".join(fields["points.1"])


def test_a_catalogue_type_without_an_interval_cannot_get_a_validity(world):
    world.instrument.type.verification_interval_months = None
    world.instrument.type.save()
    with pytest.raises(InvalidInput) as caught:
        world.record()
    assert "检定周期" in caught.value.message


def test_only_the_institution_s_staff_may_record(world, make_user, make_institution):
    with pytest.raises(AccessDenied):
        world.record(actor=world.owner)
    other = make_user(Role.INSTITUTION_STAFF, institution=make_institution())
    with pytest.raises(AccessDenied):
        world.record(actor=other)


# ---------------------------------------------------------------------------------------------
# Immutability, supersession, revocation

def test_an_issued_certificate_never_changes(world):
    certificate = world.record()
    certificate.valid_until = days(900)
    with pytest.raises(IssuedCertificateChanged):
        certificate.save()
    certificate.refresh_from_db()
    certificate.number = "FORGED-1"
    with pytest.raises(IssuedCertificateChanged):
        certificate.save(update_fields=["number"])
    assert Certificate.objects.get(pk=certificate.pk).number.startswith("BZJL")


def test_a_correction_supersedes_and_keeps_both(world):
    original = world.record()
    corrected = services.supersede(world.verifier, original, world.data(temperature_c=D("22.0")), "温度记录笔误")
    original.refresh_from_db()
    assert original.status == CertificateStatus.SUPERSEDED and corrected.supersedes == original
    assert corrected.status == CertificateStatus.ISSUED and corrected.correction_reason == "温度记录笔误"
    assert corrected.verification.temperature_c == D("22.0") and original.verification.temperature_c == D("21.5")
    assert VerificationState.objects.get(instrument=world.instrument).certificate == corrected
    assert PendingEntry.objects.filter(kind=services.LEDGER_KIND, record_id=str(original.pk)).count() == 2  # issue, supersede
    with pytest.raises(Conflict):
        services.supersede(world.verifier, original, world.data(), "再次更正")
    with pytest.raises(InvalidInput):
        services.supersede(world.verifier, corrected, world.data(instrument=world.make_instrument()), "换器具")


def test_revocation_keeps_the_record_and_the_reason(world):
    first = world.record(performed_on=days(-60))
    second = world.record()
    revoked = services.revoke(world.verifier, second, "使用的计量标准已超差")
    assert revoked.status == CertificateStatus.REVOKED and revoked.revocation_reason == "使用的计量标准已超差"
    assert Certificate.objects.filter(pk=second.pk).exists()
    assert VerificationState.objects.get(instrument=world.instrument).certificate == first
    services.revoke(world.verifier, first, "同批撤销")
    assert not VerificationState.objects.filter(instrument=world.instrument).exists()
    with pytest.raises(Conflict):
        services.revoke(world.verifier, first, "again")
    with pytest.raises(AccessDenied):
        services.revoke(world.owner, world.record(performed_on=days(-5)), "owner")
    actions = set(AuditEvent.objects.filter(object_type="verification.Certificate").values_list("action", flat=True))
    assert {"certificate.issue", "certificate.revoke"} <= actions


def test_a_failing_log_append_leaves_no_certificate(world, monkeypatch):
    def broken_append(kind, record):
        raise RuntimeError("log unavailable")

    monkeypatch.setattr(ledger_services, "append", broken_append)
    with pytest.raises(RuntimeError):
        world.record()
    assert not Certificate.objects.exists() and not Verification.objects.exists()
    assert not VerificationState.objects.exists()
    assert not AuditEvent.objects.filter(action="certificate.issue").exists()


def test_a_failing_log_append_leaves_a_revocation_undone(world, monkeypatch):
    certificate = world.record()
    monkeypatch.setattr(ledger_services, "append", lambda kind, record: (_ for _ in ()).throw(RuntimeError("down")))
    with pytest.raises(RuntimeError):
        services.revoke(world.verifier, certificate, "reason")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_get_distinct_consecutive_numbers(world):
    """Eight threads issue at once; the counter row's lock gives each a distinct serial."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers on the database lock; the row lock is PostgreSQL's")
    instruments = [world.make_instrument() for _ in range(8)]

    def issue(instrument):
        try:
            with transaction.atomic():
                return world.record(instrument=instrument).serial
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        serials = sorted(pool.map(issue, instruments))
    assert serials == list(range(1, 9))
