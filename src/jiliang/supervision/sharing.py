"""The ``inspections`` section of the daily sharing export (enforcement/sharing.py, docs/sharing.md):
the inspection results published on a day (一公开), as the public page shows them: an individual
business's name masked, phone and ID numbers masked in the summary, no inspector named."""

from __future__ import annotations

import datetime

from django.utils import timezone

from jiliang.accounts.masking import mask_owner_name
from jiliang.enforcement.sharing import day_bounds
from jiliang.supervision import selectors

INSPECTION_FIELDS = ["result_id", "uscc", "party", "division_code", "site_kind", "result", "inspected_on",
                     "rectify_by", "findings", "summary", "published_on"]


def inspection_rows(day: datetime.date) -> list[dict]:
    start, end = day_bounds(day)
    tasks = (selectors.public_results().filter(published_at__gte=start, published_at__lt=end)
             .select_related("division").prefetch_related("findings__instrument").order_by("pk"))
    return [{
        "result_id": f"task-{task.pk}", "uscc": task.organization.uscc,  # the id its log entry carries
        "party": mask_owner_name(task.organization.name, task.organization.uscc),
        "division_code": task.division.code, "site_kind": task.site.kind, "result": task.result,
        "inspected_on": task.inspected_on.isoformat(),
        "rectify_by": task.rectify_by.isoformat() if task.rectify_by else "",
        "findings": ";".join(f"{f.kind}:{f.instrument.public_code if f.instrument else f.serial_no}"
                             for f in task.findings.all()),
        "summary": selectors.masked_summary(task),
        "published_on": timezone.localdate(task.published_at).isoformat(),
    } for task in tasks]
