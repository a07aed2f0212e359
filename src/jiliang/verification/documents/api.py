"""Certificate documents over the API: the signed PDF, the DCC XML, its XAdES signature, and a zip
per period. Scoped like the certificate itself: the instrument's owner, the issuing institution,
regulators of the division."""

import datetime

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Form, Query, Router, Status, UploadedFile

from jiliang.schemas import RecordId
from jiliang.verification import selectors
from jiliang.verification.api import CalibrationOut
from jiliang.verification.models import CalibrationResult

from . import forgery, services

router = Router(tags=["certificate documents"])
BINARY = {200: None}


def as_response(result: services.Download) -> HttpResponse:
    response = HttpResponse(result.data, content_type=result.content_type)
    response["Content-Disposition"] = f'attachment; filename="{result.file_name}"'
    return response


def _download(request, certificate_id: int, fmt: str) -> HttpResponse:
    certificate = get_object_or_404(selectors.certificates(request.auth), pk=certificate_id)
    return as_response(services.download(request.auth, certificate, fmt))


@router.get("certificates/{certificate_id}/pdf", response=BINARY, summary="The certificate as a signed PDF")
def certificate_pdf(request, certificate_id: RecordId):
    return _download(request, certificate_id, "pdf")


@router.get("certificates/{certificate_id}/dcc", response=BINARY,
            summary="The certificate as a DCC 3.1.2 XML document")
def certificate_dcc(request, certificate_id: RecordId):
    return _download(request, certificate_id, "dcc")


@router.get("certificates/{certificate_id}/dcc-signature", response=BINARY,
            summary="The detached XAdES-BES signature of the DCC document")
def certificate_dcc_signature(request, certificate_id: RecordId):
    return _download(request, certificate_id, "dcc-signature")


@router.get("certificate-archive", response=BINARY,
            summary="A zip of the documents of every certificate issued in a period")
def certificate_archive(request, issued_from: datetime.date | None = Query(None),
                        issued_to: datetime.date | None = Query(None)):
    return as_response(services.archive(request.auth, issued_from, issued_to))


@router.post("standards/{standard_id}/calibrations/dcc", response={201: CalibrationOut},
             summary="Import a standard's calibration from the DCC 3.1.2 XML its calibrating institution issued "
                     "(at most 5 MB; errors keyed by element path)")
def import_calibration_dcc(request, standard_id: RecordId, file: File[UploadedFile],
                           valid_until: Form[datetime.date | None] = None,
                           result: Form[CalibrationResult | None] = None):
    standard = get_object_or_404(selectors.standards(request.auth), pk=standard_id)
    if file.size > forgery.MAX_UPLOAD:
        raise forgery.too_large()
    return Status(201, services.import_standard_calibration(request.auth, standard, file.read(),
                                                            valid_until=valid_until, result=result))
