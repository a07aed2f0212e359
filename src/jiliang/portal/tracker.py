"""The plan tracker: each task of the plan (portal/plan.py) with its indicators computed live where the
platform holds the data, and its status from the newest accepted department report (models.TaskReport):
a report waiting for the city regulator's review, or returned, does not count.

A department's reporter sees the tasks its department leads or supports, with its own department's reports
and no platform figures (those are the regulators' data).

Verification and monitoring figures come from the dashboard's stored figures (dashboard/refresh.py), so the
board is as fast at a million instruments as the dashboard and says when they were counted."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from jiliang.accounts.access import rule_for, scope
from jiliang.accounts.models import Role
from jiliang.dashboard import figures
from jiliang.dashboard import selectors as dashboard
from jiliang.enforcement.models import Case, Commitment
from jiliang.portal import selectors
from jiliang.portal.models import ReviewState, TaskReport
from jiliang.portal.plan import PlanTask, plan


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    value: str  # as the page and the report print it; "—" when there is nothing to count yet


def _count(value: int, unit: str) -> str:
    return f"{value:,} {unit}"


def _rate(board: dashboard.Board, key: str) -> str:
    value = dashboard.rate(board.total, figures.figure(key))
    return "—" if value is None else f"{100 * value:.1f}%"


# key -> (label, compute(user, board)); the keys are those the plan's data file names per task.
INDICATORS: dict[str, tuple[str, Callable[[object, dashboard.Board], str]]] = {
    "public_standards": (_("在用社会公用计量标准"), lambda user, board: _count(selectors.public_standards().count(), "项")),
    "mandatory_instruments": (_("纳入平台管理的强检器具"),
                              lambda user, board: _count(board.total.latest("verification.instruments"), "台")),
    "on_time_rate": (_("强检器具按期检定率"), lambda user, board: _rate(board, "verification.on_time_rate")),
    "devices_online_rate": (_("远程监测设备在线率"), lambda user, board: _rate(board, "monitoring.online_rate")),
    "overdue_instruments": (_("超期未检强检器具"),
                            lambda user, board: _count(board.total.latest("verification.overdue"), "台")),
    "alert_in_time_rate": (_("本月预警及时处置率"), lambda user, board: _rate(board, "monitoring.in_time_rate")),
    "commitments": (_("签署诚信计量承诺的经营者"), lambda user, board: _count(scope(Commitment.objects.all(), user).count(), "家")),
    "cases": (_("计量行政处罚案件"), lambda user, board: _count(scope(Case.objects.all(), user).count(), "件")),
}


@dataclass(frozen=True)
class TaskRow:
    task: PlanTask
    indicators: list[Indicator]
    report: TaskReport | None  # the newest accepted; None: none accepted yet
    latest: TaskReport | None = None  # the newest the reader may read, whatever its review

    @property
    def status(self) -> tuple[str, str]:
        if self.report is None:
            return "unreported", str(_("未填报"))
        return self.report.status, self.report.get_status_display()


@dataclass(frozen=True)
class Tracker:
    rows: list[TaskRow]
    as_of: dt.datetime | None  # when the dashboard's figures were counted

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status[0] == status)


def reads_whole_board(user) -> bool:
    """The regulators and the auditor (TaskReport's read_all roles): every task with the platform's figures,
    the evaluation reports."""
    return user.is_superuser or user.role in rule_for(TaskReport).read_all


def reads_board(user) -> bool:
    """The whole board's readers, and a department's reporter (its own department's tasks on it)."""
    return reads_whole_board(user) or user.role == Role.DEPARTMENT


def tracker(user) -> Tracker:
    newest: dict[str, TaskReport] = {}
    latest: dict[str, TaskReport] = {}
    for report in scope(TaskReport.objects.all(), user).select_related("reported_by"):  # newest first
        latest.setdefault(report.task, report)
        if report.review == ReviewState.ACCEPTED:
            newest.setdefault(report.task, report)
    if user.role == Role.DEPARTMENT:
        return Tracker([TaskRow(task, [], newest.get(task.key), latest.get(task.key))
                        for task in plan().tasks_of(user.department)], None)
    board = dashboard.board(user, months=1)
    rows = [
        TaskRow(task, [Indicator(key, str(INDICATORS[key][0]), INDICATORS[key][1](user, board))
                       for key in task.indicators], newest.get(task.key), latest.get(task.key))
        for task in plan().tasks
    ]
    return Tracker(rows, board.as_of)


def reports(user, *, task: str | None = None, review: str | None = None, department: str | None = None):
    """The reports the caller may read (a department's reporter: its own department's), pending and
    returned ones included, newest first; each filter narrows when given."""
    wanted = {name: value for name, value in (("task", task), ("review", review), ("department", department))
              if value}
    return scope(TaskReport.objects.filter(**wanted), user).select_related("reported_by", "reviewed_by")


def history(user, task_key: str):
    """Every report on the task the caller may read, pending and returned ones included, newest first."""
    return reports(user, task=task_key)


def pending(user):
    """Department reports waiting for the caller's review, oldest first."""
    return (scope(TaskReport.objects.filter(review=ReviewState.PENDING), user)
            .select_related("reported_by").order_by("reported_at", "id"))
