"""The plan tracker: each task of the plan (portal/plan.py) with its indicators computed live where the
platform holds the data, and its status from the newest department report (models.TaskReport).

Verification and monitoring figures come from the dashboard's stored figures (dashboard/refresh.py), so the
board is as fast at a million instruments as the dashboard and says when they were counted."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from jiliang.accounts.access import scope
from jiliang.dashboard import figures
from jiliang.dashboard import selectors as dashboard
from jiliang.enforcement.models import Case, Commitment
from jiliang.portal import selectors
from jiliang.portal.models import TaskReport
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
    report: TaskReport | None  # the newest; None: not reported yet

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


def tracker(user) -> Tracker:
    board = dashboard.board(user, months=1)
    newest: dict[str, TaskReport] = {}
    for report in scope(TaskReport.objects.all(), user).select_related("reported_by"):  # newest first
        newest.setdefault(report.task, report)
    rows = [
        TaskRow(task, [Indicator(key, str(INDICATORS[key][0]), INDICATORS[key][1](user, board))
                       for key in task.indicators], newest.get(task.key))
        for task in plan().tasks
    ]
    return Tracker(rows, board.as_of)


def history(user, task_key: str):
    return scope(TaskReport.objects.filter(task=task_key), user).select_related("reported_by")
