from django.db import transaction
from django.utils.translation import gettext as _

from jiliang.accounts import audit
from jiliang.accounts.access import require
from jiliang.errors import InvalidInput
from jiliang.portal.models import TaskReport, TaskStatus
from jiliang.portal.plan import plan

LIMITS = {"department": 64, "progress": 2000, "evidence": 2000}


def _errors(task: str, status: str, texts: dict[str, str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if plan().task(task) is None:
        errors["task"] = [_("方案中没有这项任务。")]
    if status not in TaskStatus.values:
        errors["status"] = [_("请选择进展状态。")]
    for name, text in texts.items():
        if not text:
            errors[name] = [_("必填。")]
        elif len(text) > LIMITS[name]:
            errors[name] = [_("最多 %(n)d 个字。") % {"n": LIMITS[name]}]
    return errors


def report_progress(actor, *, task: str, status: str, department: str, progress: str, evidence: str) -> TaskReport:
    """Record a department's report on one task of the plan, with its evidence (audited)."""
    texts = {"department": (department or "").strip(), "progress": (progress or "").strip(),
             "evidence": (evidence or "").strip()}
    report = TaskReport(task=task, status=status, reported_by=actor, **texts)
    require(actor, "report", report)
    if errors := _errors(task, status, texts):
        raise InvalidInput(_("进展填报有误。"), errors)
    with transaction.atomic():
        report.save()
        audit.record(actor, "portal.task_report", report,
                     after={"task": task, "status": status, **texts})
    return report
