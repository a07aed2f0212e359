"""/api/v1/plan/…: the plan tracker for the departments' own systems (issue 19 item 5). The same reads and
writes as the pages (portal/views.py): the tasks with their targets, live indicators and status; the reports
the caller may read; a department's progress report with its evidence; the city regulator's review. Writes go
through portal/services.py (one transaction, audited); a token needs ``plan:read`` or ``plan:write``."""

import datetime as dt
from typing import Literal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from jiliang.accounts.access import AccessDenied
from jiliang.pagination import api_page
from jiliang.portal import services, tracker
from jiliang.portal.models import ReviewState, TaskReport, TaskStatus
from jiliang.portal.plan import plan
from jiliang.portal.services import LIMITS
from jiliang.schemas import Cursor, ErrorOut, RecordId

router = Router(tags=["plan"])

BoardStatus = Literal["unreported", "not_started", "on_track", "behind", "completed"]


class IndicatorOut(Schema):
    key: str
    label: str
    value: str = Field(description="as the board prints it; “—” when there is nothing to count yet")


class TaskOut(Schema):
    key: str = Field(description="T1–T18 (重点任务), S1–S4 (保障措施)")
    number: int
    kind: Literal["task", "safeguard"]
    group: str
    title: str
    text: str
    lead: list[str]
    supporting: list[str]
    targets: list[str]
    source: str
    indicators: list[IndicatorOut] = Field(description="computed from the platform's data; empty for a department")
    status: BoardStatus = Field(description="from the newest accepted report; unreported before any")
    status_label: str
    report_id: int | None = Field(description="the accepted report the status comes from")
    latest_report_id: int | None = Field(description="the newest report the caller may read, whatever its review")
    latest_review: ReviewState | None


class TasksOut(Schema):
    as_of: dt.datetime | None = Field(description="when the platform's figures were counted")
    items: list[TaskOut]


class ReportOut(Schema):
    id: int
    task: str
    task_title: str
    status: TaskStatus
    status_label: str
    department: str
    progress: str
    evidence: str
    reported_by: str
    reported_at: dt.datetime
    review: ReviewState
    review_label: str
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    return_reason: str


class ReportPage(Schema):
    items: list[ReportOut]
    limit: int
    has_more: bool
    next_cursor: str | None


class ReportFilter(Schema):
    task: str | None = Field(None, min_length=1, max_length=8, description="one task's key, e.g. T5")
    review: ReviewState | None = None
    department: str | None = Field(None, min_length=1, max_length=LIMITS["department"])
    cursor: Cursor = None
    offset: int = Field(0, ge=0, le=10_000_000)
    limit: int = Field(50, ge=1, le=500)


class ReportIn(Schema):
    task: str = Field(max_length=8, description="the key of a task or safeguard (GET /plan/tasks)")
    status: TaskStatus
    progress: str = Field(max_length=LIMITS["progress"])
    evidence: str = Field(max_length=LIMITS["evidence"],
                          description="document names and numbers, minutes, web addresses: what can be checked")
    department: str = Field("", max_length=LIMITS["department"], description=(
        "the department the city regulator enters a paper report for; a department's account always "
        "reports for its own department"))


class ReviewIn(Schema):
    accept: bool = Field(description="true: accept (it counts on the board); false: return it with the reason")
    reason: str = Field("", max_length=LIMITS["reason"], description="required when returning")


def _board_reader(user) -> None:
    if not tracker.reads_board(user):
        raise AccessDenied(_("规划实施跟踪仅供监管人员、审计人员和规划任务填报部门使用。"))


def _task_row(row: tracker.TaskRow) -> dict:
    task = row.task
    return {
        "key": task.key, "number": task.number, "kind": task.kind, "group": task.group, "title": task.title,
        "text": task.text, "lead": list(task.lead), "supporting": list(task.supporting),
        "targets": list(task.targets), "source": task.source,
        "indicators": [{"key": i.key, "label": i.label, "value": i.value} for i in row.indicators],
        "status": row.status[0], "status_label": row.status[1],
        "report_id": row.report.pk if row.report else None,
        "latest_report_id": row.latest.pk if row.latest else None,
        "latest_review": row.latest.review if row.latest else None,
    }


def _report_row(report: TaskReport) -> dict:
    task = plan().task(report.task)
    return {
        "id": report.pk, "task": report.task, "task_title": task.title if task else "",
        "status": report.status, "status_label": report.get_status_display(), "department": report.department,
        "progress": report.progress, "evidence": report.evidence, "reported_by": str(report.reported_by),
        "reported_at": report.reported_at, "review": report.review, "review_label": report.get_review_display(),
        "reviewed_by": str(report.reviewed_by) if report.reviewed_by_id else None,
        "reviewed_at": report.reviewed_at, "return_reason": report.return_reason,
    }


@router.get("/plan/tasks", response={200: TasksOut, 403: ErrorOut},
            summary="The plan's tasks with targets, live indicators and status (a department: its own tasks)")
def list_tasks(request):
    _board_reader(request.auth)
    board = tracker.tracker(request.auth)
    return {"as_of": board.as_of, "items": [_task_row(row) for row in board.rows]}


@router.get("/plan/reports", response={200: ReportPage, 403: ErrorOut},
            summary="Progress reports I may read, newest first (a department: its own department's)")
def list_reports(request, filters: Query[ReportFilter]):
    _board_reader(request.auth)
    queryset = tracker.reports(request.auth, task=filters.task, review=filters.review, department=filters.department)
    page = api_page(queryset, "-reported_at", cursor=filters.cursor, offset=filters.offset, limit=filters.limit)
    return {"items": [_report_row(r) for r in page.items], "limit": page.limit, "has_more": page.has_more,
            "next_cursor": page.next_cursor}


@router.get("/plan/reports/{report_id}", response={200: ReportOut, 403: ErrorOut, 404: ErrorOut},
            summary="One progress report")
def get_report(request, report_id: RecordId):
    _board_reader(request.auth)
    return _report_row(get_object_or_404(tracker.reports(request.auth), pk=report_id))


@router.post("/plan/reports", response={201: ReportOut, 403: ErrorOut, 422: ErrorOut},
             summary="Report progress on a task with evidence (a department's waits for the city regulator's review)")
def submit_report(request, payload: ReportIn):
    report = services.report_progress(request.auth, **payload.dict())
    return Status(201, _report_row(report))


@router.post("/plan/reports/{report_id}/review",
             response={200: ReportOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
             summary="Accept a pending report, or return it with the reason (the city regulator)")
def review_report(request, report_id: RecordId, payload: ReviewIn):
    report = get_object_or_404(tracker.reports(request.auth), pk=report_id)
    return Status(200, _report_row(services.review_report(request.auth, report, accept=payload.accept,
                                                          reason=payload.reason)))
