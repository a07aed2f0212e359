"""The daily sharing export (`enforcement.sharing` in `jiliang jobs`) for the national 互联网+监管 and
credit platforms: the cases changed on a day, as one JSON document and one CSV file per section,
handed to a pluggable adapter (``JILIANG_SHARING_ADAPTER``; the file drop writes them into
``JILIANG_SHARING_DIR``). The format is documented in docs/sharing.md. No personal data: parties
are organizations by their USCC, an individual business's name masked as on the public page, and
no reporter, phone or ID number is ever part of it.

Sections are pluggable too: an app adds ``SECTIONS[name] = rows(day) -> list[dict]`` (the
supervision app adds its inspection results as ``inspections``)."""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from jiliang.accounts import audit
from jiliang.accounts.masking import mask_owner_name
from jiliang.enforcement import reference
from jiliang.enforcement.models import Case

SCHEMA = "jiliang.sharing/1"
CASE_FIELDS = ["case_number", "uscc", "party", "division_code", "source", "stage", "filed_on", "decided_on",
               "basis", "warning", "confiscation", "fine_amount", "published_on"]


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


def case_rows(day: datetime.date) -> list[dict]:
    start, end = day_bounds(day)
    cases = (Case.objects.filter(updated_at__gte=start, updated_at__lt=end)
             .select_related("organization", "division", "publication").order_by("pk"))
    bases = reference.bases()
    rows = []
    for case in cases.iterator(chunk_size=2000):
        organization, publication = case.organization, getattr(case, "publication", None)
        rows.append({
            "case_number": case.number, "uscc": organization.uscc,
            "party": mask_owner_name(organization.name, organization.uscc), "division_code": case.division.code,
            "source": case.source_type, "stage": case.stage, "filed_on": case.filed_on.isoformat(),
            "decided_on": case.decided_on.isoformat() if case.decided_on else "",
            "basis": bases[case.basis].citation if case.basis in bases else "",
            "warning": case.warning, "confiscation": case.confiscation,
            "fine_amount": str(case.fine_amount) if case.fine_amount is not None else "",
            "published_on": publication.published_on.isoformat() if publication else "",
        })
    return rows


SECTIONS: dict[str, Callable[[datetime.date], list[dict]]] = {"cases": case_rows}


class FileDropAdapter:
    """Writes each file into a directory another system collects from (SFTP, a shared folder)."""

    def __init__(self, directory: Path | None = None):
        self.directory = Path(directory or settings.JILIANG_SHARING_DIR)

    def deliver(self, name: str, content: bytes) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / name
        partial = target.with_suffix(target.suffix + ".part")
        partial.write_bytes(content)
        partial.replace(target)  # a collector never reads a half-written file
        return str(target)


def _csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM: spreadsheet programs read UTF-8


def export(day: datetime.date, adapter=None) -> dict[str, int]:
    """Export ``day``'s sections through ``adapter``; returns the row count of each section."""
    adapter = adapter or import_string(settings.JILIANG_SHARING_ADAPTER)()
    sections = {name: rows(day) for name, rows in SECTIONS.items()}
    document = {"schema": SCHEMA, "day": day.isoformat(), "generated_at": timezone.now().isoformat(), **sections}
    adapter.deliver(f"jiliang-{day:%Y%m%d}.json", json.dumps(document, ensure_ascii=False, indent=1).encode())
    for name, rows in sections.items():
        adapter.deliver(f"jiliang-{day:%Y%m%d}-{name}.csv", _csv(rows))
    counts = {name: len(rows) for name, rows in sections.items()}
    with transaction.atomic():
        audit.record("sharing", "sharing.export", object_type="enforcement.Case", object_id="",
                     object_repr=day.isoformat(), after=counts)
    return counts


def run() -> dict[str, int]:
    return export(timezone.localdate() - datetime.timedelta(days=1))
