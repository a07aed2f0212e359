"""/api/v1/public/certificate-check: the public certificate check as JSON, no sign-in.

A wrong check code and an unknown number answer the same 404 body; an empty or malformed field a
422 naming it; a client with too many wrong answers 429 (public_check.py)."""

import dataclasses
import datetime

from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, UploadedFile
from ninja.errors import HttpError

from jiliang.errors import InvalidInput, NotFound
from jiliang.verification import check_codes, public_check
from jiliang.verification.documents import forgery
from jiliang.verification.public_views import check_url, client_of

router = Router(tags=["public"], auth=None)


class CheckQuery(Schema):
    number: str = Field(max_length=public_check.MAX_NUMBER_LENGTH, description="证书编号")
    code: str = Field(max_length=16, description="查验码 (8 characters, dashes and spaces ignored)")


class CheckedCertificate(Schema):
    number: str
    state: str = Field(description="valid | superseded | revoked | expired | failed")
    state_label: str
    kind: str
    institution: str
    instrument_type: str
    instrument_public_code: str
    owner: str = Field(description="an individual owner's name is masked")
    conclusion: str
    performed_on: datetime.date
    issued_on: datetime.date
    valid_until: datetime.date | None
    superseded_by: str | None
    superseded_by_url: str | None
    revocation_reason: str
    log_index: int | None = Field(description="the certificate's latest transparency log entry")


def _throttled(refused: public_check.CheckThrottled) -> HttpError:
    return HttpError(429, _("查询错误次数过多，请 %(minutes)d 分钟后再试。") % {"minutes": refused.minutes})


@router.get("/public/certificate-check", response=CheckedCertificate, summary="Check a certificate by number and code")
def certificate_check(request, query: Query[CheckQuery]):
    errors = {}
    if not query.number.strip():
        errors["number"] = [_("请输入证书编号。")]
    if len(check_codes.normalize(query.code)) != check_codes.LENGTH:
        errors["code"] = [_("查验码为 8 位字母和数字。")]
    if errors:
        raise InvalidInput(_("请核对证书编号和查验码。"), errors)
    try:
        certificate = public_check.check(query.number, query.code, client_of(request))
    except public_check.CheckThrottled as refused:
        raise _throttled(refused) from None
    if certificate is None:
        raise NotFound(_("没有与该证书编号和查验码相符的证书。"))
    successor = certificate.superseded_by
    # The schema keeps only its own fields: the check codes are not echoed.
    return dataclasses.asdict(certificate) | {
        "superseded_by_url": check_url(successor, certificate.superseded_by_code) if successor else None,
    }


class ForgeryFinding(Schema):
    verdict: str = Field(description="genuine | altered | unknown")
    verdict_label: str
    differences: list[str] = Field(description="the fields that differ from the logged certificate, in Chinese")
    signature: str = Field(description="what the PDF's signature says (empty for an XML)")
    log_digest: str = Field(description="SHA-256 of the log document the presented DCC carries")
    log_digest_matches: bool | None = Field(description="whether the log holds that digest for the certificate")
    certificate: CheckedCertificate | None = Field(description="the certificate as logged, with its state")


def _finding_body(finding: forgery.Finding) -> dict:
    body = dataclasses.asdict(finding)
    if finding.certificate is not None:
        successor = finding.certificate.superseded_by
        body["certificate"]["superseded_by_url"] = (
            check_url(successor, finding.certificate.superseded_by_code) if successor else None)
    return body


@router.post("/public/forgery-check", response=ForgeryFinding,
             summary="Check an uploaded certificate PDF or DCC XML (at most 5 MB) against the logged certificate")
def forgery_check(request, file: File[UploadedFile]):
    if file.size > forgery.MAX_UPLOAD:
        raise forgery.too_large()
    try:
        return _finding_body(forgery.check_document(file.read(), client_of(request)))
    except public_check.CheckThrottled as refused:
        raise _throttled(refused) from None
