"""Synthetic verification history for `jiliang demo` and bench/verification.py: years of records,
certificates (passes and failures) and the per-instrument VerificationState over existing
instruments, written in bulk batches, each batch one transaction with one audit event.

A ``Desk`` says who verifies a type in a county: the institution, the standard it uses, a verifier
and a checker (``desks[(county_id, type_id)]``, falling back to ``desks[(None, type_id)]``). Each
instrument's history follows its type's interval from its installation (or from ``years`` back):
mostly renewed a little before expiry, sometimes late, sometimes failed and re-verified after
repair, sometimes not renewed at all (overdue) or never verified. The same seed and instruments
give the same history. Certificate numbers continue each institution's yearly counter. Each
certificate goes on the transparency log in its batch's transaction, with the document the
services log when they issue one (``Plan.logged``; the benchmark leaves it off).
"""

import datetime
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from jiliang.accounts import audit
from jiliang.ledger import services as ledger
from jiliang.registry.importing import bulk
from jiliang.registry.models import Instrument, InstrumentType, Organization, VerificationMode
from jiliang.verification.models import (
    CERTIFICATE_LETTERS,
    Certificate,
    CertificateCounter,
    CertificateKind,
    CertificateStatus,
    Conclusion,
    DecisionRule,
    Institution,
    MpeRule,
    StandardUse,
    TestPoint,
    Verification,
    VerificationKind,
    VerificationState,
)
from jiliang.verification.services import LEDGER_KIND, RULE_KINDS_FOR, add_months, ledger_document, names_as_issued

BATCH_INSTRUMENTS = 2000


@dataclass(frozen=True)
class Desk:
    institution_id: int
    certificate_prefix: str
    standard_ids: tuple[int, ...]
    verifier_id: int
    checker_id: int


@dataclass(frozen=True)
class Shares:
    """How often each thing happens: per instrument (never, overdue) or per verification (fail, late)."""

    never_verified: float = 0.02
    overdue: float = 0.06
    failure: float = 0.03
    late: float = 0.05


@dataclass
class Plan:
    desks: dict[tuple[int | None, int], Desk]
    today: datetime.date
    years: float = 4.0
    shares: Shares = field(default_factory=Shares)
    test_points: bool = True
    logged: bool = True  # each certificate on the transparency log, as the services put it there
    seed: int = 20261126
    actor: str = "demo"

    def desk(self, county_id: int, type_id: int) -> Desk | None:
        return self.desks.get((county_id, type_id)) or self.desks.get((None, type_id))


@dataclass(frozen=True)
class Visit:
    """One verification in an instrument's history."""

    performed_on: datetime.date
    kind: str
    passed: bool


def visits(rng: random.Random, install: datetime.date, months: int | None, start: datetime.date,
           today: datetime.date, shares: Shares, periodic: bool = True) -> list[Visit]:
    """One instrument's verifications up to ``today`` (pure; the plan of its history). A type
    verified only once (scrapped when it fails, or replaced at the end of a limited life) is
    verified when installed; a periodic one installed before the history starts is somewhere in its
    cycle when it does."""
    if rng.random() < shares.never_verified:
        return []
    if install >= start or not (periodic and months):
        day, kind = install + datetime.timedelta(days=rng.randrange(1, 30)), VerificationKind.INITIAL
    else:
        day, kind = start + datetime.timedelta(days=rng.randrange(months * 30)), VerificationKind.PERIODIC
    history: list[Visit] = []
    while day <= today:
        passed = rng.random() >= shares.failure
        history.append(Visit(day, kind, passed))
        if not passed:  # repaired and verified again two or three weeks later
            day, kind = day + datetime.timedelta(days=rng.randrange(10, 25)), VerificationKind.SUBSEQUENT
            continue
        if not (periodic and months):
            break
        expires = add_months(day, months)
        late = rng.random() < shares.late
        day = expires + datetime.timedelta(days=rng.randrange(5, 90) if late else -rng.randrange(1, 25))
        kind = VerificationKind.PERIODIC
    if months and history and history[-1].passed and rng.random() < shares.overdue:
        # Not renewed: the latest verification's certificate expires before today.
        while history and add_months(history[-1].performed_on, months) > today:
            history.pop()
    return history


def interval_of(instrument_type: InstrumentType) -> int | None:
    if instrument_type.verification_mode == VerificationMode.INITIAL_ONLY_SCRAP:
        return None
    return instrument_type.verification_interval_months


def is_periodic(instrument_type: InstrumentType) -> bool:
    return instrument_type.verification_mode == VerificationMode.PERIODIC


def _batches(queryset, size: int) -> Iterator[list[dict]]:
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk")[:size])
        if not rows:
            return
        yield rows
        last = rows[-1]["id"]


class _Counters:
    """Each institution's last serial per year, continued from CertificateCounter and saved back."""

    def __init__(self):
        self.last = {(c.institution_id, c.year): c.last_serial for c in CertificateCounter.objects.all()}
        self.touched: set[tuple[int, int]] = set()

    def next(self, institution_id: int, year: int) -> int:
        key = (institution_id, year)
        self.last[key] = self.last.get(key, 0) + 1
        self.touched.add(key)
        return self.last[key]

    def save(self) -> None:
        for institution_id, year in self.touched:
            serial = self.last[(institution_id, year)]
            updated = CertificateCounter.objects.filter(institution_id=institution_id, year=year).update(
                last_serial=serial)
            if not updated:
                CertificateCounter.objects.create(institution_id=institution_id, year=year, last_serial=serial)
        self.touched.clear()


def _points(rng: random.Random, rule: MpeRule | None, passed: bool, verification_id: int) -> list[dict]:
    if rule is None:
        return []
    upper = rule.upper
    points = []
    for position in range(1, 4):
        share = Decimal(rng.randrange(-60, 61)) / 100
        if rule.lower >= 0:  # a one-sided limit (a repeatability, a maximum)
            share = abs(share)
        if not passed and position == 2:
            share = Decimal("1.35")
        error = (upper * share).quantize(Decimal("0.000001"))
        points.append({
            "verification_id": verification_id, "position": position, "quantity": rule.quantity,
            "mpe_rule_id": rule.pk, "nominal": None, "indicated": None, "unit": "", "error": error,
            "error_unit": rule.unit, "expanded_uncertainty": (upper / 5).quantize(Decimal("0.000001")),
            "coverage_factor": Decimal("2"), "mpe_lower": rule.lower, "mpe_upper": rule.upper,
            "mpe_error_basis": rule.error_basis, "mpe_regulation": f"{rule.regulation} {rule.clause}".strip(),
            "conforms": rule.lower <= error <= upper, "near_limit": False,
        })
    return points


def generate(plan: Plan, instruments: Iterable | None = None,
             progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Write the history of ``instruments`` (a queryset, default every instrument) that has none yet;
    returns how many verifications, certificates and states were created."""
    progress = progress or (lambda done, total: None)
    rng = random.Random(plan.seed)
    start = plan.today - datetime.timedelta(days=round(plan.years * 365))
    types = {t.pk: t for t in InstrumentType.objects.all()}
    months = {pk: interval_of(t) for pk, t in types.items()}
    periodic = {pk: is_periodic(t) for pk, t in types.items()}
    rules: dict[tuple[int, str], MpeRule] = {}  # (type, verification kind): the first rule that may decide it
    if plan.test_points:
        for rule in MpeRule.objects.filter(active=True, lower__isnull=False).prefetch_related("instrument_types"):
            kinds = [kind for kind, allowed in RULE_KINDS_FOR.items() if rule.verification_kind in allowed]
            for instrument_type in rule.instrument_types.all():
                for kind in kinds:
                    rules.setdefault((instrument_type.pk, kind), rule)
    queryset = (instruments if instruments is not None else Instrument.objects.all()).values(
        "id", "type_id", "owner_id", "division_id", "county_id", "install_date", "accuracy_class")
    total = queryset.count()
    counters = _Counters()
    created = {"verifications": 0, "certificates": 0, "states": 0}
    done = 0
    for batch in _batches(queryset, BATCH_INSTRUMENTS):
        planned = []
        for row in batch:
            desk = plan.desk(row["county_id"], row["type_id"])
            install = row["install_date"] or start
            history = visits(rng, install, months[row["type_id"]], start, plan.today, plan.shares,
                             periodic[row["type_id"]])
            if desk is not None and history:
                planned.append((row, desk, history))
        done += len(batch)
        ids = [row["id"] for row, _, _ in planned]
        if ids and not Verification.objects.filter(instrument_id__in=ids).exists():
            with transaction.atomic():
                counts = _write(plan, rng, planned, months, rules, counters)
                counters.save()
                audit.record(plan.actor, f"{plan.actor}.load", object_type=Certificate._meta.label, object_id="",
                             object_repr=f"{counts['certificates']} × {Certificate._meta.verbose_name}",
                             after=counts | {"first_instrument": ids[0], "last_instrument": ids[-1]})
            for name, count in counts.items():
                created[name] += count
        progress(done, total)
    return created


def _write(plan: Plan, rng: random.Random, planned: list, months: dict, rules: dict, counters: _Counters) -> dict:
    count = sum(len(history) for _, _, history in planned)
    verification_ids = iter(bulk.reserve_ids(Verification, count))
    certificate_ids = iter(bulk.reserve_ids(Certificate, count))
    verifications, certificates, uses, points, states = [], [], [], [], []
    institutions = Institution.objects.in_bulk({desk.institution_id for _, desk, _ in planned})
    owners = Organization.objects.in_bulk({row["owner_id"] for row, _, _ in planned})
    for row, desk, history in planned:
        for visit in history:
            verification_id, certificate_id = next(verification_ids), next(certificate_ids)
            conclusion = Conclusion.PASS if visit.passed else Conclusion.FAIL
            verifications.append({
                "id": verification_id, "instrument_id": row["id"], "institution_id": desk.institution_id,
                "owner_id": row["owner_id"], "division_id": row["division_id"],
                "instrument_type_id": row["type_id"], "request_id": None, "kind": visit.kind,
                "performed_on": visit.performed_on, "verifier_id": desk.verifier_id,
                "checker_id": desk.checker_id, "accuracy_class": row["accuracy_class"], "scale_interval": None, "k_factor": None,
                "temperature_c": Decimal(rng.randrange(150, 280)) / 10,
                "humidity_pct": Decimal(rng.randrange(350, 750)) / 10, "environment_note": "",
                "decision_rule": DecisionRule.SIMPLE_ACCEPTANCE, "conclusion": conclusion, "near_limit": False,
                "remarks": "", "recorded_by_id": desk.verifier_id,
            })
            issued_on = min(visit.performed_on + datetime.timedelta(days=rng.randrange(0, 3)), plan.today)
            kind = CertificateKind.VERIFICATION if visit.passed else CertificateKind.FAILURE_NOTICE
            serial = counters.next(desk.institution_id, issued_on.year)
            interval = months[row["type_id"]]
            valid_until = add_months(visit.performed_on, interval) - datetime.timedelta(days=1) \
                if visit.passed and interval else None
            certificates.append({
                "id": certificate_id, "verification_id": verification_id, "institution_id": desk.institution_id,
                "year": issued_on.year, "serial": serial,
                "number": f"{desk.certificate_prefix}{issued_on.year}-{CERTIFICATE_LETTERS[kind]}{serial:06d}",
                "kind": kind, "instrument_id": row["id"], "owner_id": row["owner_id"],
                "division_id": row["division_id"], "instrument_type_id": row["type_id"],
                "performed_on": visit.performed_on, "issued_on": issued_on, "valid_until": valid_until,
                "supersedes_id": None, "correction_reason": "", "issued_by_id": desk.verifier_id,
                "status": CertificateStatus.ISSUED, "revoked_at": None, "revoked_by_id": None,
                "revocation_reason": "",
            } | names_as_issued(institutions[desk.institution_id], owners[row["owner_id"]]))
            uses += [{"verification_id": verification_id, "standard_id": standard_id,
                      "performed_on": visit.performed_on} for standard_id in desk.standard_ids]
            points += _points(rng, rules.get((row["type_id"], visit.kind)), visit.passed, verification_id)
        last = certificates[-1]
        states.append({"instrument_id": row["id"], "certificate_id": last["id"], "verified_on": last["performed_on"],
                       "conclusion": verifications[-1]["conclusion"], "valid_until": last["valid_until"],
                       # the instrument's copies: the insert trigger fills them (state_copies)
                       "county_id": None, "instrument_type_id": None, "in_use": False})
    for point, point_id in zip(points, bulk.reserve_ids(TestPoint, len(points)), strict=True):
        point["id"] = point_id
    bulk.insert(Verification, verifications, with_pk=True)
    bulk.insert(Certificate, certificates, with_pk=True)
    bulk.insert(StandardUse, uses)
    bulk.insert(TestPoint, points, with_pk=True)
    bulk.insert(VerificationState, states, with_pk=True)
    if plan.logged:
        _log(verifications, certificates, uses, points)
    return {"verifications": len(verifications), "certificates": len(certificates), "states": len(states)}


def _log(verifications: list[dict], certificates: list[dict], uses: list[dict], points: list[dict]) -> None:
    """Put the batch's certificates on the transparency log with the document the services log
    for an issue (``services.ledger_document``), in one ``append_many``. The insert stamped the
    batch's timestamps; they are read back from one row, as they are part of the documents."""
    (issued_at,) = Certificate.objects.filter(pk=certificates[0]["id"]).values_list("issued_at").get()
    (recorded_at,) = Verification.objects.filter(pk=verifications[0]["id"]).values_list("recorded_at").get()
    public_codes = dict(Instrument.objects.filter(pk__in={c["instrument_id"] for c in certificates})
                        .values_list("id", "public_code"))
    standards_of: dict[int, list[int]] = {}
    for use in uses:
        standards_of.setdefault(use["verification_id"], []).append(use["standard_id"])
    points_of: dict[int, list[dict]] = {}
    for point in points:
        points_of.setdefault(point["verification_id"], []).append(audit.snapshot_values(TestPoint, point))
    documents = []
    for verification, certificate in zip(verifications, certificates, strict=True):
        verification["recorded_at"], certificate["issued_at"] = recorded_at, issued_at
        documents.append(ledger_document(
            audit.snapshot_values(Certificate, certificate), "issue", public_codes[certificate["instrument_id"]],
            audit.snapshot_values(Verification, verification), standards_of.get(verification["id"], []),
            points_of.get(verification["id"], [])))
    ledger.append_many(LEDGER_KIND, documents)
