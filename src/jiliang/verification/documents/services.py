"""Downloads of certificate documents: each one is generated from the database, signed by the
issuing institution's key and audited (who fetched which certificate in which format), so that a
personal certificate leaving the platform always leaves a trace."""

from __future__ import annotations

import datetime
import hashlib
import io
import zipfile
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from jiliang.accounts import audit
from jiliang.errors import Conflict, InvalidInput
from jiliang.verification import selectors
from jiliang.verification import services as verification_services
from jiliang.verification.models import Certificate, Institution, MeasurementStandard, StandardCalibration

from . import dcc, dcc_import, forgery, pdf, signing
from .gather import certificate_contents
from .keys import signing_key

ARCHIVE_LIMIT = 200  # a zip is built in the request: about ten seconds of signing at most


@dataclass(frozen=True)
class Download:
    file_name: str
    content_type: str
    data: bytes


def pdf_document(certificate: Certificate) -> bytes:
    return pdf.build(certificate_contents(certificate), signing_key(certificate.institution))


def dcc_document(certificate: Certificate) -> tuple[bytes, bytes]:
    """The DCC XML, checked against the official schema, and its detached XAdES signature."""
    document = dcc.build(certificate_contents(certificate))
    dcc.validate(document)
    signature = signing.sign_detached(document, signing.dcc_file_name(certificate.number),
                                      signing_key(certificate.institution))
    return document, signature


def _audited(actor, certificate: Certificate, fmt: str) -> None:
    with transaction.atomic():
        audit.record(actor, "certificate.download", certificate, after={"format": fmt})


def download(actor, certificate: Certificate, fmt: str) -> Download:
    """One document of a certificate the caller may read (``selectors.certificates``):
    ``pdf``, ``dcc`` (the XML) or ``dcc-signature`` (its XAdES signature)."""
    if fmt == "pdf":
        result = Download(f"{certificate.number}.pdf", "application/pdf", pdf_document(certificate))
    elif fmt in ("dcc", "dcc-signature"):
        document, signature = dcc_document(certificate)
        result = (Download(signing.dcc_file_name(certificate.number), "application/xml", document) if fmt == "dcc"
                  else Download(f"{certificate.number}.xades.xml", "application/xml", signature))
    else:
        raise InvalidInput(_("不支持的下载格式。"), {"format": [_("只能是 pdf、dcc 或 dcc-signature。")]})
    _audited(actor, certificate, fmt)
    return result


def _period_errors(issued_from: datetime.date | None, issued_to: datetime.date | None) -> dict[str, list[str]]:
    errors = {}
    if issued_from is None:
        errors["issued_from"] = [_("请填写起始签发日期。")]
    if issued_to is None:
        errors["issued_to"] = [_("请填写截止签发日期。")]
    if issued_from and issued_to and issued_from > issued_to:
        errors["issued_to"] = [_("截止日期不能早于起始日期。")]
    return errors


def archive(actor, issued_from: datetime.date | None, issued_to: datetime.date | None) -> Download:
    """A zip of the PDF, DCC XML and DCC signature of every certificate the caller may read that was
    issued in the period; one audit row per certificate, in one transaction."""
    errors = _period_errors(issued_from, issued_to)
    if errors:
        raise InvalidInput(_("下载期间有误。"), errors)
    certificates = list(selectors.certificates(actor).filter(issued_on__gte=issued_from, issued_on__lte=issued_to)
                        .select_related("verification", "issued_by", "supersedes").order_by("issued_on", "id")
                        [:ARCHIVE_LIMIT + 1])
    if not certificates:
        raise InvalidInput(_("该期间没有可下载的证书。"), {"issued_from": [_("该期间没有可下载的证书。")]})
    if len(certificates) > ARCHIVE_LIMIT:
        raise InvalidInput(_("该期间的证书超过 %(n)s 份，请缩短期间。") % {"n": ARCHIVE_LIMIT},
                           {"issued_to": [_("请缩短期间。")]})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for certificate in certificates:
            document, signature = dcc_document(certificate)
            bundle.writestr(f"{certificate.number}.pdf", pdf_document(certificate))
            bundle.writestr(signing.dcc_file_name(certificate.number), document)
            bundle.writestr(f"{certificate.number}.xades.xml", signature)
    with transaction.atomic():
        for certificate in certificates:
            audit.record(actor, "certificate.download", certificate, after={"format": "archive"})
    return Download(f"certificates-{issued_from:%Y%m%d}-{issued_to:%Y%m%d}.zip", "application/zip", out.getvalue())


# --- Incoming DCC of a standard's calibration (issue 16 item 8) ---------------------------------

ADMIN = f"{dcc_import.DOCUMENT}/dcc:administrativeData"
ITEM_PATH = f"{ADMIN}/dcc:items/dcc:item"
ISSUER_PATH = f"{ADMIN}/dcc:calibrationLaboratory/dcc:contact/dcc:name"
VALIDITY_PATH = f"{ADMIN}/dcc:statements/dcc:statement/dcc:date"
CONFORMITY_PATH = f"{ADMIN}/dcc:statements/dcc:statement/dcc:conformity"
NUMBER_PATH = f"{ADMIN}/dcc:coreData/dcc:uniqueIdentifier"


def _uncertainty(results: list[dcc_import.Result]) -> str:
    """The first stated U and k, as the calibration list shows it."""
    stated = next((r for r in results if r.uncertainty), None)
    if stated is None:
        return ""
    return (f"U = {stated.uncertainty} {stated.unit}" + (f"（k = {stated.coverage_factor}）" if stated.coverage_factor
                                                          else ""))[:128]


def _mapping_errors(standard: MeasurementStandard, incoming: dcc_import.IncomingCalibration,
                    issuer: Institution | None, valid_until, result) -> dict[str, list[str]]:
    errors = {}
    if incoming.item_name != standard.name and (not standard.approval_no
                                                or standard.approval_no not in incoming.item_identifiers):
        errors[ITEM_PATH] = [_("证书所校器具“%(item)s”不是所选计量标准“%(name)s”：名称或考核证书编号须一致。")
                             % {"item": incoming.item_name, "name": standard.name}]
    if issuer is None:
        errors[ISSUER_PATH] = [_("平台上没有名为“%(name)s”的检定机构，请先登记该校准机构。") % {"name": incoming.issuer}]
    if valid_until is None:
        errors[VALIDITY_PATH] = [_("证书没有给出有效期，请在表单中填写有效期至。")]
        errors["valid_until"] = [_("请填写有效期至。")]
    if result is None:
        errors[CONFORMITY_PATH] = [_("证书没有给出符合性声明，请在表单中选择校准结论。")]
        errors["result"] = [_("请选择校准结论。")]
    return errors


@transaction.atomic
def import_standard_calibration(actor, standard: MeasurementStandard, data: bytes, *,
                                valid_until: datetime.date | None = None, result: str | None = None
                                ) -> StandardCalibration:
    """Record the calibration an incoming DCC XML states for ``standard`` (certificate number,
    issuer, dates, conformity, each result with U and k). The form's ``valid_until`` and ``result``
    apply only where the DCC states none. A bad file is refused with every problem keyed by the
    element's path, and nothing is written; a certificate already recorded is a 409."""
    verification_services.require_for_institution(actor, "create", StandardCalibration(standard=standard),
                                                  standard.institution)
    if len(data) > forgery.MAX_UPLOAD:
        raise forgery.too_large()
    try:
        incoming = dcc_import.read(data)
    except dcc_import.DccRejected as rejected:
        raise InvalidInput(rejected.message, rejected.errors) from None
    issuer = Institution.objects.filter(name=incoming.issuer).order_by("id").first()
    valid_until, result = incoming.valid_until or valid_until, incoming.result or result
    errors = _mapping_errors(standard, incoming, issuer, valid_until, result)
    if errors:
        raise InvalidInput(_("该 DCC 无法导入，请查看标出的元素。"), errors)
    if StandardCalibration.objects.filter(standard=standard, certificate_no=incoming.certificate_no).exists():
        raise Conflict(_("校准证书 %(no)s 已登记。") % {"no": incoming.certificate_no},
                       {NUMBER_PATH: [_("该计量标准已登记此校准证书。")]})
    return verification_services.record_standard_calibration(
        actor, standard=standard, calibrating_institution=issuer, certificate_no=incoming.certificate_no,
        calibrated_on=incoming.calibrated_on, valid_until=valid_until, result=result,
        uncertainty=_uncertainty(incoming.results), results=[r.as_json() for r in incoming.results],
        notes=_("由数字校准证书(DCC)导入，文件 SHA-256：%(digest)s") % {"digest": hashlib.sha256(data).hexdigest()},
    )
