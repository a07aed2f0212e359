"""Supervision pages: the regulator's campaign board and plan pages, the task list, the inspector's
phone form, an alert's "turn into an inspection"; and the public draw and result pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiliang.accounts import selectors as account_selectors
from jiliang.accounts.access import may
from jiliang.accounts.masking import mask_owner_name
from jiliang.accounts.models import REGULATOR_ROLES, Division, User
from jiliang.enforcement import selectors as enforcement_selectors
from jiliang.errors import DomainError
from jiliang.monitoring import selectors as monitoring_selectors
from jiliang.registry import selectors as registry_selectors
from jiliang.registry.models import Instrument, SiteKind
from jiliang.supervision import selectors, services
from jiliang.supervision.forms import (
    ANSWERS,
    AlertTaskForm,
    ConflictForm,
    ChecklistForm,
    EvidenceForm,
    PlanForm,
    TaskFilterForm,
    TaskForm,
)
from jiliang.supervision.models import Checklist, ConflictDeclaration, InspectionPlan, PlanStatus, TaskStatus
from jiliang.ui.forms import apply_domain_error
from jiliang.ui.listing import ListColumn, Listing, render_listing


def _inspector_pool(user):
    return account_selectors.users(user).filter(role__in=REGULATOR_ROLES, is_active=True).order_by("division__path",
                                                                                                    "username")


def _masked_name(person: User) -> str:
    """An inspector's name on a public page: the family name and a mask (张**)."""
    name = person.display_name or person.username
    return name[:1] + "*" * max(1, len(name) - 1)


@login_required
def plan_list(request):
    listing = Listing(
        title=_("双随机抽查计划"),
        export_name="inspection-plans",
        default_sort="-starts_on",
        detail_url=lambda p: reverse("supervision:plan-detail", args=[p.pk]),
        actions=[(_("新建抽查计划"), reverse("supervision:plan-create"))]
        if request.user.role in REGULATOR_ROLES else [],
        columns=[
            ListColumn(_("计划名称"), lambda p: p.name, "name", link=True),
            ListColumn(_("状态"), lambda p: p.get_status_display(), "status", status=lambda p: p.status),
            ListColumn(_("抽查区划"), lambda p: p.division.name),
            ListColumn(_("开始日期"), lambda p: p.starts_on, "starts_on"),
            ListColumn(_("结束日期"), lambda p: p.ends_on),
            ListColumn(_("任务数"), lambda p: p.task_count),
            ListColumn(_("已检查"), lambda p: p.done_count),
            ListColumn(_("已公开"), lambda p: p.published_count),
        ],
    )
    return render_listing(request, listing, selectors.plans_for(request.user))


@login_required
def plan_create(request):
    form = PlanForm(request.POST or None, divisions=account_selectors.jurisdiction_divisions(request.user),
                    people=_inspector_pool(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.create_plan(
                request.user, name=data["name"], division=data["division"], site_kinds=data["site_kinds"],
                starts_on=data["starts_on"], ends_on=data["ends_on"], draw_count=data["draw_count"],
                draw_percent=data["draw_percent"], grade_ratios=form.grade_ratios(),
                alert_weight=data["alert_weight"], alert_cap=data["alert_cap"], inspectors=data["inspectors"])
        except DomainError as error:
            if "grade_ratios" in error.fields:
                error.fields["grade_D"] = error.fields.pop("grade_ratios")
            apply_domain_error(form, error)
        else:
            messages.success(request, _("抽查计划已创建。"))
            return redirect("supervision:plan-detail", pk=plan.pk)
    return render(request, "ui/form.html", {"form": form, "title": _("新建抽查计划"),
                                            "cancel_url": reverse("supervision:plan-list")})


def _plan_fields(plan: InspectionPlan) -> list[tuple[str, object]]:
    kinds = "、".join(str(SiteKind(k).label) for k in plan.site_kinds) or _("全部类型")
    ratios = "，".join(f"{grade}类 {ratio}%" for grade, ratio in sorted(plan.grade_ratios.items()))
    return [
        (_("抽查区划"), plan.division.name),
        (_("场所类型"), kinds),
        (_("检查期间"), f"{plan.starts_on:%Y-%m-%d} — {plan.ends_on:%Y-%m-%d}"),
        (_("抽取数量"), _("%(n)s家") % {"n": plan.draw_count} if plan.draw_count
         else _("%(p)s%%（向上取整）") % {"p": plan.draw_percent}),
        (_("信用等级权重"), ratios),
        (_("预警加权"), _("每条在办预警加%(w)s%%，至多计%(c)s条") % {"w": plan.alert_weight, "c": plan.alert_cap}),
        (_("执法检查人员"), "、".join(p.display_name or p.username for p in plan.inspectors.all())),
    ]


@login_required
def plan_detail(request, pk: int):
    plan = get_object_or_404(selectors.plans_for(request.user), pk=pk)
    tasks = selectors.tasks_for(request.user, plan=plan).order_by("pk")
    actions = []
    if plan.status in (PlanStatus.DRAWN, PlanStatus.CLOSED):
        actions.append((_("公开的抽取结果与验证"), reverse("supervision:public-draw", args=[plan.pk])))
    rows = [(reverse("supervision:task-detail", args=[t.pk]),
             [t.organization.name, t.site.name, t.get_status_display(), t.get_result_display() or "—",
              t.publish_by]) for t in tasks]
    return render(request, "supervision/plan_detail.html", {
        "title": plan.name, "status": (plan.status, plan.get_status_display()), "fields": _plan_fields(plan),
        "actions": actions, "plan": plan, "may_draw": may(request.user, "draw", plan),
        "headers": [_("检查对象"), _("检查场所"), _("状态"), _("检查结果"), _("公开期限")], "rows": rows,
    })


@login_required
@require_POST
def plan_step(request, pk: int, step: str):
    """The two buttons of a plan: publish the candidate list to the log, then draw."""
    plan = get_object_or_404(selectors.plans_for(request.user), pk=pk)
    write = {"commit": services.commit_draw, "draw": services.perform_draw}.get(step)
    if write is None:
        raise Http404
    try:
        write(request.user, plan)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("抽取名单已公示并写入透明日志。") if step == "commit" else _("抽取完成，检查任务已派发。"))
    return redirect("supervision:plan-detail", pk=pk)


@login_required
def task_list(request):
    mine = request.path == reverse("supervision:my-tasks")
    form = TaskFilterForm(request.GET or None)
    status = form.cleaned_data.get("status") if form.is_valid() else ""
    queryset = selectors.my_tasks(request.user) if mine else selectors.tasks_for(request.user)
    if status:
        queryset = queryset.filter(status=status)
    listing = Listing(
        title=_("我的检查任务") if mine else _("检查任务"),
        export_name="inspection-tasks",
        default_sort="status",
        filter_form=form,
        detail_url=lambda t: reverse("supervision:task-detail", args=[t.pk]),
        columns=[
            ListColumn(_("检查对象"), lambda t: t.organization.name, link=True),
            ListColumn(_("检查场所"), lambda t: t.site.name),
            ListColumn(_("状态"), lambda t: t.get_status_display(), "status", status=lambda t: t.status),
            ListColumn(_("来源"), lambda t: t.get_source_display()),
            ListColumn(_("检查结果"), lambda t: t.get_result_display() or "—"),
            ListColumn(_("公开期限"), lambda t: t.publish_by),
            ListColumn(_("所在区划"), lambda t: t.division.name),
        ],
    )
    return render_listing(request, listing, queryset)


@login_required
def task_detail(request, pk: int):
    task = get_object_or_404(selectors.tasks_for(request.user).prefetch_related("inspectors", "findings"), pk=pk)
    is_inspector = task.inspectors.filter(pk=request.user.pk).exists()
    instruments = Instrument.objects.filter(owner_id=task.organization_id, site_id=task.site_id).select_related("type")
    form = evidence_form = None
    if task.status == TaskStatus.OPEN and is_inspector:
        form = TaskForm(request.POST or None, checklist=task.checklist, instruments=instruments)
        evidence_form = EvidenceForm()
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.submit_task(request.user, task, answers=form.answers(), result=data["result"],
                                     inspected_on=data["inspected_on"], rectify_by=data["rectify_by"],
                                     summary=data["summary"], findings=form.findings(),
                                     late_reason=data["late_reason"])
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("检查记录已提交。"))
                return redirect("supervision:task-detail", pk=pk)
    return render(request, "supervision/task_detail.html", {
        "title": task.organization.name, "subtitle": task.site.name,
        "status": (task.status, task.get_status_display()), "task": task, "form": form,
        "evidence": task.evidence.defer("data"),
        "actions": _case_link(request.user, task),
        "evidence_form": evidence_form, "fields": _task_fields(task),
        "may_publish": task.status == TaskStatus.SUBMITTED and may(request.user, "publish", task),
        "answers": [(item["text"], dict(ANSWERS).get(task.answers.get(item["code"]), "—"))
                    for item in task.checklist] if task.status != TaskStatus.OPEN else [],
    })


def _case_link(user, task) -> list[tuple[str, str]]:
    """The case a referred result opened, when the reader may see it (the case page links back)."""
    case = enforcement_selectors.cases(user).filter(source_type="inspection", source_id=str(task.pk)).first()
    return [(_("查看案件"), reverse("enforcement:case-detail", args=[case.pk]))] if case else []


def _task_fields(task) -> list[tuple[str, object]]:
    return [
        (_("检查场所"), f"{task.site.name}（{task.site.get_kind_display()}）"),
        (_("地址"), task.site.address or "—"),
        (_("来源"), task.get_source_display()),
        (_("检查人员"), "、".join(p.display_name or p.username for p in task.inspectors.all())),
        (_("检查日期"), task.inspected_on),
        (_("检查结果"), task.get_result_display() or "—"),
        (_("整改期限"), task.rectify_by),
        (_("公开期限"), task.publish_by),
        (_("公开时间"), task.published_at),
    ]


@login_required
@require_POST
def task_evidence(request, pk: int):
    task = get_object_or_404(selectors.tasks_for(request.user), pk=pk)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.add_evidence(request.user, task, name=upload.name,
                                  data=upload.read(services.MAX_EVIDENCE_BYTES + 1))
        except DomainError as error:
            messages.error(request, " ".join(sum(error.fields.values(), [])) or error.message)
        else:
            messages.success(request, _("证据已上传，其摘要已写入透明日志。"))
    else:
        messages.error(request, _("请选择要上传的文件。"))
    return redirect("supervision:task-detail", pk=pk)


@login_required
def evidence_file(request, pk: int, evidence_pk: int):
    """A photo or file of a task the reader may see, as it was uploaded (its SHA-256 is on the log)."""
    evidence = get_object_or_404(selectors.evidence_for(request.user).filter(task_id=pk), pk=evidence_pk)
    services.download_evidence(request.user, evidence)
    response = HttpResponse(bytes(evidence.data), content_type=evidence.content_type)
    response["Content-Disposition"] = content_disposition_header(True, evidence.name)
    return response


@login_required
@require_POST
def task_publish(request, pk: int):
    task = get_object_or_404(selectors.tasks_for(request.user), pk=pk)
    try:
        services.publish_task(request.user, task)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("检查结果已公开。"))
    return redirect("supervision:task-detail", pk=pk)


@login_required
def alert_task(request, alert_id: int):
    """Turn a monitoring alert into an inspection task of its site."""
    alert = get_object_or_404(monitoring_selectors.alerts(request.user), pk=alert_id)
    form = AlertTaskForm(request.POST or None, people=_inspector_pool(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            task = services.create_task_from_alert(request.user, alert, inspectors=form.cleaned_data["inspectors"],
                                                   note=form.cleaned_data["note"])
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("已转为检查任务。"))
            return redirect("supervision:task-detail", pk=task.pk)
    return render(request, "ui/form.html", {
        "form": form, "title": _("预警转检查：%(site)s") % {"site": alert.site.name},
        "cancel_url": reverse("monitoring:alert-detail", args=[alert.pk])})


@login_required
def conflicts(request):
    """回避申报: the declared relations in the reader's area, and the form to declare one."""
    form = ConflictForm(request.POST or None, people=_inspector_pool(request.user),
                        organizations=registry_selectors.organizations(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.declare_conflict(request.user, inspector=data["inspector"], organization=data["organization"],
                                      reason=data["reason"])
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("回避关系已登记，此后的抽取不会选派该人员检查该单位。"))
            return redirect("supervision:conflicts")
    rows = [(None, [d.inspector.display_name or d.inspector.username, d.organization.name, d.reason, d.declared_at])
            for d in selectors.conflict_declarations(request.user)[:500]]
    return render(request, "supervision/conflicts.html", {
        "form": form, "headers": [_("执法检查人员"), _("使用单位"), _("回避事由"), _("申报时间")], "rows": rows,
        "may_declare": may(request.user, "create", ConflictDeclaration(inspector=request.user))})


@login_required
def checklist_list(request):
    rows = [(reverse("supervision:checklist-edit", args=[kind]),
             [label, len(selectors.checklist_for(kind)),
              _("已修改") if Checklist.objects.filter(site_kind=kind).exists() else _("默认")])
            for kind, label in SiteKind.choices]
    return render(request, "supervision/checklists.html", {
        "headers": [_("场所类型"), _("检查项数"), _("来源")], "rows": rows})


@login_required
def checklist_edit(request, site_kind: str):
    if site_kind not in SiteKind.values:
        raise Http404
    form = ChecklistForm(request.POST or None, items=selectors.checklist_for(site_kind))
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_checklist(request.user, site_kind=site_kind, items=form.items())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("检查表已保存，此后新建的检查任务使用新检查表。"))
            return redirect("supervision:checklist-list")
    return render(request, "ui/form.html", {
        "form": form, "title": _("检查表：%(kind)s") % {"kind": SiteKind(site_kind).label},
        "cancel_url": reverse("supervision:checklist-list")})


# --- Public pages ------------------------------------------------------------------------------------


def _public_name(organization) -> str:
    return mask_owner_name(organization.name, organization.uscc)


def public_draw(request, plan_id: int):
    record = get_object_or_404(selectors.public_draws(), plan_id=plan_id)
    verdict = selectors.verify_draw(record)
    drawn_ids = [int(d["business"]) for d in record.result["drawn"]]
    tasks = {t.organization_id: t for t in InspectionPlan.objects.get(pk=plan_id).tasks.select_related(
        "organization", "site")}
    people = User.objects.in_bulk([int(i) for d in record.result["drawn"] for i in d["inspectors"]])
    rows = [(reverse("supervision:public-result", args=[tasks[org].pk])
             if org in tasks and tasks[org].status == TaskStatus.PUBLISHED else None,
             [_public_name(tasks[org].organization) if org in tasks else org, tasks[org].site.name if org in tasks else "—",
              "、".join(_masked_name(people[int(i)]) for i in d["inspectors"] if int(i) in people)])
            for org, d in zip(drawn_ids, record.result["drawn"], strict=True)]
    labels = {"inputs": _("候选名单与参数的摘要"), "log": _("摘要已写入透明日志"),
              "checkpoint": _("随机种子取自其后第一个签名检查点"), "draw": _("按公开数据重算抽取结果")}
    return render(request, "supervision/public_draw.html", {
        "record": record, "plan": record.plan, "verdict": verdict,
        "checks": [(labels[name], held) for name, held in verdict.checks],
        "candidates": len(record.inputs["candidates"]), "headers": [_("检查对象"), _("检查场所"), _("检查人员")],
        "rows": rows, "json_url": f"/api/v1/public/draws/{plan_id}",
    })


def public_results(request):
    tasks = selectors.public_results()[:200]
    rows = [(reverse("supervision:public-result", args=[t.pk]),
             [_public_name(t.organization), t.site.name, t.get_result_display(), t.inspected_on]) for t in tasks]
    return render(request, "supervision/public_results.html", {
        "headers": [_("检查对象"), _("检查场所"), _("检查结果"), _("检查日期")], "rows": rows})


def public_result(request, pk: int):
    task = get_object_or_404(selectors.public_results(), pk=pk)
    return render(request, "supervision/public_result.html", {
        "task": task, "organization": _public_name(task.organization),
        "summary": selectors.masked_summary(task), "findings": task.findings.select_related("instrument"),
        "division": Division.objects.get(pk=task.division_id).name,
    })
