"""Imports from the web (page and API): the upload, the annotated sheet kept for its uploader.

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
from jiliang.registry.importing.blanks import template_csv, template_xlsx
from jiliang.registry.importing.engine import ImportKind, ImportReport, run_import
from jiliang.registry.importing.kinds import KINDS
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


def import_upload(user, kind_name: str, upload: UploadedFile, *, partial: bool) -> WebImport:
    """Run an uploaded file through the importer as ``user``; see engine.run_import."""
    kind = kind_named(kind_name)
    directory = annotated_dir()
    _purge_expired(directory)
    # The importer opens the sheet by name, so the spool is named: in JILIANG_TMP_DIR, where the
    # tmp.sweep job finds it if this process is killed before it removes it.
    with tempfile.NamedTemporaryFile(prefix="jiliang-upload-", dir=tmp_dir()) as spool:
        for chunk in upload.chunks():
            spool.write(chunk)
        spool.flush()
        report = run_import(
            user, kind, Path(spool.name), filename=Path(upload.name or kind.name).name[:200],
            partial=partial, annotate_to=lambda fmt: directory / f"{secrets.token_urlsafe(18)}.{fmt}",
        )
    token = None
    if report.annotated_path is not None:
        stem = Path(report.filename).stem or kind.name
        token = signing.dumps(
            {"file": report.annotated_path.name, "user": user.pk,
             "name": f"{stem}-错误说明{report.annotated_path.suffix}"},
            salt=SIGNING_SALT, compress=True,
        )
    return WebImport(report, token)


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
