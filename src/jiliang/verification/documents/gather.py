"""The content gatherer: one certificate's rows read once into ``CertificateContents``, which the
DCC XML and the PDF both render, so the two documents can never disagree."""

from __future__ import annotations

import hashlib

from django.conf import settings

from jiliang.accounts import audit
from jiliang.ledger import selectors as ledger
from jiliang.ledger.entries import canonical_json
from jiliang.registry.regulations import regulation_references
from jiliang.verification import mpe_words, public_check, public_views
from jiliang.verification.models import Certificate, CertificateStatus, StandardCalibration
from jiliang.verification.services import LEDGER_KIND, ledger_document

from .contents import Authorisation, CertificateContents, Item, Party, Point, StandardUsed


def _person(user) -> str:
    if user is None:
        return ""
    return user.display_name or user.get_username()


def check_url(certificate: Certificate) -> str:
    """The public page a QR code on the document opens: the certificate's check, number and check
    code filled in (docs/public-check.md)."""
    path = public_views.check_url(certificate.number, public_check.code_of(certificate.number))
    return settings.JILIANG_SITE_URL.rstrip("/") + path


def _standards(verification) -> list[StandardUsed]:
    uses = verification.standard_uses.select_related("standard").order_by("standard__name", "standard_id")
    standards = []
    for use in uses:
        standard = use.standard
        calibration = (
            StandardCalibration.objects.filter(standard=standard, calibrated_on__lte=use.performed_on)
            .select_related("calibrating_institution").order_by("-calibrated_on", "-id").first()
        )
        standards.append(StandardUsed(
            name=standard.name, approval_no=standard.approval_no, measuring_range=standard.measuring_range,
            accuracy=standard.accuracy,
            calibration_no=calibration.certificate_no if calibration else "",
            calibration_valid_until=calibration.valid_until if calibration else None,
            calibrated_by=calibration.calibrating_institution.name if calibration else "",
        ))
    return standards


def _points(verification) -> tuple[list[Point], list[str]]:
    points, regulations = [], []
    for point in verification.test_points.order_by("position"):
        # The regulation the point was judged by, as copied at the decision: a later edit of the rule
        # does not rewrite an issued certificate.
        regulation = regulation_references(point.mpe_regulation)
        if regulation and regulation not in regulations:
            regulations.append(regulation)
        points.append(Point(
            position=point.position, quantity=mpe_words.quantity_zh(point.quantity), nominal=point.nominal,
            indicated=point.indicated,
            unit=point.unit, error=point.error, error_unit=point.error_unit,
            expanded_uncertainty=point.expanded_uncertainty, coverage_factor=point.coverage_factor,
            mpe_lower=point.mpe_lower, mpe_upper=point.mpe_upper, conforms=point.conforms,
        ))
    return points, regulations


# What a later supersede or revoke changes on the certificate row: restored to their values at issue.
AT_ISSUE = {"status": CertificateStatus.ISSUED.value, "revoked_at": None, "revoked_by_id": None,
            "revocation_reason": ""}

# Keys the snapshots gained after certificates were first logged, newest first, with the migration
# that added them: a certificate logged before holds a document without them, whose digest the log
# keeps. The builder tries today's shape, then each older one.
LATER_KEYS = (
    ("", frozenset({"institution_name", "institution_address", "institution_uscc", "owner_name", "owner_address",
                    "owner_uscc"})),  # 0014_certificate_names_as_issued ("": the certificate's own keys)
    ("verification", frozenset({"k_factor"})),  # 0013_verification_k_factor
    ("test_points", frozenset({"mpe_error_basis", "mpe_regulation"})),  # 0010_rule_kinds_and_copies
)


def _without(document: dict, part: str, keys: frozenset[str]) -> dict:
    def trimmed(snapshot: dict) -> dict:
        return {key: value for key, value in snapshot.items() if key not in keys}
    if not part:
        return trimmed(document)
    value = document[part]
    return document | {part: [trimmed(item) for item in value] if isinstance(value, list) else trimmed(value)}


def _shapes(document: dict) -> list[bytes]:
    """The document's canonical JSON as each builder version wrote it, today's first."""
    shapes = [canonical_json(document)]
    for part, keys in LATER_KEYS:
        document = _without(document, part, keys)
        shapes.append(canonical_json(document))
    return shapes


def issue_log_document(certificate: Certificate) -> bytes:
    """The canonical JSON of the document the certificate's issue entry digests
    (``services.ledger_document`` with event "issue"), rebuilt from the stored rows in the shape
    whose digest the log holds for the certificate (today's when none does)."""
    verification = certificate.verification
    document = ledger_document(
        audit.snapshot(certificate) | AT_ISSUE, "issue", certificate.instrument.public_code,
        audit.snapshot(verification), verification.standard_uses.values_list("standard_id", flat=True),
        [audit.snapshot(point) for point in verification.test_points.order_by("position")],
    )
    shapes = _shapes(document)
    logged = ledger.digests_of(LEDGER_KIND, str(certificate.pk))
    return next((shape for shape in shapes if hashlib.sha256(shape).hexdigest() in logged), shapes[0])


def certificate_contents(certificate: Certificate) -> CertificateContents:
    verification = certificate.verification
    institution, instrument = certificate.institution, certificate.instrument
    authorisations = [
        Authorisation(a.authorisation_no, a.issued_by)
        for a in institution.authorisations.filter(valid_from__lte=certificate.performed_on,
                                                    valid_until__gte=certificate.performed_on)
    ]
    points, regulations = _points(verification)
    return CertificateContents(
        number=certificate.number, kind=certificate.kind, kind_zh=certificate.get_kind_display(),
        verification_kind_zh=verification.get_kind_display(),
        issued_on=certificate.issued_on, performed_on=certificate.performed_on, valid_until=certificate.valid_until,
        institution=Party(certificate.institution_name, certificate.institution_address, certificate.institution_uscc),
        authorisations=authorisations,
        customer=Party(certificate.owner_name, certificate.owner_address, certificate.owner_uscc),
        item=Item(
            type_name_zh=certificate.instrument_type.name_zh, type_name_en=certificate.instrument_type.name_en,
            manufacturer=instrument.manufacturer, model=instrument.model, serial_no=instrument.serial_no,
            public_code=instrument.public_code,
            accuracy_class=verification.accuracy_class or instrument.accuracy_class,
            measuring_range=instrument.measuring_range,
        ),
        regulation="；".join(regulations) or regulation_references(certificate.instrument_type.regulation),
        conclusion=verification.conclusion, conclusion_zh=verification.get_conclusion_display(),
        decision_rule=verification.decision_rule, decision_rule_zh=verification.get_decision_rule_display(),
        near_limit=verification.near_limit,
        verifier=_person(verification.verifier), checker=_person(verification.checker),
        approver=_person(certificate.issued_by),
        standards=_standards(verification), points=points,
        temperature_c=verification.temperature_c, humidity_pct=verification.humidity_pct,
        environment_note=verification.environment_note, remarks=verification.remarks,
        supersedes=certificate.supersedes.number if certificate.supersedes_id else "",
        check_url=check_url(certificate),
        log_document=issue_log_document(certificate),
    )
