"""/api/v1/imports: upload a sheet of organizations, sites or instruments; download templates and
the annotated sheet of a rejected upload."""

import io
from typing import Literal

from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status, UploadedFile

from jiliang.jobs.api import TaskOut, task_body
from jiliang.jobs.models import BackgroundTask
from jiliang.registry.importing import uploads

router = Router(tags=["imports"])
Kind = Literal["organizations", "sites", "instruments"]


class RowErrorOut(Schema):
    row: int
    column: str
    reason: str


class ImportOut(Schema):
    kind: str
    filename: str
    format: str
    import_id: str
    partial: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    bad_rows: int
    error_count: int
    written: bool
    ignored_columns: list[str]
    errors: list[RowErrorOut]
    errors_truncated: bool
    annotated_url: str | None


class ImportRejectedOut(ImportOut):
    code: str
    message: str
    fields: dict[str, list[str]]


def result_body(request, result: uploads.WebImport) -> dict:
    url = None
    if result.annotated_token:
        url = request.build_absolute_uri(reverse("api:import_annotated", args=[result.annotated_token]))
    return uploads.report_body(result.report) | {"annotated_url": url}


@router.post("imports/{kind}", response={200: ImportOut, 202: TaskOut, 422: ImportRejectedOut},
             summary="Import a .xlsx or .csv sheet (all rows or, with partial, the good ones)")
def import_sheet(request, kind: Kind, file: File[UploadedFile], partial: Form[bool] = False):
    """Every row is validated first. Without ``partial`` nothing is written when any row is bad:
    the answer is 422 with every error (row, column, reason) and a link to the uploaded sheet
    annotated with an error column. Re-importing the same sheet changes nothing.

    A sheet of more than JILIANG_BACKGROUND_ROWS rows is imported in the background: the answer is
    202 with the task (``url`` to poll until ``state`` is ``completed`` or ``failed``; its
    ``report`` is then this endpoint's answer and ``file_url`` the annotated sheet)."""
    result = uploads.import_upload(request.auth, kind, file, partial=partial)
    if isinstance(result, BackgroundTask):
        return Status(202, task_body(request, result))
    body = result_body(request, result)
    if result.report.written:
        return Status(200, body)
    message = _("%(n)s 行有误，未导入任何数据；请按错误说明修改后重新上传，或选择只导入无误的行。") % {
        "n": result.report.bad_rows}
    return Status(422, body | {"code": "invalid_rows", "message": message, "fields": {}})


@router.get("imports/{kind}/template", summary="Blank import template with Chinese headers")
def import_template(request, kind: Kind, format: Literal["xlsx", "csv"] = "xlsx"):
    content, name, content_type = uploads.template_file(kind, format)
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=name, content_type=content_type)


@router.get("imports/annotated/{token}", url_name="import_annotated",
            summary="The uploaded sheet with an error column (only for its uploader)")
def import_annotated(request, token: str):
    path, name, content_type = uploads.annotated_file(request.auth, token)
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=content_type)
