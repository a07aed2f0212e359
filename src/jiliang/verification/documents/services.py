"""Downloads of certificate documents: each one is generated from the database, signed by the
issuing institution's key and audited (who fetched which certificate in which format), so that a
personal certificate leaving the platform always leaves a trace."""

from __future__ import annotations

import datetime
import io
import zipfile
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from jiliang.accounts import audit
from jiliang.errors import InvalidInput
from jiliang.verification import selectors
from jiliang.verification.models import Certificate

from . import dcc, pdf, signing
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
