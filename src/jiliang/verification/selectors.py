"""Reads of verification data, each scoped to the caller; plus the traceability chain and the
suspect-impact list, which start from a certificate or a calibration the caller may read."""

import datetime
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter

from django.db import connection
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from jiliang.accounts.access import scope
from jiliang.accounts.models import Division
from jiliang.verification import checks
from jiliang.verification.models import (
    AuthorisationScope,
    CalibrationResult,
    Certificate,
    CertificateKind,
    CertificateStatus,
    Institution,
    MeasurementStandard,
    MpeRule,
    Qualification,
    RequestStatus,
    StandardCalibration,
    StandardUse,
    TrustAnchorProposal,
    Verification,
    VerificationRequest,
    VerificationState,
)

# How far up a chain is followed before it is called broken (national roots are 3–5 levels up).
MAX_CHAIN_DEPTH = 12


def institutions(user, *, text: str | None = None) -> QuerySet[Institution]:
    queryset = scope(Institution.objects.select_related("division"), user)
    if text:
        queryset = queryset.filter(Q(name__icontains=text) | Q(uscc__istartswith=text))
    return queryset


def authorisations(user, institution: Institution) -> QuerySet[AuthorisationScope]:
    return (scope(AuthorisationScope.objects.filter(institution=institution), user)
            .prefetch_related("instrument_types", "divisions"))


def qualifications(user, *, institution_id: int | None = None, user_id: int | None = None) -> QuerySet[Qualification]:
    queryset = scope(Qualification.objects.select_related("user", "instrument_type", "user__institution"), user)
    if institution_id:
        queryset = queryset.filter(user__institution_id=institution_id)
    if user_id:
        queryset = queryset.filter(user_id=user_id)
    return queryset


def standards(user, *, institution_id: int | None = None, type_code: str | None = None,
              text: str | None = None) -> QuerySet[MeasurementStandard]:
    queryset = scope(MeasurementStandard.objects.select_related("institution"), user)
    if institution_id:
        queryset = queryset.filter(institution_id=institution_id)
    if type_code:
        queryset = queryset.filter(instrument_types__code=type_code)
    if text:
        queryset = queryset.filter(Q(name__icontains=text) | Q(approval_no__icontains=text))
    return queryset


def calibrations(user, standard: MeasurementStandard) -> QuerySet[StandardCalibration]:
    return scope(
        StandardCalibration.objects.filter(standard=standard)
        .select_related("reference_standard", "reference_standard__institution", "calibrating_institution"),
        user,
    )


def all_calibrations(user) -> QuerySet[StandardCalibration]:
    return scope(StandardCalibration.objects.select_related("standard", "standard__institution"), user)


def mpe_rules(user, *, type_code: str | None = None, active: bool | None = None) -> QuerySet[MpeRule]:
    queryset = scope(MpeRule.objects.prefetch_related("instrument_types"), user)
    if type_code:
        queryset = queryset.filter(instrument_types__code=type_code)
    if active is not None:
        queryset = queryset.filter(active=active)
    return queryset


def proposals(user, *, status: str | None = None) -> QuerySet[TrustAnchorProposal]:
    queryset = scope(TrustAnchorProposal.objects.select_related(
        "institution", "standard", "proposed_by", "decided_by"), user)
    return queryset.filter(status=status) if status else queryset


def requests(user, *, status: str | None = None) -> QuerySet[VerificationRequest]:
    queryset = scope(VerificationRequest.objects.select_related("owner", "institution", "requested_by"), user)
    return queryset.filter(status=status) if status else queryset


def verifications(user, *, instrument_id: int | None = None, conclusion: str | None = None,
                  ) -> QuerySet[Verification]:
    queryset = scope(
        Verification.objects.select_related("instrument", "instrument_type", "institution", "owner", "verifier",
                                            "checker", "certificate"),
        user,
    )
    if instrument_id:
        queryset = queryset.filter(instrument_id=instrument_id)
    if conclusion:
        queryset = queryset.filter(conclusion=conclusion)
    return queryset


def certificates(user, *, number: str | None = None, instrument_id: int | None = None, kind: str | None = None,
                 status: str | None = None) -> QuerySet[Certificate]:
    queryset = scope(
        Certificate.objects.select_related("institution", "instrument", "instrument_type", "owner", "division"),
        user,
    )
    if number:
        queryset = queryset.filter(number=number.strip())
    if instrument_id:
        queryset = queryset.filter(instrument_id=instrument_id)
    if kind:
        queryset = queryset.filter(kind=kind)
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def accepted_without_record(user) -> QuerySet[VerificationRequest]:
    """Accepted requests no verification record has been entered for yet: the institution's work in hand."""
    recorded = Verification.objects.filter(request_id=OuterRef("pk"))
    return requests(user, status=RequestStatus.ACCEPTED).filter(~Exists(recorded))


def standards_due_for_calibration(user, institution_id: int, on: datetime.date,
                                  within_days: int) -> QuerySet[MeasurementStandard]:
    """An institution's standards in service whose latest calibration runs out within ``within_days``
    of ``on`` (or already has, or never was recorded); the national roots end every chain and are not due."""
    horizon = on + datetime.timedelta(days=within_days)
    return (
        standards(user, institution_id=institution_id)
        .filter(in_service=True, is_national_root=False)
        .annotate(calibrated_until=Max("calibrations__valid_until"))
        .filter(Q(calibrated_until__lt=horizon) | Q(calibrated_until__isnull=True))
    )

def _state(**condition) -> VerificationState | None:
    """The one standing matching ``condition`` (an instrument has at most one, so no ORDER BY), with
    only what verification/public_validity.html shows: Django compiling the certificate's and the
    institution's every column and an ORDER BY was about half of this query's CPU."""
    rows = (VerificationState.objects.filter(**condition).select_related("certificate__institution")
            .only("verified_on", "conclusion", "valid_until", "certificate__number", "certificate__institution__name"))
    return next(iter(rows[:1]), None)


def current_state(instrument_id: int) -> VerificationState | None:
    """The standing of an instrument the caller already reads (its detail page)."""
    return _state(instrument_id=instrument_id)


def public_state(public_code: str) -> VerificationState | None:
    """The standing shown on the public ID card, read without a user like the card itself: the
    certificate's number, conclusion, institution and validity, nothing personal."""
    return _state(instrument__public_code=public_code)


# ---------------------------------------------------------------------------------------------
# The traceability chain

@dataclass
class Link:
    """One link: the certificate, or a standard with the calibration in force at the date it was
    used. ``problems`` names what breaks the link (expired, outside scope, missing)."""

    level: int
    what: str
    name: str
    institution: str
    document: str
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    on: datetime.date
    problems: list[str] = field(default_factory=list)
    standard_id: int | None = None
    is_root: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Chain:
    on: datetime.date
    certificate: Certificate | None
    links: list[Link]  # the certificate first, then each standard's path up, depth-first

    @property
    def broken_links(self) -> list[Link]:
        return [link for link in self.links if not link.ok]

    @property
    def intact(self) -> bool:
        return not self.broken_links


def certificate_on(user, instrument, on: datetime.date) -> Certificate | None:
    """The verification certificate or failure notice in force for the instrument on that date."""
    return (
        scope(Certificate.objects.select_related("institution", "instrument_type", "division"), user)
        .filter(instrument_id=instrument.pk, status=CertificateStatus.ISSUED,
                kind__in=(CertificateKind.VERIFICATION, CertificateKind.FAILURE_NOTICE), performed_on__lte=on)
        .order_by("-performed_on", "-id")
        .first()
    )


def _chain_sql() -> str:
    """One recursive query for every standard used in a verification and each one's path upward,
    with the certifying institution's authorisation on each row.

    Each step finds the standard's calibration in force on the step's date (its latest calibration
    on or before it, like ``checks.calibration_on``) and climbs to that calibration's reference
    standard, judged on the calibration's date; it stops at a national root, a missing calibration
    or reference standard, or MAX_CHAIN_DEPTH (a loop). ``authorised``/``covered`` are
    ``checks.authorisation_problems``'s two questions (a division covers its subtree: its path is a
    prefix). Standard SQL (WITH RECURSIVE, correlated subqueries), the same on SQLite and
    PostgreSQL; parameters: the verification; the instrument type; institution, type, date, date
    (authorised); institution, type, date, date, division path (covered)."""
    quote = connection.ops.quote_name
    calibration, standard = quote(StandardCalibration._meta.db_table), quote(MeasurementStandard._meta.db_table)
    institution, use = quote(Institution._meta.db_table), quote(StandardUse._meta.db_table)
    serves = quote(MeasurementStandard.instrument_types.through._meta.db_table)
    scopes = quote(AuthorisationScope._meta.db_table)
    scope_types = quote(AuthorisationScope.instrument_types.through._meta.db_table)
    scope_divisions = quote(AuthorisationScope.divisions.through._meta.db_table)
    division = quote(Division._meta.db_table)

    def in_force(standard_id: str, on: str) -> str:
        return (f"(SELECT k.id FROM {calibration} k WHERE k.standard_id = {standard_id} AND k.calibrated_on <= {on} "
                f"ORDER BY k.calibrated_on DESC, k.id DESC LIMIT 1)")

    in_force_for_type = f"{scopes} a JOIN {scope_types} t ON t.authorisationscope_id = a.id"
    conditions = "a.institution_id = %s AND t.instrumenttype_id = %s AND a.valid_from <= %s AND a.valid_until >= %s"
    return f"""
        WITH RECURSIVE chain(start_id, level, standard_id, calibration_id) AS (
            SELECT u.standard_id, 1, u.standard_id, {in_force("u.standard_id", "u.performed_on")}
            FROM {use} u WHERE u.verification_id = %s
            UNION ALL
            SELECT chain.start_id, chain.level + 1, c.reference_standard_id,
                   {in_force("c.reference_standard_id", "c.calibrated_on")}
            FROM chain
            JOIN {calibration} c ON c.id = chain.calibration_id
            JOIN {standard} s ON s.id = chain.standard_id
            WHERE chain.level < {MAX_CHAIN_DEPTH} AND c.reference_standard_id IS NOT NULL AND NOT s.is_national_root
        )
        SELECT chain.start_id, chain.level, s.id, s.name, s.institution_id, i.name, s.approval_no,
               s.approval_valid_until, s.is_national_root, s.in_service,
               EXISTS (SELECT 1 FROM {serves} t WHERE t.measurementstandard_id = s.id AND t.instrumenttype_id = %s),
               c.id, c.certificate_no, c.calibrated_on, c.valid_until, c.result, c.reference_standard_id,
               EXISTS (SELECT 1 FROM {in_force_for_type} WHERE {conditions}),
               EXISTS (SELECT 1 FROM {in_force_for_type}
                       JOIN {scope_divisions} ad ON ad.authorisationscope_id = a.id JOIN {division} d ON d.id = ad.division_id
                       WHERE {conditions} AND substr(%s, 1, length(d.path)) = d.path)
        FROM chain
        JOIN {standard} s ON s.id = chain.standard_id
        JOIN {institution} i ON i.id = s.institution_id
        LEFT JOIN {calibration} c ON c.id = chain.calibration_id
        ORDER BY chain.start_id, chain.level
    """


def _date(value) -> datetime.date | None:
    """A date column read through a raw cursor (SQLite returns the ISO text)."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


@dataclass
class _Step:
    """One row of the chain query: a standard, and the calibration in force on the step's date."""

    start_id: int
    level: int
    standard: MeasurementStandard
    institution_name: str
    serves_type: bool
    calibration: StandardCalibration | None

    @classmethod
    def of(cls, row) -> "_Step":
        (start_id, level, standard_id, name, institution_id, institution_name, approval_no, approval_valid_until,
         is_root, in_service, serves_type, calibration_id, certificate_no, calibrated_on, valid_until, result,
         reference_id) = row[:17]
        standard = MeasurementStandard(id=standard_id, name=name, institution_id=institution_id,
                                       approval_no=approval_no, approval_valid_until=_date(approval_valid_until),
                                       is_national_root=bool(is_root), in_service=bool(in_service))
        calibration = None if calibration_id is None or standard.is_national_root else StandardCalibration(
            id=calibration_id, standard_id=standard_id, certificate_no=certificate_no,
            calibrated_on=_date(calibrated_on), valid_until=_date(valid_until), result=result,
            reference_standard_id=reference_id)
        return cls(start_id, level, standard, institution_name, bool(serves_type), calibration)


def _standard_path(steps: list[_Step], on: datetime.date, instrument_type, institution) -> list[Link]:
    """The links of one standard used on date ``on`` and, above it, the standard that calibrated it
    on the date of that calibration, and so on to a national root."""
    links: list[Link] = []
    seen: set[int] = set()
    when = on
    for step in steps:
        current, calibration = step.standard, step.calibration
        problems = checks.standard_problems(current, when, calibration)
        if step.level == 1:  # the standard the institution used: also its own, in service and serving the type
            problems = checks.standard_holding_problems(current, institution, instrument_type,
                                                        step.serves_type) + problems
        link = Link(
            level=step.level, what=_("计量标准"), name=current.name, institution=step.institution_name,
            document=calibration.certificate_no if calibration else current.approval_no,
            valid_from=calibration.calibrated_on if calibration else None,
            valid_until=calibration.valid_until if calibration else current.approval_valid_until,
            on=when, problems=problems, standard_id=current.pk, is_root=current.is_national_root,
        )
        links.append(link)
        if current.is_national_root or calibration is None:
            break
        seen.add(current.pk)
        parent_id = calibration.reference_standard_id
        if parent_id is None:
            link.problems.append(_("校准证书 %(no)s 未记录上级计量标准，溯源链在此中断。") % {"no": calibration.certificate_no})
            break
        if parent_id in seen or step.level >= MAX_CHAIN_DEPTH:
            link.problems.append(_("溯源链出现循环或过长，未到达国家计量基准。"))
            break
        when = calibration.calibrated_on
    return links


def traceability_chain(user, instrument, on: datetime.date) -> Chain:
    """The instrument's chain on a date: the certificate in force, every standard used for it, each
    standard's calibration upward to the national root, and the validity of each link. Two
    queries: the certificate, then the standards' paths with the authorisation (_chain_sql)."""
    certificate = certificate_on(user, instrument, on)
    if certificate is None:
        missing = Link(level=0, what=_("检定证书"), name=str(instrument), institution="", document="",
                       valid_from=None, valid_until=None, on=on,
                       problems=[_("%(date)s 时该器具没有有效的检定证书(缺失)。") % {"date": on}])
        return Chain(on=on, certificate=None, links=[missing])
    problems = []
    if certificate.kind == CertificateKind.FAILURE_NOTICE:
        problems.append(_("检定结论为不合格(%(no)s)。") % {"no": certificate.number})
    elif certificate.valid_until is not None and certificate.valid_until < on:
        problems.append(_("检定证书 %(no)s 已于 %(date)s 过期。") % {"no": certificate.number, "date": certificate.valid_until})
    institution, instrument_type, division = certificate.institution, certificate.instrument_type, certificate.division
    authorisation = [institution.pk, instrument_type.pk, *[connection.ops.adapt_datefield_value(certificate.performed_on)] * 2]
    with connection.cursor() as cursor:
        cursor.execute(_chain_sql(), [certificate.verification_id, instrument_type.pk, *authorisation, *authorisation,
                                      division.path if division else ""])
        rows = cursor.fetchall()
    steps = [_Step.of(row) for row in rows]
    if rows:  # every row carries the authorisation's two answers
        authorised, covered = bool(rows[0][17]), division is None or bool(rows[0][18])
        problems += checks.authorisation_verdict(authorised, covered, institution, instrument_type, division,
                                                 certificate.performed_on)
    else:  # a record without standards (never written by the services): ask on its own
        problems += checks.authorisation_problems(institution, instrument_type, division, certificate.performed_on)
    links = [Link(level=0, what=certificate.get_kind_display(), name=str(instrument),
                  institution=institution.name, document=certificate.number,
                  valid_from=certificate.performed_on, valid_until=certificate.valid_until, on=on, problems=problems)]
    for _start, path in groupby(steps, key=attrgetter("start_id")):
        links += _standard_path(list(path), certificate.performed_on, certificate.instrument_type,
                                certificate.institution)
    return Chain(on=on, certificate=certificate, links=links)


# ---------------------------------------------------------------------------------------------
# Suspect impact

@dataclass
class SuspectWindow:
    calibration: StandardCalibration
    since: datetime.date | None  # the last good calibration before it; None: since the first use
    until: datetime.date
    downstream: list[StandardCalibration]  # other standards calibrated with it in the window


def suspect_window(calibration: StandardCalibration) -> SuspectWindow:
    """The period a standard found out of tolerance may already have been wrong: from its last good
    calibration before this one, up to this one."""
    last_good = (
        StandardCalibration.objects.filter(standard=calibration.standard, result=CalibrationResult.IN_TOLERANCE,
                                           calibrated_on__lt=calibration.calibrated_on)
        .order_by("-calibrated_on", "-id").first()
    )
    since = last_good.calibrated_on if last_good else None
    downstream = StandardCalibration.objects.filter(reference_standard=calibration.standard,
                                                    calibrated_on__lte=calibration.calibrated_on)
    if since is not None:
        downstream = downstream.filter(calibrated_on__gte=since)
    return SuspectWindow(calibration=calibration, since=since, until=calibration.calibrated_on,
                         downstream=list(downstream.select_related("standard", "standard__institution")))


# The columns of the certificate list (its page and export), read as plain values.
CERTIFICATE_LIST_COLUMNS = (
    "id", "number", "kind", "status", "performed_on", "valid_until", "institution__name",
    "instrument__public_code", "instrument__serial_no", "instrument_type__name_zh", "owner__name", "division__name",
)


# The columns of the recall list (its page and export): the certificate, its instrument, site and
# owner (whom to recall), read as plain values: 100,000 rows build no model instances.
SUSPECT_COLUMNS = (
    "id", "number", "kind", "status", "performed_on", "valid_until", "institution__name",
    "instrument__public_code", "instrument__serial_no", "instrument__site__name", "instrument_type__name_zh",
    "owner__name", "owner__contact_name", "owner__contact_phone", "division__name",
)


def suspect_certificates(user, window: SuspectWindow, columns: tuple[str, ...] = SUSPECT_COLUMNS) -> QuerySet[dict]:
    """Every certificate (of any status) issued from a verification that used the standard inside the
    window, among those the caller may read: ``columns`` as dicts, ordered by date. The uses come
    from a range scan of the (standard, performed_on, verification) index; each certificate from
    its unique verification_id."""
    uses = StandardUse.objects.filter(standard=window.calibration.standard, performed_on__lte=window.until)
    if window.since is not None:
        uses = uses.filter(performed_on__gte=window.since)
    return (
        scope(Certificate.objects.filter(verification_id__in=uses.values("verification_id")), user)
        .values(*columns)
        .order_by("performed_on", "id")
    )
