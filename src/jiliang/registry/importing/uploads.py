"""Imports from the web (page and API): the upload, the annotated sheet kept for its uploader.

A sheet of more than ``JILIANG_BACKGROUND_ROWS`` rows is not imported within the request: it
becomes a background task (jobs.services) that the jobs process runs, and the request answers at
once with the task (its page shows the progress, then the same report and the annotated sheet).

An annotated sheet is stored under ``MEDIA_ROOT/imports/`` with a random name and handed out as a
signed token that names the file and the uploader; only that user can download it, for
``ANNOTATED_KEEP`` (older files are removed when the next upload arrives). Nothing in the media
folder is served directly.
"""

import secrets
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from jiliang.errors import NotFound
from jiliang.jobs import services as tasks
from jiliang.jobs.models import BackgroundTask, TaskKind
from jiliang.registry.importing.blanks import template_csv, template_xlsx
from jiliang.registry.importing.engine import REPORTED_ERRORS, ImportKind, ImportReport, run_import
from jiliang.registry.importing.kinds import KINDS
from jiliang.registry.importing.reader import UnreadableFile, open_sheet
from jiliang.tmpfiles import tmp_dir

ANNOTATED_KEEP = timedelta(days=1)
SIGNING_SALT = "jiliang.registry.import.annotated"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def kind_named(name: str) -> ImportKind:
    try:
        return KINDS[name]
    except KeyError:
        raise NotFound(_("没有“%(name)s”这种导入。") % {"name": name}) from None


def annotated_dir() -> Path:
    directory = Path(settings.MEDIA_ROOT) / "imports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _purge_expired(directory: Path) -> None:
    cutoff = time.time() - ANNOTATED_KEEP.total_seconds()
    for path in directory.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


@dataclass(frozen=True)
class WebImport:
    report: ImportReport
    annotated_token: str | None  # for the download of the annotated sheet, when rows were bad


def import_upload(user, kind_name: str, upload: UploadedFile, *, partial: bool) -> WebImport | BackgroundTask:
    """Run an uploaded file through the importer as ``user`` (see engine.run_import), or, when it
    has more than ``JILIANG_BACKGROUND_ROWS`` rows, queue it as a background task and return that."""
    kind = kind_named(kind_name)
    filename = Path(upload.name or kind.name).name[:200]
    # The importer opens the sheet by name, so the spool is named: in JILIANG_TMP_DIR, where the
    # tmp.sweep job finds it if this process is killed before it removes it.
    spool = tempfile.NamedTemporaryFile(prefix="jiliang-upload-", dir=tmp_dir(), delete=False)
    try:
        with spool:
            for chunk in upload.chunks():
                spool.write(chunk)
        path = Path(spool.name)
        rows = _estimated_rows(path)
        if rows is not None and rows > settings.JILIANG_BACKGROUND_ROWS:
            kind.check_role(user)
            return tasks.start(user, TaskKind.IMPORT, _("导入%(title)s：%(file)s") % {"title": kind.title, "file": filename},
                               {"import_kind": kind.name, "filename": filename, "partial": partial},
                               upload=path, total=rows)
        directory = annotated_dir()
        _purge_expired(directory)
        report = run_import(user, kind, path, filename=filename, partial=partial,
                            annotate_to=lambda fmt: directory / f"{secrets.token_urlsafe(18)}.{fmt}")
    finally:
        Path(spool.name).unlink(missing_ok=True)
    return WebImport(report, _annotated_token(user, kind, report))


def _estimated_rows(path: Path) -> int | None:
    """The sheet's rows as its reader estimates them; None for a file it cannot open, which the
    importer then rejects within the request."""
    try:
        with open_sheet(path) as sheet:
            return sheet.estimated_rows
    except UnreadableFile:
        return None


def _annotated_token(user, kind: ImportKind, report: ImportReport) -> str | None:
    if report.annotated_path is None:
        return None
    stem = Path(report.filename).stem or kind.name
    return signing.dumps(
        {"file": report.annotated_path.name, "user": user.pk,
         "name": f"{stem}-错误说明{report.annotated_path.suffix}"},
        salt=SIGNING_SALT, compress=True,
    )


def report_body(report: ImportReport) -> dict:
    """The report as the task keeps it and the API returns it (without links)."""
    return report.summary() | {
        "errors": [{"row": e.row, "column": e.column, "reason": e.reason} for e in report.errors],
        "errors_truncated": report.error_count > REPORTED_ERRORS,
    }


def run_task(task: BackgroundTask, progress: tasks.Progress) -> tasks.Outcome:
    """The background task's handler (jobs.services.HANDLERS): the import as its starter."""
    params = task.params
    kind = kind_named(params["import_kind"])
    directory = tasks.task_dir(task.pk)
    report = run_import(task.started_by, kind, directory / tasks.UPLOAD, filename=params["filename"],
                        partial=params["partial"], annotate_to=lambda fmt: directory / f"result.{fmt}",
                        progress=progress)
    if report.annotated_path is None:
        return tasks.Outcome(report_body(report))
    stem = Path(report.filename).stem or kind.name
    return tasks.Outcome(report_body(report), report.annotated_path.name,
                         f"{stem}-错误说明{report.annotated_path.suffix}")


def annotated_file(user, token: str) -> tuple[Path, str, str]:
    """(path, download name, content type) of an annotated sheet, for its uploader only."""
    try:
        data = signing.loads(token, salt=SIGNING_SALT, max_age=ANNOTATED_KEEP)
    except signing.BadSignature:
        data = None
    path = annotated_dir() / Path(str((data or {}).get("file", ""))).name if data else None
    if data is None or data.get("user") != user.pk or path is None or not path.is_file():
        raise NotFound(_("该错误说明文件不存在、已过期，或不属于您。"))
    return path, data["name"], CONTENT_TYPES[path.suffix.lstrip(".")]


def template_file(kind_name: str, fmt: str) -> tuple[bytes, str, str]:
    """(content, download name, content type) of a blank template."""
    kind = kind_named(kind_name)
    if fmt not in CONTENT_TYPES:
        raise NotFound(_("模板格式应为 xlsx 或 csv。"))
    content = template_xlsx(kind.columns, kind.title) if fmt == "xlsx" else template_csv(kind.columns)
    return content, f"{kind.title}导入模板.{fmt}", CONTENT_TYPES[fmt]
