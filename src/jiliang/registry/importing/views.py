"""Import pages: choose a kind, download its template, upload a sheet, read the error report."""

import io

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiliang.errors import DomainError, NotFound
from jiliang.jobs.models import BackgroundTask
from jiliang.registry.importing import uploads
from jiliang.registry.importing.engine import REPORTED_ERRORS
from jiliang.registry.importing.kinds import KINDS


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("文件(.xlsx 或 .csv)"))
    partial = forms.BooleanField(
        label=gettext_lazy("只导入无误的行(默认任何一行有误则全部不导入)"), required=False,
    )


def _importable(user) -> list:
    kinds = []
    for kind in KINDS.values():
        try:
            kind.check_role(user)
        except PermissionDenied:
            continue
        kinds.append(kind)
    return kinds


def _kind_for(user, name: str):
    try:
        kind = uploads.kind_named(name)
    except NotFound as error:
        raise Http404(error.message) from None
    kind.check_role(user)
    return kind


@login_required
def import_index(request):
    kinds = _importable(request.user)
    if not kinds:
        raise PermissionDenied(_("您的角色无权导入数据。"))
    return render(request, "registry/importing/index.html", {"kinds": kinds})


@login_required
def import_page(request, kind: str):
    import_kind = _kind_for(request.user, kind)
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"kind": import_kind, "form": form, "reported_errors": REPORTED_ERRORS,
               "background_rows": settings.JILIANG_BACKGROUND_ROWS}
    if request.method == "POST" and form.is_valid():
        try:
            result = uploads.import_upload(
                request.user, kind, form.cleaned_data["file"], partial=form.cleaned_data["partial"]
            )
        except DomainError as error:
            context["file_error"] = error
        else:
            if isinstance(result, BackgroundTask):
                return redirect("tasks:detail", result.pk)
            context["report"] = result.report
            if result.annotated_token:
                context["annotated_url"] = reverse("imports:annotated", args=[result.annotated_token])
    return render(request, "registry/importing/upload.html", context)


@login_required
def template_download(request, kind: str, fmt: str):
    try:
        content, name, content_type = uploads.template_file(kind, fmt)
    except NotFound as error:
        raise Http404(error.message) from None
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=name, content_type=content_type)


@login_required
def annotated_download(request, token: str):
    try:
        path, name, content_type = uploads.annotated_file(request.user, token)
    except NotFound as error:
        raise Http404(error.message) from None
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=content_type)
