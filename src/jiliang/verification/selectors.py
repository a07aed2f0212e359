"""Reads of verification data, each scoped to the caller; plus the traceability chain and the
suspect-impact list, which start from a certificate or a calibration the caller may read."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from jiliang.accounts.access import scope
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
    StandardCalibration,
    StandardUse,
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


def _states():
    return VerificationState.objects.select_related("certificate", "certificate__institution")


def current_state(instrument_id: int) -> VerificationState | None:
    """The standing of an instrument the caller already reads (its detail page)."""
    return _states().filter(instrument_id=instrument_id).first()


def public_state(public_code: str) -> VerificationState | None:
    """The standing shown on the public ID card, read without a user like the card itself: the
    certificate's number, conclusion, institution and validity, nothing personal."""
    return _states().filter(instrument__public_code=public_code).first()


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
        certificates(user, instrument_id=instrument.pk, status=CertificateStatus.ISSUED)
        .filter(kind__in=(CertificateKind.VERIFICATION, CertificateKind.FAILURE_NOTICE), performed_on__lte=on)
        .select_related("verification")
        .order_by("-performed_on", "-id")
        .first()
    )


def _standard_path(standard: MeasurementStandard, on: datetime.date, level: int, instrument_type,
                   institution) -> list[Link]:
    """The standard on date ``on`` and, above it, the standard that calibrated it on the date of that
    calibration, and so on to a national root."""
    links: list[Link] = []
    seen: set[int] = set()
    current, when = standard, on
    while current is not None:
        calibration = None if current.is_national_root else checks.calibration_on(current, when)
        if level == 1:  # the standard the institution used: also its own, in service and serving the type
            problems = checks.standard_use_problems(current, institution, instrument_type, when)
        else:
            problems = checks.standard_problems(current, when, calibration)
        link = Link(
            level=level, what=_("计量标准"), name=current.name, institution=current.institution.name,
            document=calibration.certificate_no if calibration else current.approval_no,
            valid_from=calibration.calibrated_on if calibration else None,
            valid_until=calibration.valid_until if calibration else current.approval_valid_until,
            on=when, problems=problems, standard_id=current.pk, is_root=current.is_national_root,
        )
        links.append(link)
        if current.is_national_root or calibration is None:
            break
        seen.add(current.pk)
        parent = calibration.reference_standard
        if parent is None:
            link.problems.append(_("校准证书 %(no)s 未记录上级计量标准，溯源链在此中断。") % {"no": calibration.certificate_no})
            break
        if parent.pk in seen or level >= MAX_CHAIN_DEPTH:
            link.problems.append(_("溯源链出现循环或过长，未到达国家计量基准。"))
            break
        current, when, level = parent, calibration.calibrated_on, level + 1
    return links


def traceability_chain(user, instrument, on: datetime.date) -> Chain:
    """The instrument's chain on a date: the certificate in force, every standard used for it, each
    standard's calibration upward to the national root, and the validity of each link."""
    certificate = certificate_on(user, instrument, on)
    if certificate is None:
        missing = Link(level=0, what=_("检定证书"), name=str(instrument), institution="", document="",
                       valid_from=None, valid_until=None, on=on,
                       problems=[_("%(date)s 时该器具没有有效的检定证书(缺失)。") % {"date": on}])
        return Chain(on=on, certificate=None, links=[missing])
    verification = certificate.verification
    problems = []
    if certificate.kind == CertificateKind.FAILURE_NOTICE:
        problems.append(_("检定结论为不合格(%(no)s)。") % {"no": certificate.number})
    elif certificate.valid_until is not None and certificate.valid_until < on:
        problems.append(_("检定证书 %(no)s 已于 %(date)s 过期。") % {"no": certificate.number, "date": certificate.valid_until})
    problems += checks.authorisation_problems(certificate.institution, certificate.instrument_type,
                                              certificate.division, certificate.performed_on)
    links = [Link(level=0, what=certificate.get_kind_display(), name=str(instrument),
                  institution=certificate.institution.name, document=certificate.number,
                  valid_from=certificate.performed_on, valid_until=certificate.valid_until, on=on, problems=problems)]
    uses = verification.standard_uses.select_related("standard", "standard__institution").order_by("standard_id")
    for use in uses:
        links += _standard_path(use.standard, certificate.performed_on, 1, certificate.instrument_type,
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


def suspect_certificates(user, window: SuspectWindow) -> QuerySet[Certificate]:
    """Every certificate (of any status) issued from a verification that used the standard inside the
    window, with its instrument and owner, among those the caller may read."""
    uses = StandardUse.objects.filter(standard=window.calibration.standard, performed_on__lte=window.until)
    if window.since is not None:
        uses = uses.filter(performed_on__gte=window.since)
    return (
        certificates(user)
        .filter(verification_id__in=uses.values("verification_id"))
        .select_related("instrument__site")
    )
