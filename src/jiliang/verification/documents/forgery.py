"""The forgery check (/check/document, POST /api/v1/public/forgery-check), no sign-in: is a
presented certificate document one the platform issued, unchanged?

A DCC XML is compared, element by element (compare.py), with the DCC the platform makes for the
certificate its ``uniqueIdentifier`` names; a PDF must carry that DCC as its attachment and an intact
PAdES signature by the issuing institution's key covering the whole file. The transparency log
document inside the DCC (``dcc:document``) must hash to a digest the log holds for the certificate.
Every answer that is not "genuine" counts as a wrong answer of the public check's throttle, so the
upload is no faster oracle for which numbers exist than the check code. Nothing is stored.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import io

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from jiliang.errors import InvalidInput, TooLarge
from jiliang.ledger import selectors as ledger
from jiliang.verification import public_check
from jiliang.verification.models import Certificate
from jiliang.verification.services import LEDGER_KIND

from . import compare, dcc, dcc_import, pdf
from .gather import certificate_contents
from .keys import signing_key

MAX_UPLOAD = 5 * 1024 * 1024  # our PDFs are about 100 kB, our DCC documents about 20 kB


class Verdict:
    GENUINE = "genuine"
    ALTERED = "altered"
    UNKNOWN = "unknown"


VERDICT_LABELS = {
    Verdict.GENUINE: gettext_lazy("证书真实，内容与存证记录一致"),
    Verdict.ALTERED: gettext_lazy("证书内容被改动，与存证记录不一致"),
    Verdict.UNKNOWN: gettext_lazy("查无此证书，可能是伪造证书"),
}


@dataclasses.dataclass(frozen=True)
class Finding:
    verdict: str
    verdict_label: str
    differences: list[str]  # the altered fields, in Chinese
    signature: str  # what the document's signature says, in Chinese ("" for an XML or number + code)
    log_digest: str  # the SHA-256 of the log document the presented document carries
    log_digest_matches: bool | None  # None when the document carries none (number + code)
    certificate: public_check.PublicCertificate | None


def _refused(message: str) -> InvalidInput:
    return InvalidInput(message, {"file": [message]})


def too_large() -> TooLarge:
    return TooLarge(_("文件超过 %(mb)d MB 的上限。") % {"mb": MAX_UPLOAD // 1024 // 1024}, {"file": [_("文件过大")]})


def check_document(data: bytes, client: str) -> Finding:
    """Check an uploaded PDF or DCC XML; a file that is neither, or over ``MAX_UPLOAD``, is refused
    (``InvalidInput`` / ``TooLarge`` naming ``file``) before anything is read from the database."""
    public_check.refuse_if_throttled(client)
    if len(data) > MAX_UPLOAD:
        raise too_large()
    if not data.strip():
        raise _refused(_("请选择要核验的证书文件（PDF 或 DCC XML）。"))
    if data.startswith(b"%PDF-"):
        finding = _check_pdf(data)
    elif data.lstrip().startswith(b"<"):
        root = _parsed_dcc(data)
        finding = _finding(root, _certificate(_number_of(root)), "", True)
    else:
        raise _refused(_("只能核验本平台出具的 PDF 证书或 DCC(XML) 文件。"))
    if finding.verdict != Verdict.GENUINE:
        public_check.count_wrong(client)
    return finding


def _parsed_dcc(data: bytes):
    try:
        return dcc_import.parse(data)
    except dcc_import.DccRejected as rejected:
        raise _refused(rejected.message) from None


def _number_of(root) -> str:
    return (root.findtext(f"{{{dcc.DCC}}}administrativeData/{{{dcc.DCC}}}coreData/{{{dcc.DCC}}}uniqueIdentifier")
            or "").strip()


def _log_digest(root) -> str:
    encoded = root.findtext(f"{{{dcc.DCC}}}document/{{{dcc.DCC}}}dataBase64")
    try:
        return hashlib.sha256(base64.b64decode(encoded or "", validate=True)).hexdigest() if encoded else ""
    except binascii.Error:
        return ""


def _certificate(number: str) -> Certificate | None:
    if not number or len(number) > public_check.MAX_NUMBER_LENGTH:
        return None
    return (Certificate.objects.filter(number=number).order_by("id")
            .select_related("institution", "instrument", "instrument_type", "verification").first())


def _finding(root, certificate: Certificate | None, signature: str, signature_ok: bool) -> Finding:
    digest = _log_digest(root)
    if certificate is None:
        return Finding(Verdict.UNKNOWN, str(VERDICT_LABELS[Verdict.UNKNOWN]), [], signature, digest, None, None)
    expected = etree.fromstring(dcc.build(certificate_contents(certificate)))
    differences = compare.differences(expected, root, _)
    matches = bool(digest) and digest in ledger.digests_of(LEDGER_KIND, str(certificate.pk))
    if not signature_ok:
        differences.append(_("电子签名"))
    verdict = Verdict.GENUINE if not differences and matches else Verdict.ALTERED
    return Finding(verdict, str(VERDICT_LABELS[verdict]), differences, signature, digest, matches,
                   public_check.public(certificate))


def _attached_dcc(reader: PdfFileReader) -> bytes | None:
    root = reader.root
    if "/Names" not in root or "/EmbeddedFiles" not in root["/Names"]:
        return None
    tree = root["/Names"]["/EmbeddedFiles"]
    listing = tree["/Names"] if "/Names" in tree else []
    for position in range(0, len(listing) - 1, 2):
        if str(listing[position].get_object()) == pdf.DCC_ATTACHMENT:
            return listing[position + 1].get_object()["/EF"]["/F"].data
    return None


def _check_pdf(data: bytes) -> Finding:
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        attached = _attached_dcc(reader)
        signatures = reader.embedded_signatures
    except Exception:  # noqa: BLE001 - a mangled PDF fails anywhere inside the third-party parser
        raise _refused(_("文件不是有效的 PDF。")) from None
    if attached is None:
        raise _refused(_("该 PDF 不是本平台出具的证书（没有内嵌的证书数据）。"))
    root = _parsed_dcc(attached)
    certificate = _certificate(_number_of(root))
    ok, said = _signature(signatures, certificate) if certificate else (False, "")
    return _finding(root, certificate, said, ok)


def _signature(signatures, certificate: Certificate) -> tuple[bool, str]:
    """Whether the PDF carries one intact signature by the issuing institution's key over the whole
    file, and what to tell the reader about it."""
    if not signatures:
        return False, _("没有电子签名。")
    cert = asn1_x509.Certificate.load(pem.unarmor(signing_key(certificate.institution).cert_pem)[2])
    embedded = signatures[-1]
    if embedded.signer_cert is None or embedded.signer_cert.sha256 != cert.sha256:
        return False, _("电子签名不是出具机构（%(name)s）的签名。") % {"name": certificate.institution.name}
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[cert]))
    if not (status.intact and status.valid):
        return False, _("电子签名无效：文件在签名后被改动。")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE or len(signatures) != 1:
        return False, _("签名后文件又被追加修改。")
    return True, _("电子签名有效，由 %(name)s 签署，签名后文件未被改动。") % {"name": certificate.institution.name}
