"""/api/v1/supervision/…: inspection plans and their draws, tasks, evidence, conflicts, checklists;
and /api/v1/public/draws/… (no sign-in): a draw's public inputs, seed, result and its verification."""

import datetime as dt
from typing import Literal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from jiliang.accounts.models import Division, User
from jiliang.errors import InvalidInput
from jiliang.monitoring import selectors as monitoring_selectors
from jiliang.pagination import page_of
from jiliang.registry import selectors as registry_selectors
from jiliang.registry.models import InstrumentType, SiteKind
from jiliang.schemas import RecordId
from jiliang.supervision import selectors, services
from jiliang.supervision.models import FindingKind, PlanStatus, TaskResult, TaskSource, TaskStatus

router = Router(tags=["supervision"])
public_router = Router(tags=["public"], auth=None)


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


Grades = dict[Literal["A", "B", "C", "D"], int]


class PlanIn(Schema):
    name: str = Field(..., max_length=128)
    division: str = Field(..., max_length=16, description="division code, e.g. 511902")
    site_kinds: list[SiteKind] = Field(default_factory=list, max_length=20)
    instrument_types: list[str] = Field(default_factory=list, max_length=50, description="catalogue codes")
    starts_on: dt.date
    ends_on: dt.date
    draw_count: int | None = Field(None, ge=1, le=1_000_000)
    draw_percent: int | None = Field(None, ge=1, le=100)
    grade_ratios: Grades | None = Field(None, description="percent per grade A-D, summing to 100")
    alert_weight: int | None = Field(None, ge=0, le=10_000)
    alert_cap: int | None = Field(None, ge=0, le=100)
    inspectors: list[RecordId] = Field(..., max_length=500, description="user ids of the inspector pool")


class WeightsIn(Schema):
    grade_ratios: Grades
    alert_weight: int = Field(0, ge=0, le=10_000)
    alert_cap: int = Field(0, ge=0, le=100)


class PlanOut(Schema):
    id: int
    name: str
    division_code: str = Field(alias="division.code")
    site_kinds: list[str]
    starts_on: dt.date
    ends_on: dt.date
    draw_count: int | None
    draw_percent: int | None
    grade_ratios: dict[str, int]
    alert_weight: int
    alert_cap: int
    status: PlanStatus


class PlanPage(Schema):
    items: list[PlanOut]
    offset: int
    limit: int
    has_more: bool


class PageQuery(Schema):
    offset: int = Field(0, ge=0, le=10_000_000)
    limit: int = Field(50, ge=1, le=500)


class DrawOut(Schema):
    plan_id: int
    inputs: dict
    inputs_sha256: str
    committed_at: dt.datetime
    commitment_index: int | None
    checkpoint_size: int | None
    checkpoint_text: str
    result: dict | None
    drawn_at: dt.datetime | None


class FindingIn(Schema):
    kind: FindingKind
    instrument: RecordId | None = None
    serial_no: str = Field("", max_length=64)
    note: str = Field("", max_length=255)


class FindingOut(Schema):
    kind: FindingKind
    instrument_id: int | None
    serial_no: str
    note: str


class TaskOut(Schema):
    id: int
    plan_id: int | None
    source: TaskSource
    alert_id: int | None
    organization_id: int
    organization_name: str = Field(alias="organization.name")
    site_id: int
    site_name: str = Field(alias="site.name")
    division_code: str = Field(alias="division.code")
    status: TaskStatus
    result: str
    rectify_by: dt.date | None
    inspected_on: dt.date | None
    publish_by: dt.date | None
    published_at: dt.datetime | None
    inspector_ids: list[int]

    @staticmethod
    def resolve_inspector_ids(obj) -> list[int]:
        return sorted(person.pk for person in obj.inspectors.all())


class TaskDetailOut(TaskOut):
    checklist: list[dict]
    answers: dict
    summary: str
    findings: list[FindingOut]

    @staticmethod
    def resolve_findings(obj) -> list:
        return list(obj.findings.all())


class TaskPage(Schema):
    items: list[TaskOut]
    offset: int
    limit: int
    has_more: bool


class TaskFilter(PageQuery):
    plan_id: RecordId | None = None
    status: TaskStatus | None = None
    mine: bool = False


class SubmitIn(Schema):
    answers: dict[str, Literal["yes", "no", "na"]] = Field(..., description="checklist item code -> answer")
    result: TaskResult
    inspected_on: dt.date
    rectify_by: dt.date | None = None
    findings: list[FindingIn] = Field(default_factory=list, max_length=100)
    summary: str = Field("", max_length=2000)
    late_reason: str = Field("", max_length=255, description="why a referral is filed past the 15-working-day deadline")


class EvidenceOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str


class AlertTaskIn(Schema):
    inspectors: list[RecordId] = Field(..., min_length=2, max_length=2)
    note: str = Field("", max_length=2000)


class ConflictIn(Schema):
    inspector: RecordId
    organization: RecordId
    reason: str = Field(..., max_length=255)


class ConflictOut(Schema):
    id: int
    inspector_id: int
    organization_id: int
    reason: str


class ChecklistItem(Schema):
    code: str = Field(..., min_length=1, max_length=32)
    text: str = Field(..., min_length=1, max_length=255)
    required: bool = False


class ChecklistIn(Schema):
    items: list[ChecklistItem] = Field(..., min_length=1, max_length=100)


class ChecklistOut(Schema):
    site_kind: SiteKind
    items: list[ChecklistItem]


class VerificationOut(Schema):
    plan_id: int
    match: bool
    checks: dict[str, bool] = Field(description="inputs: digest; log: commitment entry; checkpoint: the seed's; "
                                                "draw: recomputed result")


def _plan(request, plan_id: int):
    return get_object_or_404(selectors.plans_for(request.user), pk=plan_id)


def _task(request, task_id: int):
    return get_object_or_404(selectors.tasks_for(request.user).prefetch_related("inspectors", "findings"),
                             pk=task_id)


def _people(ids: list[int]) -> list[User]:
    people = list(User.objects.filter(pk__in=ids))
    if len(people) != len(set(ids)):
        message = _("检查人员不存在。")
        raise InvalidInput(message, {"inspectors": [message]})
    return people


@router.get("/supervision/plans", response=PlanPage)
def list_plans(request, filters: Query[PageQuery]):
    page = page_of(selectors.plans_for(request.user).order_by("-starts_on", "-pk"), filters.offset, filters.limit)
    return {"items": page.items, "offset": page.offset, "limit": page.limit, "has_more": page.has_more}


@router.post("/supervision/plans", response={201: PlanOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def create_plan(request, payload: PlanIn):
    """A campaign in draft. Grade ratios default to the data file's; refused when the scope has fewer
    businesses than asked for, the ratios do not sum to 100, or the pool has fewer than two."""
    division = get_object_or_404(Division, code=payload.division)
    types = list(InstrumentType.objects.filter(code__in=payload.instrument_types))
    plan = services.create_plan(
        request.user, name=payload.name, division=division, site_kinds=payload.site_kinds,
        instrument_types=types, starts_on=payload.starts_on, ends_on=payload.ends_on,
        draw_count=payload.draw_count, draw_percent=payload.draw_percent, grade_ratios=payload.grade_ratios,
        alert_weight=payload.alert_weight, alert_cap=payload.alert_cap, inspectors=_people(payload.inspectors),
    )
    return Status(201, plan)


@router.get("/supervision/plans/{plan_id}", response=PlanOut)
def get_plan(request, plan_id: RecordId):
    return _plan(request, plan_id)


@router.post("/supervision/plans/{plan_id}/weights", response={200: PlanOut, 403: ErrorOut, 409: ErrorOut,
                                                                422: ErrorOut})
def change_weights(request, plan_id: RecordId, payload: WeightsIn):
    return Status(200, services.change_weights(request.user, _plan(request, plan_id), grade_ratios=payload.grade_ratios,
                                               alert_weight=payload.alert_weight, alert_cap=payload.alert_cap))


@router.post("/supervision/plans/{plan_id}/commit", response={201: DrawOut, 403: ErrorOut, 409: ErrorOut,
                                                               422: ErrorOut})
def commit_draw(request, plan_id: RecordId):
    """Fix the candidates and parameters and put their digest on the transparency log."""
    return Status(201, services.commit_draw(request.user, _plan(request, plan_id)))


@router.post("/supervision/plans/{plan_id}/draw", response={200: DrawOut, 403: ErrorOut, 409: ErrorOut,
                                                             422: ErrorOut})
def perform_draw(request, plan_id: RecordId):
    """Draw with the seed of the first checkpoint signed after the commitment (409 until it exists,
    and for a second draw)."""
    return Status(200, services.perform_draw(request.user, _plan(request, plan_id)))


@router.get("/supervision/tasks", response=TaskPage)
def list_tasks(request, filters: Query[TaskFilter]):
    tasks = selectors.my_tasks(request.user) if filters.mine else selectors.tasks_for(request.user)
    if filters.plan_id:
        tasks = tasks.filter(plan_id=filters.plan_id)
    if filters.status:
        tasks = tasks.filter(status=filters.status)
    page = page_of(tasks.prefetch_related("inspectors").order_by("-pk"), filters.offset, filters.limit)
    return {"items": page.items, "offset": page.offset, "limit": page.limit, "has_more": page.has_more}


@router.get("/supervision/tasks/{task_id}", response=TaskDetailOut)
def get_task(request, task_id: RecordId):
    return _task(request, task_id)


@router.post("/supervision/tasks/{task_id}/submit", response={200: TaskDetailOut, 403: ErrorOut, 409: ErrorOut,
                                                               422: ErrorOut})
def submit_task(request, task_id: RecordId, payload: SubmitIn):
    """The inspector's record: every required checklist item answered, findings naming instruments."""
    task = services.submit_task(
        request.user, _task(request, task_id), answers=payload.answers, result=payload.result,
        inspected_on=payload.inspected_on, rectify_by=payload.rectify_by, summary=payload.summary,
        findings=[finding.dict() for finding in payload.findings], late_reason=payload.late_reason,
    )
    return Status(200, _task(request, task.pk))


@router.post("/supervision/tasks/{task_id}/evidence", response={201: EvidenceOut, 403: ErrorOut, 409: ErrorOut,
                                                                 422: ErrorOut})
def add_evidence(request, task_id: RecordId, file: File[UploadedFile]):
    """A JPEG, PNG or PDF of at most 5 MB; its SHA-256 goes on the transparency log."""
    task = _task(request, task_id)
    data = file.read(services.MAX_EVIDENCE_BYTES + 1)
    return Status(201, services.add_evidence(request.user, task, name=file.name or "", data=data))


@router.post("/supervision/tasks/{task_id}/publish", response={200: TaskDetailOut, 403: ErrorOut, 409: ErrorOut})
def publish_task(request, task_id: RecordId):
    services.publish_task(request.user, _task(request, task_id))
    return Status(200, _task(request, task_id))


@router.post("/supervision/alerts/{alert_id}/task", response={201: TaskDetailOut, 403: ErrorOut, 409: ErrorOut,
                                                               422: ErrorOut})
def task_from_alert(request, alert_id: RecordId, payload: AlertTaskIn):
    """Turn a monitoring alert into an inspection task of its site, by the two inspectors named."""
    alert = get_object_or_404(monitoring_selectors.alerts(request.user), pk=alert_id)
    task = services.create_task_from_alert(request.user, alert, inspectors=_people(payload.inspectors),
                                           note=payload.note)
    return Status(201, _task(request, task.pk))


@router.post("/supervision/conflicts", response={201: ConflictOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                                                 422: ErrorOut})
def declare_conflict(request, payload: ConflictIn):
    inspector = _people([payload.inspector])[0]
    organization = get_object_or_404(registry_selectors.organizations(request.user), pk=payload.organization)
    return Status(201, services.declare_conflict(request.user, inspector=inspector, organization=organization,
                                                 reason=payload.reason))


@router.get("/supervision/checklists/{site_kind}", response=ChecklistOut)
def get_checklist(request, site_kind: SiteKind):
    return {"site_kind": site_kind, "items": selectors.checklist_for(site_kind)}


@router.put("/supervision/checklists/{site_kind}", response={200: ChecklistOut, 403: ErrorOut, 422: ErrorOut})
def edit_checklist(request, site_kind: SiteKind, payload: ChecklistIn):
    row = services.edit_checklist(request.user, site_kind=site_kind, items=[i.dict() for i in payload.items])
    return Status(200, {"site_kind": row.site_kind, "items": row.items})


@public_router.get("/public/draws/{plan_id}", response=DrawOut, summary="A draw's public inputs, seed and result")
def public_draw(request, plan_id: RecordId):
    return get_object_or_404(selectors.public_draws(), plan_id=plan_id)


@public_router.get("/public/draws/{plan_id}/verify", response=VerificationOut,
                   summary="Recompute a draw from its public data")
def verify_draw(request, plan_id: RecordId):
    verdict = selectors.verify_draw(get_object_or_404(selectors.public_draws(), plan_id=plan_id))
    return {"plan_id": plan_id, "match": verdict.match, "checks": dict(verdict.checks)}
