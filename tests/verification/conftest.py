"""A small verification world: the national institute with its root standard, the provincial
institute, the city institution with an authorisation, two qualified people and a standard that
traces up to the root; an owner with a fuel dispenser in 巴州区. Dates are relative to today."""

import datetime
import itertools
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from jiliang.accounts.models import Division, Role, User
from jiliang.registry import services as registry_services
from jiliang.registry.models import Instrument, InstrumentType, SiteKind
from jiliang.verification import services
from jiliang.verification.models import (
    CalibrationResult,
    Institution,
    InstitutionKind,
    MeasurementStandard,
    MpeRule,
    QualificationKind,
    VerificationKind,
)
from jiliang.verification.mpe_table import load_mpe_rules

_serial = itertools.count(1)
D = Decimal


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@dataclass
class World:
    city: User  # city regulator
    reviewer: User  # a second city regulator: approves the city regulator's trust-anchor proposals
    registrar: User  # superuser for the registry's records
    national: Institution
    province: Institution
    institution: Institution
    root: MeasurementStandard
    provincial_standard: MeasurementStandard
    standard: MeasurementStandard
    verifier: User
    checker: User
    owner_org: object
    owner: User
    instrument: Instrument
    dispenser: InstrumentType

    def make_instrument(self, organization=None, *, type_code: str = "MI06", county: str = "511902") -> Instrument:
        organization = organization or self.owner_org
        site = registry_services.create_site(
            self.registrar, organization=organization, name=f"场所{next(_serial)}", kind=SiteKind.GAS_STATION,
            division=Division.objects.get(code=county),
        )
        return registry_services.create_instrument(
            self.registrar, type=InstrumentType.objects.get(code=type_code), serial_no=f"SN{next(_serial):06d}",
            manufacturer="正星科技", owner=organization, site=site,
        )

    def approve(self, proposal):
        """The second city regulator's approval of a trust-anchor proposal (the two-person rule)."""
        return services.approve_proposal(self.reviewer, proposal)

    def rule(self, key: str = "MPE001") -> MpeRule:
        return MpeRule.objects.get(key=key)

    def data(self, **overrides) -> services.VerificationInput:
        """A fuel-dispenser verification that passes: +0.10 % and -0.05 % with U = 0.05 %."""
        values = {
            "instrument": self.instrument, "kind": VerificationKind.PERIODIC, "performed_on": days(-10),
            "verifier": self.verifier, "checker": self.checker, "standards": (self.standard,),
            "points": (point(self.rule(), "20.000", "20.020"), point(self.rule(), "100.00", "99.95")),
            "temperature_c": D("21.5"), "humidity_pct": D("55.0"),
        }
        values.update(overrides)
        return services.VerificationInput(**values)

    def record(self, actor=None, **overrides):
        return services.record_verification(actor or self.verifier, self.institution, self.data(**overrides))


def point(rule, nominal: str, indicated: str, u: str = "0.05", k: str = "2") -> services.PointInput:
    return services.PointInput(expanded_uncertainty=D(u), coverage_factor=D(k), mpe_rule=rule, nominal=D(nominal),
                               indicated=D(indicated))


@pytest.fixture
def world(db, division, make_user, make_organization, city_regulator) -> World:
    if not MpeRule.objects.exists():  # a transactional test flushed the rules the migration loaded
        load_mpe_rules(MpeRule, InstrumentType)
    city = city_regulator
    reviewer = make_user(Role.CITY_REGULATOR, division="511900")

    def approved(proposal):
        return services.approve_proposal(reviewer, proposal)
    registrar = User.objects.create_superuser(f"registrar{next(_serial)}", password="unused-Passw0rd!")
    dispenser = InstrumentType.objects.get(code="MI06")
    national = services.create_institution(city, name="中国计量科学研究院", kind=InstitutionKind.NATIONAL)
    province = services.create_institution(city, name="四川省计量测试研究院", division=division("510000"))
    institution = services.create_institution(city, name="巴中市计量测试所", division=division("511900"),
                                              certificate_prefix="BZJL")
    approved(services.propose_authorisation(
        city, institution=institution, authorisation_no="(川)法计(2024)01号", valid_from=days(-1000),
        valid_until=days(1000), instrument_types=[dispenser, InstrumentType.objects.get(code="MI16")],
        divisions=[division("511900")],
    ))
    root = services.create_standard(city, institution=national, name="国家容量基准")
    approved(services.propose_national_root(city, root, True))
    root.refresh_from_db()
    provincial_standard = services.create_standard(
        city, institution=province, name="一等标准金属量器", approval_no="[2020]川量标证字第001号",
        approval_valid_until=days(1500), instrument_types=[dispenser],
    )
    services.record_standard_calibration(
        city, standard=provincial_standard, calibrating_institution=national, reference_standard=root,
        certificate_no="NIM-2025-001", calibrated_on=days(-400), valid_until=days(330),
        result=CalibrationResult.IN_TOLERANCE,
    )
    standard = services.create_standard(
        city, institution=institution, name="二等标准金属量器", approval_no="[2022]巴量标证字第003号",
        approval_valid_until=days(1000), instrument_types=[dispenser], accuracy="U=0.025%, k=2",
    )
    services.record_standard_calibration(
        city, standard=standard, calibrating_institution=province, reference_standard=provincial_standard,
        certificate_no="SCJL-2026-0815", calibrated_on=days(-200), valid_until=days(165),
        result=CalibrationResult.IN_TOLERANCE,
    )
    verifier = make_user(Role.INSTITUTION_STAFF, institution=institution, display_name="检定员张三")
    checker = make_user(Role.INSTITUTION_STAFF, institution=institution, display_name="核验员李四")
    for person, kind in ((verifier, QualificationKind.VERIFIER), (checker, QualificationKind.CHECKER)):
        approved(services.propose_qualification(city, user=person, instrument_type=dispenser, kind=kind,
                                                valid_from=days(-1000), valid_until=days(1000)))
    owner_org = make_organization("511902")
    owner = make_user(Role.OWNER, organization=owner_org)
    world = World(city=city, reviewer=reviewer, registrar=registrar, national=national, province=province, institution=institution,
                  root=root, provincial_standard=provincial_standard, standard=standard, verifier=verifier,
                  checker=checker, owner_org=owner_org, owner=owner, instrument=None, dispenser=dispenser)
    world.instrument = world.make_instrument()
    return world


def point_rows(*rows: tuple) -> dict:
    """The record form's table of test points as posted: rows of (rule key, nominal, indicated, U,
    k[, unit[, error]]), with the formset's management fields."""
    data = {"points-TOTAL_FORMS": str(len(rows)), "points-INITIAL_FORMS": "0", "points-MIN_NUM_FORMS": "1",
            "points-MAX_NUM_FORMS": "200"}
    for index, row in enumerate(rows):
        key, nominal, indicated, u, k, unit, error = (*row, "", "", "")[:7]
        data |= {f"points-{index}-mpe_rule": key, f"points-{index}-nominal": nominal,
                 f"points-{index}-indicated": indicated, f"points-{index}-expanded_uncertainty": u,
                 f"points-{index}-coverage_factor": k or "2", f"points-{index}-unit": unit,
                 f"points-{index}-error": error}
    return data
