"""Alerts that lead somewhere: an alert is assigned to a regulator with a deadline, gets notes, can
become a verification request for the instrument it concerns, and the `monitoring.followup` job
tells the assignee when the deadline nears and when it has passed (then also the regulators over
the alert's division). Every notice goes through jiliang.notifications (in-app inbox and e-mail);
each stage is told once (``Alert.deadline_notice``). A regulator confirming an alert records a
credit event against the business (services.transition_alert)."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.accounts import audit
from jiliang.accounts.access import is_within_scope, require
from jiliang.accounts.models import REGULATOR_ROLES, User
from jiliang.accounts.selectors import regulators_over
from jiliang.errors import Conflict, InvalidInput
from jiliang.monitoring.models import TERMINAL_STATES, Alert, DeadlineNotice
from jiliang.notifications import notifiers
from jiliang.notifications.services import tell_organization
from jiliang.verification import services as verification_services
from jiliang.verification.models import VerificationRequest

SYSTEM = "followup"


def _url(alert: Alert) -> str:
    return reverse("monitoring:alert-detail", args=[alert.pk])


def _name(alert: Alert) -> str:
    return f"{alert.rule_code} {alert.message}"


def _tell(people, alert: Alert, topic: str, title: str, body: str) -> None:
    notifiers.deliver([notifiers.Notice(recipient=person, topic=topic, title=title[:200], body=body, url=_url(alert))
                       for person in people])


def _locked(alert: Alert) -> Alert:
    alert = Alert.objects.select_for_update().select_related("division", "site", "device").get(pk=alert.pk)
    if alert.state in TERMINAL_STATES:
        raise Conflict(_("该预警已办结，不能再跟进。"))
    return alert


def assignable(alert: Alert) -> QuerySet[User]:
    """Who may be assigned: the active regulators whose jurisdiction covers the alert's division."""
    return regulators_over(alert.division)


@transaction.atomic
def assign_alert(actor, alert: Alert, *, assignee: User | None, due_at: dt.datetime | None, note: str = "") -> Alert:
    """Give the alert to a regulator of its jurisdiction with a deadline; the assignee is told."""
    alert = _locked(alert)
    require(actor, "assign", alert)
    errors: dict[str, list[str]] = {}
    if assignee is None:
        errors["assignee"] = [_("请选择承办人。")]
    elif not (assignee.is_active and assignee.role in REGULATOR_ROLES and is_within_scope(assignee, alert)):
        errors["assignee"] = [_("承办人须为该预警所属区划有管辖权的监管人员。")]
    if due_at is None:
        errors["due_at"] = [_("请填写办理期限。")]
    elif due_at <= timezone.now():
        errors["due_at"] = [_("办理期限须晚于现在。")]
    if len(note) > 500:
        errors["note"] = [_("备注不能超过 500 个字符。")]
    if errors:
        raise InvalidInput(_("指派有误。"), errors)
    before = audit.snapshot(alert, ["assignee", "due_at", "deadline_notice"])
    alert.assignee, alert.due_at, alert.deadline_notice = assignee, due_at, ""
    alert.save(update_fields=["assignee", "due_at", "deadline_notice", "updated_at"])
    deadline = timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M")
    summary = _("承办人：%(who)s；办理期限：%(due)s") % {"who": assignee, "due": deadline}
    audit.record(actor, "alert.assign", alert, before=before,
                 after={**audit.snapshot(alert, ["assignee", "due_at"]), "note": "；".join(filter(None, [summary, note]))},
                 division=alert.division)
    with notifiers.platform_language():
        _tell([assignee], alert, "alert.assigned", _("预警待您处置：%(alert)s") % {"alert": _name(alert)},
              _("%(site)s 的预警已指派给您，请于 %(due)s 前处置。%(note)s") % {
                  "site": alert.site.name, "due": deadline, "note": note})
    return alert


@transaction.atomic
def note_alert(actor, alert: Alert, note: str) -> Alert:
    """A note on the alert's page (what was found, who was called), without changing its state."""
    note = (note or "").strip()
    alert = Alert.objects.select_for_update().select_related("division").get(pk=alert.pk)
    require(actor, "transition", alert)
    if not note or len(note) > 500:
        raise InvalidInput(_("备注有误。"), {"note": [_("备注须为 1 至 500 个字符。")]})
    audit.record(actor, "alert.note", alert, after={"note": note}, division=alert.division)
    return alert


@transaction.atomic
def request_verification(actor, alert: Alert, *, institution, preferred_date: dt.date | None = None,
                         note: str = "") -> VerificationRequest:
    """Turn the alert into a verification request (报检) of the instrument its device is bound to,
    on the owner's behalf; the owner is told."""
    alert = _locked(alert)
    require(actor, "assign", alert)
    instrument = alert.device.instrument
    if instrument is None:
        raise InvalidInput(_("该预警的监测设备未关联计量器具，无法申请检定。"),
                           {"instrument": [_("监测设备未关联计量器具。")]})
    if institution is None:
        raise InvalidInput(_("请选择检定机构。"), {"institution": [_("请选择检定机构。")]})
    if alert.verification_request_id:
        raise Conflict(_("该预警已转为报检申请 #%(id)s。") % {"id": alert.verification_request_id})
    request = verification_services.submit_request(
        actor, owner=instrument.owner, institution=institution, instruments=[instrument],
        preferred_date=preferred_date, note=(_("由预警 #%(id)s 转来：%(alert)s。") % {
            "id": alert.pk, "alert": _name(alert)} + note)[:500])
    alert.verification_request = request
    alert.save(update_fields=["verification_request", "updated_at"])
    audit.record(actor, "alert.verification_request", alert, after={
        "verification_request": request.pk, "instrument": instrument.public_code,
        "note": _("报检申请 #%(id)s，器具 %(code)s，检定机构 %(institution)s") % {
            "id": request.pk, "code": instrument.public_code, "institution": institution.name}},
        division=alert.division)
    with notifiers.platform_language():
        tell_organization(instrument.owner_id, topic="alert.verification_request",
                          title=_("监管部门已为器具 %(code)s 申请检定") % {"code": instrument.public_code},
                          body=_("因远程监测预警（%(alert)s），已向 %(institution)s 申请检定，请配合安排。") % {
                              "alert": _name(alert), "institution": institution.name},
                          url=reverse("verification:request-detail", args=[request.pk]))
    return alert.verification_request


def _open_assigned() -> QuerySet[Alert]:
    return (Alert.objects.filter(assignee__isnull=False, due_at__isnull=False).exclude(state__in=TERMINAL_STATES)
            .select_related("assignee", "division", "site"))


def _stage(alert: Alert, stage: str, now: dt.datetime) -> None:
    alert.deadline_notice = stage
    alert.save(update_fields=["deadline_notice", "updated_at"])
    audit.record(SYSTEM, f"alert.deadline_{stage}", alert, after={"deadline_notice": stage,
                                                                  "at": now.isoformat()}, division=alert.division)


@notifiers.platform_language()
def run(now: dt.datetime | None = None) -> dict[str, int]:
    """Tell assignees of deadlines nearing (within JILIANG_ALERT_DEADLINE_WARN_HOURS) and passed;
    a passed deadline is escalated to the other regulators over the alert's division too."""
    now = now or timezone.now()
    warn = dt.timedelta(hours=settings.JILIANG_ALERT_DEADLINE_WARN_HOURS)
    told = {"nearing": 0, "passed": 0}
    with transaction.atomic():
        nearing = _open_assigned().select_for_update(of=("self",)).filter(
            due_at__gt=now, due_at__lte=now + warn, deadline_notice="")
        for alert in nearing:
            due = timezone.localtime(alert.due_at).strftime("%Y-%m-%d %H:%M")
            _tell([alert.assignee], alert, "alert.deadline", _("预警办理期限将至：%(alert)s") % {"alert": _name(alert)},
                  _("%(site)s 的预警须于 %(due)s 前处置完毕。") % {"site": alert.site.name, "due": due})
            _stage(alert, DeadlineNotice.NEARING, now)
            told["nearing"] += 1
        passed = _open_assigned().select_for_update(of=("self",)).filter(due_at__lte=now).exclude(
            deadline_notice=DeadlineNotice.PASSED)
        for alert in passed:
            due = timezone.localtime(alert.due_at).strftime("%Y-%m-%d %H:%M")
            others = regulators_over(alert.division).exclude(pk=alert.assignee_id)
            _tell([alert.assignee, *others], alert, "alert.overdue", _("预警超期未办结：%(alert)s") % {
                "alert": _name(alert)}, _("%(site)s 的预警办理期限 %(due)s 已过，承办人：%(who)s。") % {
                "site": alert.site.name, "due": due, "who": alert.assignee})
            _stage(alert, DeadlineNotice.PASSED, now)
            told["passed"] += 1
    return told
