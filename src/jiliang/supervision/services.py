"""Use cases of double-random supervision: plan a campaign, commit and draw it, fill and publish
inspections, attach evidence, turn an alert into a task, declare conflicts, edit checklists.

Each runs in one transaction with ``require`` and an audit row; the draw's commitment, its result,
each inspection result and each piece of evidence also go on the transparency log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.accounts import audit
from jiliang.accounts.access import AccessDenied, is_within_scope, require
from jiliang.accounts.models import REGULATOR_ROLES
from jiliang.credit.services import record_credit_event
from jiliang.enforcement.services import open_case
from jiliang.errors import Conflict, InvalidInput
from jiliang.ledger import services as ledger
from jiliang.ledger.note import parse_note
from jiliang.notifications import notifiers
from jiliang.notifications.services import tell_organization
from jiliang.registry.models import Instrument, SiteKind
from jiliang.supervision import draw as draws
from jiliang.supervision import reference, selectors
from jiliang.supervision.models import (
    Checklist,
    ConflictDeclaration,
    Draw,
    Evidence,
    Finding,
    FindingKind,
    InspectionPlan,
    InspectionTask,
    PlanStatus,
    TaskResult,
    TaskSource,
    TaskStatus,
)
from jiliang.workdays import add_working_days

_PLAN_FIELDS = ["id", "name", "division", "site_kinds", "starts_on", "ends_on", "draw_count", "draw_percent",
                "grade_ratios", "alert_weight", "alert_cap", "status"]
# What an inspection result counts for in the business's credit record (credit/data/credit_events.json).
CREDIT_KINDS = {TaskResult.PASSED: "inspection_passed", TaskResult.RECTIFY: "inspection_rectify",
                TaskResult.REFER: "inspection_referred"}
_TASK_FIELDS = ["id", "status", "result", "rectify_by", "inspected_on", "publish_by", "published_at"]
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
# The types a phone camera or a scanner gives, told by their first bytes, not by the name sent.
EVIDENCE_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png", b"%PDF-": "application/pdf"}


# --- Plans ---------------------------------------------------------------------------------------


def _plan_errors(plan: InspectionPlan, inspectors) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not plan.name.strip():
        errors["name"] = [_("请填写计划名称。")]
    if plan.starts_on and plan.ends_on and plan.ends_on < plan.starts_on:
        errors["ends_on"] = [_("结束日期不能早于开始日期。")]
    unknown = sorted(set(plan.site_kinds) - set(SiteKind.values))
    if unknown:
        errors["site_kinds"] = [_("未知场所类型：%(kinds)s。") % {"kinds": "、".join(unknown)}]
    if (plan.draw_count is None) == (plan.draw_percent is None):
        errors["draw_count"] = [_("抽取家数与抽取比例须填且只填一项。")]
    elif plan.draw_count is not None and plan.draw_count < 1:
        errors["draw_count"] = [_("抽取家数至少为1。")]
    elif plan.draw_percent is not None and not 1 <= plan.draw_percent <= 100:
        errors["draw_percent"] = [_("抽取比例须在1%到100%之间。")]
    try:
        draws.Weighting(plan.grade_ratios, plan.alert_weight, plan.alert_cap).check()
    except draws.DrawError as error:
        errors[error.field] = [_("A、B、C、D四个等级的权重须为不小于0的整数，合计100%。")
                               if error.field == "grade_ratios" else _("预警加权不能为负数。")]
    people = list(inspectors)
    if len(people) < draws.PAIR:
        errors["inspectors"] = [_("检查人员名录至少需要两人。")]
    elif any(p.role not in REGULATOR_ROLES or not p.is_active for p in people):
        errors["inspectors"] = [_("检查人员须为在职的监管人员。")]
    elif plan.division_id and any(not _covers(plan.division, p) for p in people):
        errors["inspectors"] = [_("检查人员须属于本计划的抽查区划。")]
    return errors


def _covers(division, person) -> bool:
    """Whether an inspector works in the plan's area (the city's officers work everywhere)."""
    return person.division_id is not None and (
        person.division_id == division.pk or division.path.startswith(person.division.path)
        or person.division.path.startswith(division.path)
    )


@transaction.atomic
def create_plan(actor, *, name: str, division, starts_on: dt.date, ends_on: dt.date, inspectors,
                site_kinds=(), instrument_types=(), draw_count: int | None = None,
                draw_percent: int | None = None, grade_ratios: dict | None = None,
                alert_weight: int | None = None, alert_cap: int | None = None) -> InspectionPlan:
    """A campaign in draft: its scope, how many to draw, the grade weights (defaults from the data
    file unless given) and the inspector pool. Refused when it cannot be drawn."""
    plan = InspectionPlan(
        name=name or "", division=division, starts_on=starts_on, ends_on=ends_on, site_kinds=list(site_kinds),
        draw_count=draw_count, draw_percent=draw_percent,
        grade_ratios=grade_ratios if grade_ratios is not None else reference.default_grade_ratios(),
        alert_weight=reference.default_value("alert_weight") if alert_weight is None else alert_weight,
        alert_cap=reference.default_value("alert_cap") if alert_cap is None else alert_cap,
        created_by=actor,
    )
    require(actor, "create", plan)
    inspectors = list(inspectors)
    errors = _plan_errors(plan, inspectors)
    if errors:
        raise InvalidInput(_("抽查计划有误。"), errors)
    plan.save()
    plan.instrument_types.set(instrument_types)
    plan.inspectors.set(inspectors)
    _check_drawable(plan)
    audit.record(actor, "inspection_plan.create", plan, after=_plan_snapshot(plan), division=plan.division)
    return plan


@transaction.atomic
def change_weights(actor, plan: InspectionPlan, *, grade_ratios: dict, alert_weight: int,
                   alert_cap: int) -> InspectionPlan:
    """Edit a draft plan's grade ratios and alert weighting (audited; frozen once committed)."""
    require(actor, "change", plan)
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.DRAFT:
        raise Conflict(_("抽取名单已公示，权重不能再修改。"))
    before = _plan_snapshot(plan)
    plan.grade_ratios, plan.alert_weight, plan.alert_cap = grade_ratios, alert_weight, alert_cap
    errors = {k: v for k, v in _plan_errors(plan, plan.inspectors.all()).items()
              if k in {"grade_ratios", "alert_weight"}}
    if errors:
        raise InvalidInput(_("权重设置有误。"), errors)
    plan.save(update_fields=["grade_ratios", "alert_weight", "alert_cap", "updated_at"])
    _check_drawable(plan)
    audit.record(actor, "inspection_plan.weights", plan, before=before, after=_plan_snapshot(plan),
                 division=plan.division)
    return plan


def _plan_snapshot(plan: InspectionPlan) -> dict:
    snapshot = audit.snapshot(plan, _PLAN_FIELDS)
    snapshot["inspectors"] = sorted(plan.inspectors.values_list("pk", flat=True))
    snapshot["instrument_types"] = sorted(plan.instrument_types.values_list("code", flat=True))
    return snapshot


def _draw_count(plan: InspectionPlan, drawable: int) -> int:
    if plan.draw_count is not None:
        return plan.draw_count
    return max(1, math.ceil(drawable * plan.draw_percent / 100))


def _check_drawable(plan: InspectionPlan) -> draws.Inputs:
    """The draw's inputs as of now; refuses a plan asking for more businesses than it has."""
    inputs = _inputs(plan)
    try:
        inputs.check()
    except draws.DrawError as error:
        drawable = sum(1 for c in inputs.candidates if c.weight > 0)
        message = {
            "count": _("计划抽取%(count)s家，但符合范围且可抽取的只有%(drawable)s家。")
            % {"count": inputs.count, "drawable": drawable},
            "inspectors": _("检查人员不足：至少一家对象找不到两名无需回避的检查人员。"),
        }.get(error.field, _("抽取条件有误。"))
        field = "draw_count" if error.field == "count" else error.field
        raise InvalidInput(_("抽查计划无法抽取。"), {field: [message]}) from error
    return inputs


def _inputs(plan: InspectionPlan) -> draws.Inputs:
    weighting = draws.Weighting(plan.grade_ratios, plan.alert_weight, plan.alert_cap)
    found = selectors.candidates(plan)
    candidates = weighting.candidates((str(pk), grade, open_alerts) for pk, open_alerts, grade in found)
    drawable = sum(1 for c in candidates if c.weight > 0)
    inspector_ids = list(plan.inspectors.order_by("pk").values_list("pk", flat=True))
    inspectors = [str(pk) for pk in inspector_ids]
    conflicts = selectors.conflicts({row[0] for row in found}, inspector_ids)
    return draws.Inputs(
        plan=str(plan.pk), count=_draw_count(plan, drawable), candidates=candidates, weighting=weighting,
        inspectors=inspectors,
        conflicts={str(org): frozenset(str(i) for i in people) for org, people in conflicts.items()},
    )


# --- The draw ------------------------------------------------------------------------------------


@transaction.atomic
def commit_draw(actor, plan: InspectionPlan) -> Draw:
    """Fix the candidate list and parameters and put their digest on the log; the seed will be the
    first checkpoint signed after it."""
    require(actor, "draw", plan)
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.DRAFT:
        raise Conflict(_("该计划的抽取名单已经公示过。"))
    inputs = _check_drawable(plan)
    document = inputs.document()
    sha = draws.document_digest(document)
    record = Draw.objects.create(plan=plan, inputs=document, inputs_sha256=sha, committed_at=timezone.now())
    ledger.append(draws.COMMITMENT_KIND, draws.commitment_record(plan.pk, sha))
    plan.status = PlanStatus.COMMITTED
    plan.save(update_fields=["status", "updated_at"])
    audit.record(actor, "inspection_plan.commit", plan, after={"inputs_sha256": sha, "candidates": len(inputs.candidates),
                                                                "count": inputs.count}, division=plan.division)
    return record


@transaction.atomic
def perform_draw(actor, plan: InspectionPlan) -> Draw:
    """Draw businesses and inspector pairs with the seed of the first checkpoint after the
    commitment, and make a task for each drawn business. Once per plan."""
    require(actor, "draw", plan)
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status == PlanStatus.DRAFT:
        raise Conflict(_("请先公示抽取名单，再进行抽取。"), {"plan": [_("名单尚未公示。")]})
    if plan.status != PlanStatus.COMMITTED:
        raise Conflict(_("该计划已经抽取过，不能再次抽取。"), {"plan": [_("已抽取。")]})
    record = plan.draw
    sealed = selectors.sealing_checkpoint(plan.pk)
    if sealed is None:
        raise Conflict(_("抽取名单尚未被透明日志的签名检查点封存，请稍后再抽取。"),
                       {"plan": [_("等待检查点签署。")]})
    record.commitment_index, checkpoint = sealed
    record.checkpoint_size = checkpoint.size
    record.checkpoint_text = parse_note(bytes(checkpoint.note)).text
    inputs = draws.Inputs.from_document(record.inputs)
    record.result = draws.run(draws.seed_from_checkpoint(record.checkpoint_text), inputs, record.inputs_sha256)
    record.drawn_at = timezone.now()
    record.save(update_fields=["commitment_index", "checkpoint_size", "checkpoint_text", "result", "drawn_at"])
    tasks = _tasks_for_draw(plan, record.result)
    ledger.append(draws.RESULT_KIND, draws.result_record(plan.pk, record.result))
    plan.status = PlanStatus.DRAWN
    plan.save(update_fields=["status", "updated_at"])
    audit.record(actor, "inspection_plan.draw", plan, after={"seed": record.result["seed"],
                                                              "checkpoint_size": record.checkpoint_size,
                                                              "drawn": len(tasks)}, division=plan.division)
    _tell_inspectors(plan.tasks.all())
    return record


def _tasks_for_draw(plan: InspectionPlan, result: dict) -> list[InspectionTask]:
    """A task per drawn business, with its pair of inspectors: two bulk inserts, whatever the count."""
    sites = selectors.site_per_organization(plan, [int(d["business"]) for d in result["drawn"]])
    checklists = {kind: selectors.checklist_for(kind) for kind in {site.kind for site in sites.values()}}
    tasks = InspectionTask.objects.bulk_create([
        InspectionTask(plan=plan, source=TaskSource.DRAW, organization_id=site.organization_id, site=site,
                       division_id=site.division_id, checklist=checklists[site.kind])
        for site in (sites[int(entry["business"])] for entry in result["drawn"])
    ])
    assignment = InspectionTask.inspectors.through
    assignment.objects.bulk_create([
        assignment(inspectiontask_id=task.pk, user_id=int(inspector))
        for task, entry in zip(tasks, result["drawn"], strict=True) for inspector in entry["inspectors"]
    ])
    return tasks


@notifiers.platform_language()
def _tell_inspectors(tasks) -> None:
    """Tell each inspector of ``tasks`` (a queryset) where to go, in one query (of the tasks only
    the names the notice needs: their checklists would be parsed once per inspector)."""
    assignments = (InspectionTask.inspectors.through.objects.filter(inspectiontask__in=tasks)
                   .select_related("inspectiontask__site", "inspectiontask__organization", "user")
                   .only("inspectiontask__site__name", "inspectiontask__organization__name", "user")
                   .order_by("inspectiontask_id", "pk"))
    notices = [
        notifiers.Notice(recipient=a.user, topic="supervision.task", title=_("新的检查任务"),
                         body=_("请前往%(site)s检查%(organization)s。") % {
                             "site": a.inspectiontask.site.name, "organization": a.inspectiontask.organization.name},
                         url=f"/supervision/tasks/{a.inspectiontask_id}/")
        for a in assignments
    ]
    notifiers.deliver(notices)


# --- Tasks ---------------------------------------------------------------------------------------


@transaction.atomic
def create_task_from_alert(actor, alert, *, inspectors, note: str = "") -> InspectionTask:
    """An inspection of the site an alert concerns, by a pair of inspectors the regulator names."""
    site = alert.site
    task = InspectionTask(source=TaskSource.ALERT, alert=alert, organization_id=site.organization_id, site=site,
                          division_id=site.division_id, checklist=selectors.checklist_for(site.kind),
                          summary=note)
    require(actor, "create", task)
    people = list(inspectors)
    errors: dict[str, list[str]] = {}
    if len({p.pk for p in people}) < draws.PAIR:
        errors["inspectors"] = [_("检查须由两名检查人员进行。")]
    elif any(p.role not in REGULATOR_ROLES or not p.is_active or not is_within_scope(p, task) for p in people):
        errors["inspectors"] = [_("检查人员须为管辖该场所的在职监管人员。")]
    elif selectors.conflicts([site.organization_id], [p.pk for p in people]).get(site.organization_id):
        errors["inspectors"] = [_("所选检查人员与该单位存在需回避的关系。")]
    if errors:
        raise InvalidInput(_("转办检查有误。"), errors)
    if InspectionTask.objects.filter(alert=alert, status=TaskStatus.OPEN).exists():
        raise Conflict(_("该预警已有待办的检查任务。"), {"alert": [_("已转办。")]})
    task.save()
    task.inspectors.set(people)
    audit.record(actor, "inspection_task.from_alert", task,
                 after={"alert": alert.pk, "inspectors": sorted(p.pk for p in people)}, division=task.division)
    _tell_inspectors(InspectionTask.objects.filter(pk=task.pk))
    return task


def _require_inspector(actor, task: InspectionTask) -> None:
    require(actor, "fill", task)
    if not actor.is_superuser and not task.inspectors.filter(pk=actor.pk).exists():
        raise AccessDenied(_("只有被选派的检查人员可以填写该检查。"))


def _answer_errors(checklist: list[dict], answers: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    known = {item["code"] for item in checklist}
    for code in sorted(set(answers) - known):
        errors[f"answers.{code}"] = [_("检查表中没有这一项。")]
    for item in checklist:
        value = answers.get(item["code"])
        if value not in (None, "yes", "no", "na"):
            errors[f"answers.{item['code']}"] = [_("请选择符合、不符合或不适用。")]
        elif item.get("required") and value is None:
            errors[f"answers.{item['code']}"] = [_("必填项：%(item)s") % {"item": item["text"]}]
    return errors


def _finding_rows(task: InspectionTask, findings: list[dict], errors: dict) -> list[Finding]:
    rows = []
    instruments = Instrument.objects.filter(
        owner_id=task.organization_id, pk__in=[f.get("instrument") for f in findings if f.get("instrument")]
    ).in_bulk()
    for n, item in enumerate(findings):
        kind, instrument_id = item.get("kind"), item.get("instrument")
        serial_no = (item.get("serial_no") or "").strip()
        if kind not in FindingKind.values:
            errors[f"findings.{n}.kind"] = [_("请选择问题类型。")]
        elif kind == FindingKind.UNREGISTERED and not serial_no:
            errors[f"findings.{n}.serial_no"] = [_("未备案器具须填写出厂编号。")]
        elif kind != FindingKind.UNREGISTERED and instrument_id not in instruments:
            errors[f"findings.{n}.instrument"] = [_("请选择该单位名下的计量器具。")]
        rows.append(Finding(task=task, kind=kind or "", instrument=instruments.get(instrument_id),
                            serial_no=serial_no[:64], note=(item.get("note") or "")[:255]))
    return rows


@transaction.atomic
def submit_task(actor, task: InspectionTask, *, answers: dict, result: str, inspected_on: dt.date,
                findings: list[dict] = (), rectify_by: dt.date | None = None, summary: str = "",
                late_reason: str = "") -> InspectionTask:
    """An inspector's record: the checklist answers (every required item), findings naming
    instruments, and the result. Sets the date by which the result must be public. A referral
    filed past the case-filing deadline needs ``late_reason``."""
    _require_inspector(actor, task)
    task = InspectionTask.objects.select_for_update().get(pk=task.pk)
    if task.status != TaskStatus.OPEN:
        raise Conflict(_("该检查已提交，不能重复提交。"))
    errors = _answer_errors(task.checklist, answers or {})
    findings = list(findings or [])
    rows = _finding_rows(task, findings, errors)
    if result not in TaskResult.values:
        errors["result"] = [_("请选择检查结果。")]
    elif result == TaskResult.PASSED and findings:
        errors["result"] = [_("有检查发现时不能判定为未发现问题。")]
    elif result != TaskResult.PASSED and not findings and not summary.strip():
        errors["summary"] = [_("请写明发现的问题。")]
    if inspected_on is None or inspected_on > timezone.localdate():
        errors["inspected_on"] = [_("检查日期不能晚于今天。")]
    if result == TaskResult.RECTIFY and (rectify_by is None or (inspected_on and rectify_by <= inspected_on)):
        errors["rectify_by"] = [_("责令整改须给出晚于检查日期的整改期限。")]
    if errors:
        raise InvalidInput(_("检查记录有误。"), errors)
    before = audit.snapshot(task, _TASK_FIELDS)
    task.answers, task.result, task.inspected_on, task.summary = answers, result, inspected_on, summary
    task.rectify_by = rectify_by if result == TaskResult.RECTIFY else None
    task.publish_by = must_publish_by(inspected_on)
    task.status = TaskStatus.SUBMITTED
    task.save()
    Finding.objects.bulk_create(rows)
    ledger.append("supervision.inspection_result", {
        "id": f"task-{task.pk}", "organization": task.organization.uscc, "result": result,
        "inspected_on": inspected_on.isoformat(), "answers": dict(sorted(answers.items())),
        "findings": [[f.kind, f.instrument.public_code if f.instrument else f.serial_no] for f in rows],
        "evidence": list(task.evidence.values_list("sha256", flat=True)),
    })
    audit.record(actor, "inspection_task.submit", task, before=before, after=audit.snapshot(task, _TASK_FIELDS),
                 division=task.division)
    record_credit_event(actor, organization=task.organization, kind=CREDIT_KINDS[result], occurred_on=inspected_on,
                        source_type="inspection", source_id=task.pk,
                        summary=_("%(site)s现场检查：%(result)s") % {"site": task.site.name,
                                                                 "result": task.get_result_display()})
    if result == TaskResult.REFER:
        _refer_to_case(actor, task, rows, late_reason)
    return task


def _refer_to_case(actor, task: InspectionTask, findings: list[Finding], late_reason: str) -> None:
    """移送立案: the referral opens the enforcement case in the submit's transaction, so a refused
    case (e.g. past the filing deadline without a reason) leaves the result unsubmitted too."""
    instrument = next((f.instrument for f in findings if f.instrument is not None), None)
    open_case(actor, source_type="inspection", source_id=task.pk, organization=task.organization, site=task.site,
              instrument=instrument, title=_("%(site)s现场检查移送立案") % {"site": task.site.name},
              discovered_on=task.inspected_on, late_reason=late_reason)


@transaction.atomic
def publish_task(actor, task: InspectionTask) -> InspectionTask:
    """Publish a submitted result (一公开); the business is told."""
    require(actor, "publish", task)
    task = InspectionTask.objects.select_for_update().get(pk=task.pk)
    if task.status != TaskStatus.SUBMITTED:
        raise Conflict(_("只有已提交的检查结果可以公开。"))
    return _publish(actor, task)


def publish_due_results(today: dt.date | None = None) -> int:
    """The daily job: publish every submitted result whose last day to publish has come, so that
    none stays unpublished past its 20 working days; returns how many."""
    today = today or timezone.localdate()
    due = InspectionTask.objects.filter(status=TaskStatus.SUBMITTED, publish_by__lte=today).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            task = InspectionTask.objects.select_for_update().get(pk=pk)
            if task.status == TaskStatus.SUBMITTED:
                _publish(None, task)
    return len(due)


def _publish(actor, task: InspectionTask) -> InspectionTask:
    before = audit.snapshot(task, _TASK_FIELDS)
    task.status, task.published_at = TaskStatus.PUBLISHED, timezone.now()
    task.save(update_fields=["status", "published_at", "updated_at"])
    if task.plan_id and not task.plan.tasks.exclude(status=TaskStatus.PUBLISHED).exists():
        InspectionPlan.objects.filter(pk=task.plan_id).update(status=PlanStatus.CLOSED)  # every result public
    audit.record(actor, "inspection_task.publish", task, before=before, after=audit.snapshot(task, _TASK_FIELDS),
                 division=task.division)
    with notifiers.platform_language():
        tell_organization(task.organization_id, topic="supervision.result", title=_("检查结果已公开"),
                          body=_("%(site)s的检查结果：%(result)s。") % {"site": task.site.name,
                                                                      "result": task.get_result_display()},
                          url=f"/public/inspections/{task.pk}/")
    return task


@transaction.atomic
def add_evidence(actor, task: InspectionTask, *, name: str, data: bytes) -> Evidence:
    """A photo or file from the site (JPEG, PNG or PDF up to 5 MB); its SHA-256 goes on the log."""
    _require_inspector(actor, task)
    if task.status != TaskStatus.OPEN:
        raise Conflict(_("检查已提交，不能再添加证据。"))
    content_type = next((kind for magic, kind in EVIDENCE_TYPES.items() if data.startswith(magic)), None)
    errors = {}
    if not data:
        errors["file"] = [_("文件为空。")]
    elif len(data) > MAX_EVIDENCE_BYTES:
        errors["file"] = [_("文件超过5 MB。")]
    elif content_type is None:
        errors["file"] = [_("只接受JPEG、PNG图片或PDF文件。")]
    if errors:
        raise InvalidInput(_("证据文件不被接受。"), errors)
    sha = hashlib.sha256(data).hexdigest()
    evidence = Evidence.objects.create(task=task, name=(name or "evidence")[:128], content_type=content_type,
                                       size=len(data), sha256=sha, data=data, uploaded_by=actor)
    ledger.append("supervision.evidence", {"id": f"evidence-{evidence.pk}", "task": task.pk, "sha256": sha})
    audit.record(actor, "inspection_evidence.add", evidence,
                 after={"task": task.pk, "name": evidence.name, "size": evidence.size, "sha256": sha},
                 division=task.division)
    return evidence


@transaction.atomic
def download_evidence(actor, evidence: Evidence) -> Evidence:
    """A piece of evidence the caller may see (``selectors.evidence_for``), its download audited."""
    audit.record(actor, "inspection_evidence.download", evidence,
                 after={"task": evidence.task_id, "name": evidence.name, "sha256": evidence.sha256},
                 division=evidence.task.division)
    return evidence


# --- Conflicts and checklists --------------------------------------------------------------------


@transaction.atomic
def declare_conflict(actor, *, inspector, organization, reason: str) -> ConflictDeclaration:
    """An inspector's relation with a business (kin, former employer …): never drawn for it."""
    declaration = ConflictDeclaration(inspector=inspector, organization=organization, reason=(reason or "").strip())
    require(actor, "create", declaration)
    if not declaration.reason:
        raise InvalidInput(_("回避申报有误。"), {"reason": [_("请填写回避事由。")]})
    if ConflictDeclaration.objects.filter(inspector=inspector, organization=organization).exists():
        raise Conflict(_("已申报过与该单位的回避关系。"))
    declaration.save()
    audit.record(actor, "conflict.declare", declaration,
                 after={"inspector": inspector.pk, "organization": organization.pk, "reason": declaration.reason},
                 division=inspector.division)
    return declaration


@transaction.atomic
def edit_checklist(actor, *, site_kind: str, items: list[dict]) -> Checklist:
    """The city's checklist for a site kind (used by tasks created from now on)."""
    row = Checklist.objects.filter(site_kind=site_kind).first() or Checklist(site_kind=site_kind)
    require(actor, "change", row)
    errors: dict[str, list[str]] = {}
    if site_kind not in SiteKind.values:
        errors["site_kind"] = [_("未知场所类型。")]
    codes = [item.get("code") for item in items or []]
    if not items or len(set(codes)) != len(codes) or not all(
        isinstance(item.get("code"), str) and item["code"] and str(item.get("text", "")).strip() for item in items
    ):
        errors["items"] = [_("每个检查项须有不重复的编号和内容。")]
    if errors:
        raise InvalidInput(_("检查表有误。"), errors)
    before = {"items": row.items} if row.pk else {"items": reference.default_checklist(site_kind)}
    row.items = [{"code": i["code"], "text": str(i["text"]).strip(), "required": bool(i.get("required"))}
                 for i in items]
    row.save()
    audit.record(actor, "checklist.edit", row, before=before, after={"items": row.items})
    return row


def must_publish_by(inspected_on: dt.date) -> dt.date:
    """The last day to publish a result formed on ``inspected_on`` (20 working days by default)."""
    return add_working_days(inspected_on, reference.default_value("publish_within_working_days"))
