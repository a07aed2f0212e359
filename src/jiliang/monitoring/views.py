"""Monitoring pages: the county alert inbox with the evidence view, the station view with its
reconciliation chart (inline SVG), and device status with the online rate."""

import datetime as dt
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.accounts import selectors as account_selectors
from jiliang.accounts.access import may
from jiliang.errors import DomainError
from jiliang.monitoring import charts, engine, evidence, followup, profiles, selectors, services
from jiliang.monitoring.forms import (
    AlertFilterForm,
    AssignForm,
    DeviceFilterForm,
    NoteForm,
    TransitionForm,
    VerificationRequestForm,
)
from jiliang.monitoring.models import TERMINAL_STATES, AlertState, DeviceKind
from jiliang.monitoring.rules import intervals
from jiliang.registry import selectors as registry_selectors
from jiliang.ui.forms import apply_domain_error
from jiliang.ui.listing import ListColumn, Listing, render_listing

STATION_DAYS = 7
ONLINE_WINDOW = dt.timedelta(hours=1)


@login_required
def alert_list(request):
    divisions = account_selectors.jurisdiction_divisions(request.user)
    form = AlertFilterForm(request.GET or None, divisions=divisions)
    filters = form.cleaned_data if form.is_valid() else {}
    division = filters.get("division")
    active = {"1": True, "0": False}.get(filters.get("active") or "")
    queryset = selectors.alerts(request.user, division_code=division.code if division else None,
                                state=filters.get("state") or None, severity=filters.get("severity") or None,
                                rule_code=filters.get("rule") or None, active=active,
                                assignee_id=request.user.pk if filters.get("mine") else None)
    listing = Listing(
        title=_("预警"),
        export_name="alerts",
        default_sort="-opened_at",
        filter_form=form,
        detail_url=lambda a: reverse("monitoring:alert-detail", args=[a.pk]),
        columns=[
            ListColumn(_("规则"), lambda a: f"{a.rule_code} {a.message}", "rule_code", link=True),
            ListColumn(_("级别"), lambda a: a.get_severity_display(), "severity", status=lambda a: a.severity),
            ListColumn(_("状态"), lambda a: a.get_state_display(), "state", status=lambda a: a.state),
            ListColumn(_("持续中"), lambda a: _("是") if a.active else _("否")),
            ListColumn(_("设备"), lambda a: a.device.code),
            ListColumn(_("经营场所"), lambda a: a.site.name),
            ListColumn(_("负责区划"), lambda a: a.division.name),
            ListColumn(_("触发次数"), lambda a: a.occurrences),
            ListColumn(_("产生时间"), lambda a: timezone.localtime(a.opened_at).strftime("%Y-%m-%d %H:%M"), "opened_at"),
            ListColumn(_("提醒次数"), lambda a: a.reminders),
            ListColumn(_("承办人"), lambda a: a.assignee),
            ListColumn(_("办理期限"), lambda a: a.due_at and timezone.localtime(a.due_at).strftime("%Y-%m-%d %H:%M"),
                       "due_at"),
        ],
    )
    return render_listing(request, listing, queryset)


@login_required
def alert_detail(request, pk: int):
    alert = get_object_or_404(selectors.alerts(request.user), pk=pk)
    form = TransitionForm(request.POST or None)
    form.fields["state"].choices = [(s, AlertState(s).label) for s in alert.allowed_transitions()]
    if request.method == "POST" and form.is_valid():
        try:
            services.transition_alert(request.user, alert, form.cleaned_data["state"], form.cleaned_data["note"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("预警状态已更新。"))
            return redirect("monitoring:alert-detail", pk=pk)
    return _alert_page(request, alert, form=form)


def _alert_page(request, alert, **bound):
    """The alert's page; ``bound`` holds a posted form that failed, shown with its errors."""
    fields = [
        (_("规则"), f"{alert.rule_code} {alert.message}"),
        (_("级别"), alert.get_severity_display()),
        (_("状态"), alert.get_state_display()),
        (_("持续中"), _("是") if alert.active else _("否")),
        (_("设备"), f"{alert.device.code} ({alert.device.get_kind_display()})"),
        (_("计量器具"), alert.device.instrument and f"{alert.device.instrument.type.name_zh} "
                                                   f"{alert.device.instrument.public_code}"),
        (_("经营场所"), alert.site.name),
        (_("负责区划"), alert.division.name),
        (_("承办人"), alert.assignee),
        (_("办理期限"), alert.due_at and timezone.localtime(alert.due_at)),
        (_("期限提醒"), alert.get_deadline_notice_display() or None),
        (_("报检申请"), alert.verification_request_id and f"#{alert.verification_request_id}"),
        (_("触发次数"), alert.occurrences),
        (_("产生时间"), timezone.localtime(alert.opened_at)),
        (_("最近触发"), timezone.localtime(alert.last_seen_at)),
        (_("升级时间"), alert.escalated_at and timezone.localtime(alert.escalated_at)),
        (_("解除时间"), alert.cleared_at and timezone.localtime(alert.cleared_at)),
        (_("提醒次数"), alert.reminders),
    ]
    actions = [(_("场站视图"), reverse("monitoring:station", args=[alert.site_id]))]
    if alert.device.instrument_id:
        actions.append((_("计量器具"), reverse("registry:instrument-detail", args=[alert.device.instrument_id])))
    if alert.verification_request_id:
        actions.append((_("报检申请"), reverse("verification:request-detail", args=[alert.verification_request_id])))
    if may(request.user, "transition", alert):
        actions.append((_("转为检查任务"), reverse("supervision:alert-task", args=[alert.pk])))
        if alert.state == AlertState.CONFIRMED:
            actions.append((_("立案"), reverse("enforcement:case-open-alert", args=[alert.pk])))
    form = bound.get("form")
    following = alert.state not in TERMINAL_STATES and may(request.user, "assign", alert)
    return render(request, "monitoring/alert_detail.html", {
        "title": _("预警 #%(id)s") % {"id": alert.pk},
        "alert_id": alert.pk,
        "fields": fields,
        "actions": actions,
        "evidence": evidence.rows(alert.rule_code, alert.evidence),
        "form": form if alert.allowed_transitions() and may(request.user, "transition", alert) else None,
        "timeline": selectors.alert_timeline(request.user, alert),
        "assign_form": bound.get("assign_form") or AssignForm(people=followup.assignable(alert), initial={
            "assignee": alert.assignee_id, "due_at": alert.due_at}) if following else None,
        "note_form": bound.get("note_form") or NoteForm() if may(request.user, "transition", alert) else None,
        "request_form": (bound.get("request_form") or VerificationRequestForm())
        if following and alert.device.instrument_id and not alert.verification_request_id else None,
    })


def _follow_up(request, pk: int, form_class, name: str, act, done: str, **form_kwargs):
    """POST of one follow-up form of the alert page: run the use case, or show the page again with
    the form's errors under its fields."""
    alert = get_object_or_404(selectors.alerts(request.user).select_related("device__instrument__type"), pk=pk)
    if request.method != "POST":
        return redirect("monitoring:alert-detail", pk=pk)
    form = form_class(request.POST, **{key: value(alert) for key, value in form_kwargs.items()})
    if form.is_valid():
        try:
            act(alert, form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, done)
            return redirect("monitoring:alert-detail", pk=pk)
    return _alert_page(request, alert, **{name: form})


@login_required
def alert_assign(request, pk: int):
    return _follow_up(request, pk, AssignForm, "assign_form", lambda alert, data: followup.assign_alert(
        request.user, alert, assignee=data["assignee"], due_at=data["due_at"], note=data["note"]),
        _("已指派承办人，并已通知。"), people=followup.assignable)


@login_required
def alert_note(request, pk: int):
    return _follow_up(request, pk, NoteForm, "note_form",
                      lambda alert, data: followup.note_alert(request.user, alert, data["note"]), _("备注已添加。"))


@login_required
def alert_verification_request(request, pk: int):
    return _follow_up(request, pk, VerificationRequestForm, "request_form", lambda alert, data: (
        followup.request_verification(request.user, alert, institution=data["institution"],
                                      preferred_date=data["preferred_date"], note=data["note"])),
        _("已转为报检申请，并已通知使用单位。"))


@login_required
def device_list(request):
    divisions = account_selectors.jurisdiction_divisions(request.user)
    form = DeviceFilterForm(request.GET or None, divisions=divisions)
    filters = form.cleaned_data if form.is_valid() else {}
    division = filters.get("division")
    code = division.code if division else None
    queryset = selectors.devices(request.user, kind=filters.get("kind") or None, division_code=code,
                                 q=filters.get("q") or None)
    cutoff = timezone.now() - ONLINE_WINDOW
    listing = Listing(
        title=_("监测设备"),
        export_name="devices",
        default_sort="code",
        filter_form=form,
        detail_url=lambda d: reverse("monitoring:device-detail", args=[d.pk]),
        columns=[
            ListColumn(_("设备编号"), lambda d: d.code, "code", link=True),
            ListColumn(_("设备类型"), lambda d: d.get_kind_display(), "kind"),
            ListColumn(_("经营场所"), lambda d: d.site.name),
            ListColumn(_("所在区划"), lambda d: d.division.name),
            ListColumn(_("最后通信时间"), lambda d: d.last_seen_at and timezone.localtime(d.last_seen_at)
                       .strftime("%Y-%m-%d %H:%M"), "last_seen_at"),
            ListColumn(_("在线"), lambda d: _("是") if d.last_seen_at and d.last_seen_at >= cutoff else _("否")),
            ListColumn(_("凭据"), lambda d: _("已吊销") if d.is_revoked else (d.token_prefix or _("未签发"))),
        ],
    )
    status = selectors.online_status(request.user, offline_after=ONLINE_WINDOW, division_code=code)
    return render_listing(request, listing, queryset, template="monitoring/device_list.html",
                          extra_context={"online_status": status})


def _tank_chart(user, tank, nozzles, since: dt.datetime):
    """Measured (gauge) vs book volume of one tank: book = first gauge reading + deliveries − sales."""
    measured = [(r.time, r.data["volume_l"]) for r in selectors.readings(user, tank, since=since).filter(kind="tank.reading")]
    if not measured:
        return None
    moves: list[tuple[dt.datetime, float]] = [
        (r.time, r.data["volume_20_l"]) for r in selectors.readings(user, tank, since=since).filter(kind="tank.delivery")
    ]
    for nozzle in nozzles:
        moves += [(r.time, -r.data["volume_l"]) for r in
                  selectors.readings(user, nozzle, since=since).filter(kind="dispenser.transaction")]
    moves.sort()
    book, level, index = [], measured[0][1], 0
    for time, _volume in measured:
        while index < len(moves) and moves[index][0] <= time:
            level += moves[index][1]
            index += 1
        book.append((time, level))
    return charts.line_chart({_("液位仪实测"): ("measured", measured), _("账面库存"): ("book", book)},
                             tz=timezone.get_default_timezone(), y_unit=_("体积（L）"), x_caption=_("北京时间"))


@login_required
def station(request, site_id: int):
    site = get_object_or_404(registry_selectors.sites(request.user), pk=site_id)
    devices = list(selectors.devices(request.user, site_id=site.pk).select_related("feeds_from"))
    since = timezone.now() - dt.timedelta(days=STATION_DAYS)
    fed = defaultdict(list)
    for device in devices:
        if device.kind == DeviceKind.NOZZLE and device.feeds_from_id:
            fed[device.feeds_from_id].append(device)
    tanks = [{"device": t, "nozzles": fed[t.pk], "chart": _tank_chart(request.user, t, fed[t.pk], since)}
             for t in devices if t.kind == DeviceKind.TANK_GAUGE]
    return render(request, "monitoring/station.html", {
        "title": site.name,
        "site": site,
        "tanks": tanks,
        "others": [d for d in devices if d.kind != DeviceKind.TANK_GAUGE],
        "alerts": selectors.alerts(request.user, site_id=site.pk, active=True)[:50],
        "days": STATION_DAYS,
    })


@login_required
def device_detail(request, pk: int):
    """A device's profile, its last message and the rules that lack an input to judge it."""
    device = get_object_or_404(selectors.devices(request.user).select_related("site", "instrument", "feeds_from"), pk=pk)
    labels = {a.name: a.label for a in profiles.ATTRIBUTES.get(device.kind, ())}
    profile = engine.device_profile(device.pk)
    return render(request, "monitoring/device_detail.html", {
        "title": f"{device.code} {device.get_kind_display()}",
        "device": device,
        "attributes": [(labels.get(name, name), _shown(value)) for name, value in sorted(device.attributes.items())],
        "missing_inputs": profiles.missing_inputs(device.kind, profile) if profile else [],
        "intervals": _intervals(profile) if profile else [],
    })


def _intervals(profile) -> list[tuple[str, str]]:
    """The configured, learned and applied reporting intervals, as the silence rules read them."""
    applied = intervals.expected_interval(profile)
    return [(_("设定上报间隔"), _duration(profile.report_interval)),
            (_("学习所得上报间隔（近 %(days)s 天）") % {"days": intervals.LEARNING_DAYS}, _duration(profile.learned_interval)),
            (_("静默判断所用间隔"), _duration(applied))]


def _duration(interval: dt.timedelta | None) -> str:
    if interval is None:
        return _("未知")
    minutes = interval.total_seconds() / 60
    if minutes < 60:
        return _("%(n)s 分钟") % {"n": f"{minutes:.3g}"}
    if minutes < 24 * 60:
        return _("%(n)s 小时") % {"n": f"{minutes / 60:.3g}"}
    return _("%(n)s 天") % {"n": f"{minutes / 1440:.3g}"}


def _shown(value) -> str:
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return "–".join(str(v) for v in value)
    return str(value)
