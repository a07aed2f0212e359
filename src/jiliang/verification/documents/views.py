"""Pages that hand out certificate documents: one document of a certificate, and a zip of every
certificate issued in a period. Both read through the scoped selector and the audited service."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiliang.errors import DomainError
from jiliang.ui.widgets import DateInput
from jiliang.verification import public_check, selectors
from jiliang.verification import services as verification_services
from jiliang.verification.models import CalibrationResult, StandardCalibration
from jiliang.verification.public_views import check_url, client_of

from . import forgery, services
from .api import as_response

FORMATS = ("pdf", "dcc", "dcc-signature")


def document_actions(certificate) -> list[tuple[str, str]]:
    """The certificate page's download buttons."""
    labels = {"pdf": _("下载 PDF"), "dcc": _("下载 DCC(XML)"), "dcc-signature": _("下载 DCC 签名(XAdES)")}
    return [(labels[fmt], reverse("verification:certificate-document", args=[certificate.pk, fmt]))
            for fmt in FORMATS]


@login_required
def certificate_document(request, pk: int, fmt: str):
    if fmt not in FORMATS:
        raise Http404
    certificate = get_object_or_404(selectors.certificates(request.user), pk=pk)
    return as_response(services.download(request.user, certificate, fmt))


class ArchiveForm(forms.Form):
    issued_from = forms.DateField(label=gettext_lazy("签发日期自"), widget=DateInput())
    issued_to = forms.DateField(label=gettext_lazy("签发日期至"), widget=DateInput())


@login_required
def certificate_archive(request):
    form = ArchiveForm(request.GET or None)
    if form.is_valid():
        try:
            return as_response(services.archive(request.user, form.cleaned_data["issued_from"],
                                                form.cleaned_data["issued_to"]))
        except DomainError as error:
            for field, messages in error.fields.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
    return render(request, "verification/archive_form.html", {
        "form": form, "title": _("按签发期间打包下载证书"),
        "cancel_url": reverse("verification:certificate-list"),
    })


def _uploaded(request) -> bytes:
    """The uploaded file; a body over the limit is refused by its declared length before Django
    spools it (multipart framing allowed for)."""
    if int(request.META.get("CONTENT_LENGTH") or 0) > forgery.MAX_UPLOAD + 64 * 1024:
        raise forgery.too_large()
    upload = request.FILES.get("file")
    if upload is not None and upload.size > forgery.MAX_UPLOAD:
        raise forgery.too_large()
    return upload.read() if upload is not None else b""


@never_cache
@require_http_methods(["GET", "POST"])
def document_check(request):
    """The forgery check: upload a certificate PDF or DCC XML (docs/public-check.md)."""
    context = {"limit_mb": forgery.MAX_UPLOAD // 1024 // 1024}
    status = 200
    if request.method == "POST":
        try:
            finding = forgery.check_document(_uploaded(request), client_of(request))
        except public_check.CheckThrottled as refused:
            context["throttled"], status = refused.minutes, 429
        except DomainError as error:
            context["error"], status = error.message, error.status
        else:
            context["finding"] = finding
            certificate = context["certificate"] = finding.certificate
            if certificate and certificate.superseded_by:
                context["successor_url"] = check_url(certificate.superseded_by, certificate.superseded_by_code)
    return render(request, "verification/public_document_check.html", context, status=status)


class DccImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("数字校准证书(DCC XML)"),
                           help_text=gettext_lazy("DCC 3.1.2 格式，不超过 5 MB；证书所校器具须是本计量标准。"))
    valid_until = forms.DateField(label=gettext_lazy("有效期至"), widget=DateInput(), required=False,
                                  help_text=gettext_lazy("仅在证书未给出有效期时填写。"))
    result = forms.ChoiceField(label=gettext_lazy("校准结论"), required=False,
                               choices=[("", "—")] + list(CalibrationResult.choices),
                               help_text=gettext_lazy("仅在证书未给出符合性声明时选择。"))


def _element_errors(form, error: DomainError) -> None:
    """A domain error on the form: a form field's under it, an element path's in the summary with its path."""
    for name, problems in error.fields.items():
        for problem in problems:
            if name in form.fields:
                form.add_error(name, problem)
            else:
                form.add_error(None, f"{name}：{problem}")
    if not error.fields:
        form.add_error(None, error.message)


@login_required
def calibration_import(request, pk: int):
    """Import a standard's calibration from an incoming DCC XML (docs/verification.md)."""
    standard = get_object_or_404(selectors.standards(request.user), pk=pk)
    verification_services.require_for_institution(request.user, "create", StandardCalibration(standard=standard),
                                                  standard.institution)
    form = DccImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.import_standard_calibration(request.user, standard, _uploaded(request),
                                                  valid_until=form.cleaned_data["valid_until"],
                                                  result=form.cleaned_data["result"] or None)
        except DomainError as error:
            _element_errors(form, error)
        else:
            return redirect("verification:standard-detail", pk=pk)
    return render(request, "ui/form.html", {
        "form": form, "title": _("导入 DCC 校准证书：%(name)s") % {"name": standard.name},
        "cancel_url": reverse("verification:standard-detail", args=[pk]),
    })
