from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.accounts import audit
from jiliang.accounts import services as accounts
from jiliang.accounts.access import AccessDenied, require
from jiliang.accounts.models import Role, User
from jiliang.errors import Conflict, InvalidInput
from jiliang.portal.models import ReviewState, TaskReport, TaskStatus
from jiliang.portal.plan import plan

LIMITS = {"department": 64, "progress": 2000, "evidence": 2000, "reason": 500}


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


def may_report_on(user, task_key: str) -> bool:
    """Whether ``user`` may report on this task: the city regulator on any, a department's reporter on the
    tasks its department leads or supports."""
    task = plan().task(task_key)
    if task is None or user.role not in (Role.CITY_REGULATOR, Role.DEPARTMENT) and not user.is_superuser:
        return False
    return user.role != Role.DEPARTMENT or task.involves(user.department)


def report_progress(actor, *, task: str, status: str, progress: str, evidence: str, department: str = "") -> TaskReport:
    """Record a report on one task of the plan, with its evidence (audited). A department's reporter reports
    for its own department on the tasks it leads or supports, and the report waits for the city regulator's
    review; what the city regulator enters (a department's report sent on paper) is accepted as entered."""
    from_department = actor.role == Role.DEPARTMENT
    if from_department:
        department = actor.department
    texts = {"department": (department or "").strip(), "progress": (progress or "").strip(),
             "evidence": (evidence or "").strip()}
    report = TaskReport(task=task, status=status, reported_by=actor, **texts)
    require(actor, "report", report)
    the_task = plan().task(task)
    if from_department and the_task is not None and not the_task.involves(actor.department):
        raise AccessDenied(_("%(department)s不是“%(task)s”的牵头或配合部门，不能填报这项任务。")
                           % {"department": actor.department, "task": the_task.title})
    if errors := _errors(task, status, texts):
        raise InvalidInput(_("进展填报有误。"), errors)
    if not from_department:
        report.review, report.reviewed_by, report.reviewed_at = ReviewState.ACCEPTED, actor, timezone.now()
    with transaction.atomic():
        report.save()
        audit.record(actor, "portal.task_report", report,
                     after={"task": task, "status": status, "review": report.review, **texts}, division=actor.division)
    return report


def review_report(actor, report: TaskReport, *, accept: bool, reason: str = "") -> TaskReport:
    """The city regulator accepts a department's pending report (it then counts on the board and in the
    evaluation reports) or returns it with the reason, which the department reads (audited)."""
    require(actor, "review", report)
    reason = (reason or "").strip()
    if not accept and not reason:
        raise InvalidInput(_("退回须说明理由。"), {"reason": [_("请填写退回理由。")]})
    if len(reason) > LIMITS["reason"]:
        raise InvalidInput(_("退回理由过长。"), {"reason": [_("最多 %(n)d 个字。") % {"n": LIMITS["reason"]}]})
    with transaction.atomic():
        report = TaskReport.objects.select_for_update().get(pk=report.pk)  # two reviewers: the second one sees it done
        if report.review != ReviewState.PENDING:
            raise Conflict(_("该填报已审核（%(state)s），不能再次审核。") % {"state": report.get_review_display()})
        report.review = ReviewState.ACCEPTED if accept else ReviewState.RETURNED
        report.return_reason = "" if accept else reason
        report.reviewed_by, report.reviewed_at = actor, timezone.now()
        report.save(update_fields=["review", "return_reason", "reviewed_by", "reviewed_at"])
        audit.record(actor, "portal.task_report_accept" if accept else "portal.task_report_return", report,
                     before={"review": ReviewState.PENDING},
                     after={"review": report.review, "return_reason": report.return_reason}, division=actor.division)
    return report


def create_department_account(actor, *, username: str, display_name: str, department: str, password: str) -> User:
    """The city regulator opens an account for one of the plan's departments, bound to that department and
    to the officer's city; the officer hands the password over and the department replaces it at its first
    sign-in (audited as the account's creation)."""
    if department not in plan().departments():
        raise InvalidInput(_("部门信息有误。"), {"department": [_("请选择实施方案中的牵头或配合部门。")]})
    return accounts.create_user(actor, username=username, password=password, role=Role.DEPARTMENT,
                                display_name=display_name, division=actor.division, department=department,
                                must_change_password=True)
