"""Pages that hand out certificate documents: one document of a certificate, and a zip of every
certificate issued in a period. Both read through the scoped selector and the audited service."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiliang.errors import DomainError
from jiliang.ui.widgets import DateInput
from jiliang.verification import selectors

from . import services
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
