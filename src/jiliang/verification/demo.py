"""The verification app's part of the demo data set (deterministic, idempotent, bulk).

Institutions: the national institute (root of every chain), the provincial institute, the city
institution, four county stations and two authorised bodies, with their authorisations, staff and
qualifications. Standards in chains up to the national root (county weights → city weights →
provincial weights → national kilogram), each calibrated every year. Then several years of
verification history over the demo instruments (history.py), a few showcase records issued through
the services (with test points, on the transparency log), and two cases to look at: the 平昌县
station's weights were not recalibrated (an expired link in recent chains), and the city's
taxi-meter standard was found out of tolerance (suspect impact).
"""

import datetime
import time
from dataclasses import replace
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from jiliang.accounts import audit
from jiliang.accounts.models import Division, Role, User
from jiliang.ledger import services as ledger
from jiliang.registry.demo import OWNER_DEMO_ORGANIZATION
from jiliang.registry.models import Instrument, InstrumentStatus, InstrumentType
from jiliang.verification import history, services
from jiliang.verification.models import (
    AuthorisationScope,
    CalibrationResult,
    Institution,
    InstitutionKind,
    MeasurementStandard,
    MpeRule,
    Qualification,
    QualificationKind,
    StandardCalibration,
    Verification,
    VerificationKind,
)

ACTOR = "demo"
CITY_INSTITUTION = "巴中市计量测试所"
NATIONAL_INSTITUTE = "中国计量科学研究院"
PROVINCIAL_INSTITUTE = "四川省计量检定测试研究院"
HISTORY_YEARS = 4

# (name, kind, division code or None, certificate prefix)
INSTITUTIONS = [
    (NATIONAL_INSTITUTE, InstitutionKind.NATIONAL, None, "NIM"),
    (PROVINCIAL_INSTITUTE, InstitutionKind.LEGAL, "510000", "SCJL"),
    (CITY_INSTITUTION, InstitutionKind.LEGAL, "511900", "BZJL"),
    ("巴中市恩阳区计量检定所", InstitutionKind.LEGAL, "511903", "EYJL"),
    ("通江县计量检定所", InstitutionKind.LEGAL, "511921", "TJJL"),
    ("南江县计量检定所", InstitutionKind.LEGAL, "511922", "NJJL"),
    ("平昌县计量检定所", InstitutionKind.LEGAL, "511923", "PCJL"),
    ("国网四川省电力公司巴中供电公司电能计量中心", InstitutionKind.AUTHORISED, "511902", "BZDN"),
    ("巴中市水务集团有限公司水表检定站", InstitutionKind.AUTHORISED, "511902", "BZSB"),
]
COUNTY_STATIONS = {"511903": "巴中市恩阳区计量检定所", "511921": "通江县计量检定所", "511922": "南江县计量检定所",
                   "511923": "平昌县计量检定所"}
POWER, WATER = INSTITUTIONS[7][0], INSTITUTIONS[8][0]
# Quantity families: the national standard at the root and the provincial standard under it.
FAMILIES = {
    "volume": ("国家容量基准装置", "二等标准金属量器标准装置"),
    "mass": ("国家千克质量基准", "E2等级砝码标准装置"),
    "energy": ("国家电能基准", "0.01级三相电能标准装置"),
    "pressure": ("国家压力基准", "0.02级活塞式压力计标准装置"),
    "time": ("国家时间频率基准", "时间频率标准装置"),
    "optics": ("国家光焦度基准", "标准顶焦度镜片标准装置"),
    "gas": ("国家一级气体标准物质", "气体标准物质配气标准装置"),
    "flow": ("国家气体流量基准", "钟罩式气体流量标准装置"),
    "temperature": ("国家温度基准", "二等标准铂电阻温度计标准装置"),
    "acoustics": ("国家声压基准", "实验室标准传声器标准装置"),
}
# Working standards: (institution, name, family, types served, range, accuracy)
WORKING_STANDARDS = [
    (CITY_INSTITUTION, "燃油加油机检定装置(二等标准金属量器)", "volume", ("MI06",), "(20~200) L", "二等"),
    (CITY_INSTITUTION, "电子计价秤检定装置(F1等级砝码)", "mass", ("MI02", "MI03"), "1 mg~500 kg", "F1等级"),
    (CITY_INSTITUTION, "出租汽车计价器检定装置", "time", ("MI16",), "(0~999) km", "MPE ±0.1%"),
    (CITY_INSTITUTION, "血压计(表)检定装置", "pressure", ("MI17", "MI18"), "(0~40) kPa", "0.05级"),
    (CITY_INSTITUTION, "压力表检定装置", "pressure", ("MI32",), "(0~60) MPa", "0.05级"),
    (CITY_INSTITUTION, "焦度计及验光仪检定装置", "optics", ("MI19", "MI20", "MI21"), "(-25~+25) m⁻¹", "U=0.02 m⁻¹"),
    (CITY_INSTITUTION, "可燃气体检测报警器检定装置", "gas", ("MI25",), "(0~100) %LEL", "U=2%"),
    (CITY_INSTITUTION, "电动汽车充电桩检定装置", "energy", ("MI29", "MI30"), "(0~1000) V, (0~250) A", "0.05级"),
    (CITY_INSTITUTION, "膜式燃气表检定装置", "flow", ("MI13",), "(0.016~16) m³/h", "0.5级"),
    (POWER, "单相电能表检定装置", "energy", ("MI14",), "220 V, (0.05~60) A", "0.05级"),
    (WATER, "水表检定装置(标准表法)", "volume", ("MI10", "MI11", "MI12"), "DN15~DN100", "0.2级"),
    # The rest of the catalogue, so that every type can be verified in the demo.
    (CITY_INSTITUTION, "体温计检定装置(二等标准水银温度计)", "temperature", ("MI01",), "(35~42) ℃", "U=0.02 ℃"),
    (CITY_INSTITUTION, "动态汽车衡检定装置(M1等级砝码及控制衡器)", "mass", ("MI04", "MI05"), "(0~100) t", "M1等级"),
    (CITY_INSTITUTION, "加气机检定装置(质量法)", "flow", ("MI07", "MI08", "MI09", "MI28"), "(1~80) kg/min", "0.2级"),
    (CITY_INSTITUTION, "热量表检定装置", "flow", ("MI15",), "DN15~DN50", "U=0.4%"),
    (CITY_INSTITUTION, "呼出气体酒精含量检测仪检定装置", "gas", ("MI22",), "(0~2) mg/L", "U=2%"),
    (CITY_INSTITUTION, "机动车雷达测速仪检定装置", "time", ("MI23",), "(20~250) km/h", "MPE ±0.3 km/h"),
    (CITY_INSTITUTION, "声级计检定装置", "acoustics", ("MI24",), "(30~130) dB", "U=0.3 dB"),
    (CITY_INSTITUTION, "透射式烟度计检定装置(标准滤光片)", "optics", ("MI26",), "(0~100) %", "U=0.5%"),
    (CITY_INSTITUTION, "粮食水分测定仪检定装置(标准物质)", "mass", ("MI27",), "(10~30) %", "U=0.2%"),
    (CITY_INSTITUTION, "角膜曲率计检定装置(标准曲率球)", "optics", ("MI31",), "(5~11) mm", "U=0.01 mm"),
] + [(station, "F2等级砝码标准装置", "mass", ("MI02", "MI03"), "1 g~50 kg", "F2等级")
     for station in COUNTY_STATIONS.values()]
# Intervals the catalogue leaves empty for the city regulator to confirm; the demo assumes the
# commonly applied ones so that its certificates can carry a validity.
DEMO_INTERVALS = {"MI02": 12, "MI03": 12, "MI17": 12, "MI18": 12, "MI19": 12, "MI20": 12, "MI21": 24, "MI32": 6,
                  "MI04": 12, "MI07": 6, "MI08": 6, "MI09": 6, "MI22": 12, "MI24": 12, "MI26": 12, "MI27": 12,
                  "MI28": 24, "MI31": 12}
EXPIRED_LINK = ("平昌县计量检定所", "F2等级砝码标准装置")  # not recalibrated: its last calibration lapsed
OUT_OF_TOLERANCE = (CITY_INSTITUTION, "出租汽车计价器检定装置")  # its latest calibration found it out of tolerance
SHOWCASE_RECORDS = 5  # the last two are corrected and revoked, so the public check shows every state


def _today() -> datetime.date:
    return timezone.localdate()


def record_batch(model, objects: list, label: str) -> None:
    if objects:
        audit.record(ACTOR, f"{ACTOR}.load", object_type=model._meta.label, object_id="",
                     object_repr=f"{len(objects)} × {model._meta.verbose_name}",
                     after={"count": len(objects), "first": label.format(objects[0]), "last": label.format(objects[-1])})


def _intervals(types: dict[str, InstrumentType]) -> None:
    missing = [types[code] for code in DEMO_INTERVALS if code in types and not types[code].verification_interval_months]
    for instrument_type in missing:
        before = audit.snapshot(instrument_type)
        instrument_type.verification_interval_months = DEMO_INTERVALS[instrument_type.code]
        instrument_type.period_note = f"{instrument_type.period_note} (演示数据假定周期，待市局核实)".strip()
        instrument_type.save(update_fields=["verification_interval_months", "period_note", "updated_at"])
        audit.record(ACTOR, "instrument_type.update", instrument_type, before=before, after=audit.snapshot(instrument_type))
        ledger.append("registry.instrument_type", audit.snapshot(instrument_type))


def _default_rules() -> None:
    """Enable the editable default MPE rules (data/mpe.csv, confidence "default"), which ship
    inactive until the city regulator checks them, so that the demo verifies every catalogue type.
    They stay marked 待核实默认值 on every page that shows them."""
    for rule in MpeRule.objects.filter(confidence="default", active=False, retired_at__isnull=True,
                                       lower__isnull=False):
        before = services.rule_snapshot(rule)
        rule.active = True
        rule.notes = f"{rule.notes} (演示数据已启用)".strip()
        rule.save(update_fields=["active", "notes", "updated_at"])
        services.log_rule_change(ACTOR, "mpe_rule.update", rule, before)


def _institutions(divisions: dict[str, Division]) -> dict[str, Institution]:
    existing = {i.name: i for i in Institution.objects.all()}
    new = [Institution(name=name, kind=kind, division=divisions.get(code), certificate_prefix=prefix,
                       address=divisions[code].name if code else "北京市朝阳区北三环东路18号")
           for name, kind, code, prefix in INSTITUTIONS if name not in existing]
    Institution.objects.bulk_create(new)
    record_batch(Institution, new, "{0.name}")
    for name, _kind, _code, prefix in INSTITUTIONS:  # the foundation's city institution had no prefix
        Institution.objects.filter(name=name, certificate_prefix="").update(certificate_prefix=prefix)
    return {i.name: i for i in Institution.objects.all()}


def _staff(institutions: dict[str, Institution]) -> dict[str, tuple[User, User]]:
    """Two people per verifying institution, a verifier and a checker (demo accounts without a
    password: they sign the bulk history; the `institution` demo login signs in)."""
    people = {}
    new = []
    for index, (name, _kind, code, prefix) in enumerate(INSTITUTIONS):
        if code is None or code == "510000":
            continue
        pair = []
        for n, surname in ((1, "张"), (2, "王")):
            username = f"{prefix.lower()}-staff{n}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, role=Role.INSTITUTION_STAFF, institution=institutions[name],
                            display_name=f"{surname}{'检定' if n == 1 else '核验'}{index}")
                user.set_unusable_password()
                new.append(user)
            pair.append(user)
        people[name] = tuple(pair)
    User.objects.bulk_create(new)
    record_batch(User, new, "{0.username}")
    return {name: tuple(User.objects.get(username=u.username) for u in pair) for name, pair in people.items()}


def _standards(institutions, types, start: datetime.date, today: datetime.date) -> dict[tuple[str, str], MeasurementStandard]:
    existing = {(s.institution.name, s.name): s for s in MeasurementStandard.objects.select_related("institution")}
    wanted = []
    for family, (root, provincial) in FAMILIES.items():
        wanted.append((NATIONAL_INSTITUTE, root, family, (), "", "", True))
        wanted.append((PROVINCIAL_INSTITUTE, provincial, family, (), "", "", False))
    wanted += [(inst, name, family, codes, rng, acc, False) for inst, name, family, codes, rng, acc in WORKING_STANDARDS]
    new = []
    serial = len(existing)
    for inst, name, family, codes, measuring_range, accuracy, root in wanted:
        if (inst, name) in existing:
            continue
        serial += 1
        standard = MeasurementStandard(
            institution=institutions[inst], name=name, is_national_root=root, is_public=not root,
            approval_no="" if root else f"[{start.year}]川量标证字第{serial:04d}号",
            approval_valid_until=None if root else today + datetime.timedelta(days=730),
            measuring_range=measuring_range, accuracy=accuracy,
        )
        standard.save()
        standard.instrument_types.set([types[c] for c in codes if c in types])
        new.append(standard)
        existing[(inst, name)] = standard
    record_batch(MeasurementStandard, new, "{0.name}")
    return existing


def _calibrations(standards, institutions, start: datetime.date, today: datetime.date) -> None:
    """Every non-root standard calibrated once a year by the level above, from before the history
    starts up to today (the expired link skips the latest; the out-of-tolerance one ends in a fail)."""
    if StandardCalibration.objects.filter(standard__in=[s for s in standards.values() if not s.is_national_root]).exists():
        return
    parents = {}
    for family, (root, provincial) in FAMILIES.items():
        parents[(PROVINCIAL_INSTITUTE, provincial)] = standards[(NATIONAL_INSTITUTE, root)]
    city_weights = standards[(CITY_INSTITUTION, "电子计价秤检定装置(F1等级砝码)")]
    for inst, name, family, *_ in WORKING_STANDARDS:
        county_station = inst in COUNTY_STATIONS.values()
        parents[(inst, name)] = city_weights if county_station else standards[(PROVINCIAL_INSTITUTE, FAMILIES[family][1])]
    # Offsets by the calibrating level keep each parent's own calibration in force on the day it calibrates.
    level_offset = {NATIONAL_INSTITUTE: 0, PROVINCIAL_INSTITUTE: 60, CITY_INSTITUTION: 30}
    rows = []
    years = (today - start).days // 365 + 2
    for key, parent in parents.items():
        offset = 30 + level_offset.get(parent.institution.name, 0)
        for k in range(years, -1, -1):
            calibrated_on = today - datetime.timedelta(days=365 * k + offset)
            if key == EXPIRED_LINK and k == 0:
                continue
            result = CalibrationResult.OUT_OF_TOLERANCE if key == OUT_OF_TOLERANCE and k == 0 \
                else CalibrationResult.IN_TOLERANCE
            institution = parent.institution
            rows.append(StandardCalibration(
                standard=standards[key], reference_standard=parent, calibrating_institution=institution,
                certificate_no=f"{institution.certificate_prefix}{calibrated_on.year}-C{len(rows) + 1:05d}",
                calibrated_on=calibrated_on, valid_until=calibrated_on + datetime.timedelta(days=364),
                result=result, uncertainty="见证书",
                notes="示值超出最大允许误差，已停用待修" if result == CalibrationResult.OUT_OF_TOLERANCE else "",
            ))
    StandardCalibration.objects.bulk_create(rows)
    record_batch(StandardCalibration, rows, "{0.certificate_no}")


def _authorisations(institutions, types, divisions, start: datetime.date, today: datetime.date) -> None:
    served: dict[str, set[str]] = {}
    for inst, _name, _family, codes, *_ in WORKING_STANDARDS:
        served.setdefault(inst, set()).update(codes)
    for inst, codes in served.items():
        institution = institutions[inst]
        if AuthorisationScope.objects.filter(institution=institution).exists():
            continue
        code = next(c for name, _k, c, _p in INSTITUTIONS if name == inst)
        region = divisions["511900"] if code == "511902" else divisions[code]
        scope = AuthorisationScope.objects.create(
            institution=institution, authorisation_no=f"(川)法计({start.year - 1}){len(served):02d}{code[-2:]}号",
            issued_by="四川省市场监督管理局" if inst == CITY_INSTITUTION else "巴中市市场监督管理局",
            valid_from=start - datetime.timedelta(days=400), valid_until=today + datetime.timedelta(days=3 * 365),
        )
        scope.instrument_types.set([types[c] for c in sorted(codes) if c in types])
        scope.divisions.set([region])
        audit.record(ACTOR, "authorisation.create", scope, after=audit.snapshot(scope), division=institution.division)


def _qualifications(staff, types, start: datetime.date, today: datetime.date) -> None:
    if Qualification.objects.filter(user__in=[u for pair in staff.values() for u in pair]).exists():
        return
    rows = []
    for inst, _name, _family, codes, *_ in WORKING_STANDARDS:
        for person in staff[inst]:
            for code in codes:
                for kind in QualificationKind.values:
                    rows.append(Qualification(
                        user=person, instrument_type=types[code], kind=kind,
                        certificate_no=f"川计检字{person.pk:04d}{code[2:]}",
                        valid_from=start - datetime.timedelta(days=400), valid_until=today + datetime.timedelta(days=3 * 365)))
    Qualification.objects.bulk_create(rows, ignore_conflicts=True)
    record_batch(Qualification, rows, "{0.certificate_no}")


def desks(divisions: dict[str, Division], types, standards, staff) -> dict:
    """Who verifies each type: the county station for scales in its county, else the working
    standard's institution city-wide."""
    result = {}
    for inst, name, _family, codes, *_ in WORKING_STANDARDS:
        standard = standards[(inst, name)]
        verifier, checker = staff[inst]
        county = next((c for c, station in COUNTY_STATIONS.items() if station == inst), None)
        desk = history.Desk(standard.institution_id, standard.institution.certificate_prefix, (standard.pk,),
                            verifier.pk, checker.pk)
        for code in codes:
            if code in types:
                result[(divisions[county].pk if county else None, types[code].pk)] = desk
    return result


def reference(today: datetime.date | None = None) -> dict:
    """Institutions, staff, standards with their chains, authorisations and qualifications; the
    desks of the history. Also used by bench/verification.py."""
    today = today or _today()
    start = today - datetime.timedelta(days=HISTORY_YEARS * 365)
    divisions = {d.code: d for d in Division.objects.all()}
    types = {t.code: t for t in InstrumentType.objects.all()}
    with transaction.atomic():
        _intervals(types)
        _default_rules()
        institutions = _institutions(divisions)
        staff = _staff(institutions)
        standards = _standards(institutions, types, start, today)
        _calibrations(standards, institutions, start, today)
        _authorisations(institutions, types, divisions, start, today)
        _qualifications(staff, types, start, today)
    return {"today": today, "staff": staff, "standards": standards,
            "desks": desks(divisions, types, standards, staff)}


def showcase_instruments() -> list[Instrument]:
    return list(Instrument.objects.filter(
        owner__name=OWNER_DEMO_ORGANIZATION, type__code="MI06", status=InstrumentStatus.IN_USE,
    ).order_by("pk")[:SHOWCASE_RECORDS])


def _showcase(ref: dict, instruments: list[Instrument]) -> int:
    """A few fuel dispensers of the demo owner verified through the services (points, log)."""
    if not instruments or Verification.objects.filter(instrument__in=instruments).exists():
        return 0
    standard = ref["standards"][(CITY_INSTITUTION, "燃油加油机检定装置(二等标准金属量器)")]
    verifier, checker = ref["staff"][CITY_INSTITUTION]
    rule = MpeRule.objects.get(key="MPE001")
    on = ref["today"] - datetime.timedelta(days=3)
    certificates = []
    for n, instrument in enumerate(instruments):
        points = tuple(
            services.PointInput(expanded_uncertainty=Decimal("0.05"), mpe_rule=rule, nominal=Decimal(nominal),
                                indicated=Decimal(nominal) * (1 + Decimal(shift) / 1000), unit="L")
            for nominal, shift in (("20.00", 1 + n), ("50.00", -1), ("100.00", 2))
        )
        certificates.append(services.record_verification(verifier, standard.institution, services.VerificationInput(
            instrument=instrument, kind=VerificationKind.PERIODIC, performed_on=on, verifier=verifier,
            checker=checker, standards=(standard,), points=points, temperature_c=Decimal("21.5"),
            humidity_pct=Decimal("55.0"), issued_on=on)))
    if len(certificates) == SHOWCASE_RECORDS:
        corrected = certificates[-2]
        services.supersede(verifier, corrected, replace(services.correction_input(corrected), humidity_pct=Decimal("52.0")),
                           "相对湿度记录笔误，更正为 52.0 %")
        services.revoke(verifier, certificates[-1], "出厂编号登记错误，证书作废，须重新检定")
    return len(instruments)


def load(out) -> None:
    started = time.monotonic()
    ref = reference()
    showcased = showcase_instruments()
    showcase = _showcase(ref, showcased)
    plan = history.Plan(desks=ref["desks"], today=ref["today"], years=HISTORY_YEARS, actor=ACTOR)
    demo_instruments = Instrument.objects.filter(serial_no__startswith="D").exclude(pk__in=[i.pk for i in showcased])
    created = history.generate(plan, demo_instruments)
    with connection.cursor() as cursor:  # fresh planner statistics after a bulk load (docs/verification-due.md)
        cursor.execute("ANALYZE")
    out.write(
        f"Verification: {len(INSTITUTIONS)} institutions, {len(ref['standards'])} standards; "
        f"{created['certificates']} certificates over {created['states']} instruments created, "
        f"{showcase} through the services ({time.monotonic() - started:.1f} s; the rest was already there)."
    )
