"""Credit pages: the regulator's list of grades, a business's credit page with the explanation of
every point, the objection queue and its decisions, and the weights the city regulator edits."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from jiliang.accounts import selectors as account_selectors
from jiliang.accounts.access import may
from jiliang.accounts.models import Role
from jiliang.credit import selectors, services, weights, wording
from jiliang.credit.forms import DecisionForm, GradeFilterForm, ObjectionFilterForm, ObjectionForm, WeightForm
from jiliang.credit.models import CreditWeight, EventKind, EventState, Grade, Objection
from jiliang.errors import DomainError
from jiliang.ui.forms import apply_domain_error
from jiliang.ui.listing import ListColumn, Listing, render_listing


def _grade(organization) -> str:
    grade = getattr(organization, "credit_grade", None)
    return grade.grade if grade else weights.default_grade()


@login_required
def grade_list(request):
    form = GradeFilterForm(request.GET or None, divisions=account_selectors.jurisdiction_divisions(request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    division = filters.get("division")
    queryset = selectors.organizations(request.user, grade=filters.get("grade") or None,
                                       division_code=division.code if division else None, query=filters.get("q"))
    listing = Listing(
        title=_("信用等级"),
        export_name="credit-grades",
        default_sort="name",
        filter_form=form,
        detail_url=lambda o: reverse("credit:organization", args=[o.pk]),
        columns=[
            ListColumn(_("单位名称"), lambda o: o.name, "name", link=True),
            ListColumn(_("统一社会信用代码"), lambda o: o.uscc, "uscc"),
            ListColumn(_("所属区划"), lambda o: o.division.name),
            ListColumn(_("信用等级"), lambda o: Grade(_grade(o)).label, status=lambda o: f"grade_{_grade(o)}"),
            ListColumn(_("信用分"), lambda o: o.credit_grade.score if hasattr(o, "credit_grade") else
                       weights.scale().base_score),
            ListColumn(_("有效记录数"), lambda o: o.credit_grade.events if hasattr(o, "credit_grade") else 0),
        ],
    )
    if request.user.role == Role.CITY_REGULATOR:
        listing.actions = [(_("信用事项分值"), reverse("credit:weights"))]
    return render_listing(request, listing, queryset)


@login_required
def mine(request):
    if not request.user.organization_id:
        raise Http404
    return redirect("credit:organization", pk=request.user.organization_id)


@login_required
def organization_detail(request, pk: int):
    organization = selectors.organization(request.user, pk)
    if organization is None:
        raise Http404
    score, grade, rows = selectors.explanation(organization)
    owner_may_object = request.user.role == Role.OWNER
    pending = set(Objection.objects.filter(event__organization=organization, state="pending")
                  .values_list("event_id", flat=True))
    events = [{
        "event": event, "explanation": wording.line(entry),
        "objection_url": reverse("credit:objection-new", args=[event.pk])
        if owner_may_object and event.pk not in pending else None,
        "pending": event.pk in pending,
    } for event, entry in rows]
    voided = selectors.events(request.user, organization.pk).filter(state=EventState.VOIDED)
    return render(request, "credit/organization.html", {
        "title": _("信用记录：%(name)s") % {"name": organization.name},
        "status": (f"grade_{grade}", Grade(grade).label),
        "fields": [
            (_("单位名称"), organization.name),
            (_("统一社会信用代码"), organization.uscc),
            (_("所属区划"), organization.division.name),
            (_("信用等级"), Grade(grade).label),
            (_("信用分"), score),
        ],
        "actions": [(_("异议"), reverse("credit:objection-list"))],
        "total": wording.total(score, grade, [entry for _event, entry in rows]),
        "events": events,
        "voided": voided,
    })


@login_required
def objection_new(request, event_pk: int):
    event = get_object_or_404(selectors.events(request.user), pk=event_pk)
    form = ObjectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            objection = services.raise_objection(request.user, event, reason=form.cleaned_data["reason"])
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("异议已提交，监管部门处理后会通知您。"))
            return redirect("credit:objection", pk=objection.pk)
    return render(request, "ui/form.html", {
        "title": _("对信用记录提出异议：%(kind)s（%(date)s）") % {
            "kind": event.get_kind_display(), "date": event.occurred_on.isoformat()},
        "form": form,
        "cancel_url": reverse("credit:organization", args=[event.organization_id]),
    })


@login_required
def objection_list(request):
    form = ObjectionFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    queryset = selectors.objections(request.user, state=filters.get("state") or None)
    listing = Listing(
        title=_("信用异议"),
        export_name="credit-objections",
        default_sort="-raised_at",
        filter_form=form,
        detail_url=lambda o: reverse("credit:objection", args=[o.pk]),
        columns=[
            ListColumn(_("使用单位"), lambda o: o.event.organization.name, link=True),
            ListColumn(_("信用记录"), lambda o: o.event.get_kind_display()),
            ListColumn(_("发生日期"), lambda o: o.event.occurred_on),
            ListColumn(_("状态"), lambda o: o.get_state_display(), "state", status=lambda o: o.state),
            ListColumn(_("提出时间"), lambda o: o.raised_at, "raised_at"),
        ],
    )
    return render_listing(request, listing, queryset)


@login_required
def objection_detail(request, pk: int):
    objection = get_object_or_404(selectors.objections(request.user), pk=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decide_objection(request.user, objection, accept=form.cleaned_data["accept"] == "1",
                                      decision=form.cleaned_data["decision"])
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("异议已处理，已通知使用单位。"))
            return redirect("credit:objection", pk=pk)
    event = objection.event
    return render(request, "credit/objection.html", {
        "title": _("信用异议 #%(id)s") % {"id": objection.pk},
        "status": (objection.state, objection.get_state_display()),
        "fields": [
            (_("使用单位"), event.organization.name),
            (_("信用记录"), f"{event.get_kind_display()}：{event.summary}"),
            (_("发生日期"), event.occurred_on),
            (_("记录状态"), event.get_state_display()),
            (_("异议理由"), objection.reason),
            (_("提出时间"), objection.raised_at),
            (_("处理时间"), objection.decided_at),
            (_("处理意见"), objection.decision or None),
        ],
        "actions": [(_("单位信用记录"), reverse("credit:organization", args=[event.organization_id]))],
        "form": form if objection.state == "pending" and may(request.user, "decide", objection) else None,
    })


@login_required
def weight_list(request):
    in_force, reference = weights.in_force(), weights.reference()["kinds"]
    edited = {row.kind: row for row in CreditWeight.objects.select_related("updated_by")}
    rows = [{
        "kind": kind, "label": EventKind(kind).label, "points": in_force[kind].points,
        "half_life_days": in_force[kind].half_life_days, "cap": in_force[kind].cap, "basis": reference[kind]["basis"],
        "edited": edited.get(kind), "url": reverse("credit:weight-edit", args=[kind]),
    } for kind in EventKind.values]
    return render(request, "credit/weights.html", {
        "title": _("信用事项分值"), "rows": rows, "grading": weights.reference()["grading"]["source"],
        "may_edit": may(request.user, "change", CreditWeight()),
        "recomputing": selectors.recompute_pending(),
    })


@login_required
def weight_edit(request, kind: str):
    if kind not in EventKind.values:
        raise Http404
    current = weights.in_force()[kind]
    form = WeightForm(request.POST or None, initial={"points": f"{current.points:g}",
                                                   "half_life_days": current.half_life_days or "",
                                                   "cap": "" if current.cap is None else f"{current.cap:g}"})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_weight(request.user, kind=kind, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("分值已保存。全部信用等级正在后台按新分值重新计算，完成前显示的仍是原等级。"))
            return redirect("credit:weights")
    return render(request, "ui/form.html", {
        "title": _("修改分值：%(label)s") % {"label": EventKind(kind).label},
        "form": form, "cancel_url": reverse("credit:weights"),
    })
