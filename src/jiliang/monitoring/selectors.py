"""Reads of monitoring data, each scoped to the caller."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiliang.accounts import selectors as account_selectors
from jiliang.accounts.access import scope
from jiliang.accounts.models import Division
from jiliang.monitoring import alerting, followup
from jiliang.monitoring.models import Alert, AlertState, DeadLetter, Device, DeviceKind, Reading, Rollup, RollupPeriod, RuleThreshold


def devices(user, *, site_id: int | None = None, kind: str | None = None, division_code: str | None = None,
            q: str | None = None) -> QuerySet[Device]:
    queryset = scope(Device.objects.select_related("site", "division", "instrument"), user)
    if site_id:
        queryset = queryset.filter(site_id=site_id)
    if kind:
        queryset = queryset.filter(kind=kind)
    if division_code:
        queryset = _in_division(queryset, division_code)
    if q:
        queryset = queryset.filter(Q(code__startswith=q) | Q(name__contains=q))
    return queryset


def _in_division(queryset: QuerySet, code: str) -> QuerySet:
    division = Division.objects.filter(code=code).first()
    if division is None:
        return queryset.none()
    return queryset.filter(division__path__startswith=division.path)


def alerts(user, *, division_code: str | None = None, state: str | None = None, rule_code: str | None = None,
           severity: str | None = None, active: bool | None = None, site_id: int | None = None,
           assignee_id: int | None = None) -> QuerySet[Alert]:
    queryset = scope(Alert.objects.select_related("device", "site", "division", "assignee"), user)
    if division_code:
        queryset = _in_division(queryset, division_code)
    if state:
        queryset = queryset.filter(state=state)
    if rule_code:
        queryset = queryset.filter(rule_code=rule_code)
    if severity:
        queryset = queryset.filter(severity=severity)
    if active is not None:
        queryset = queryset.filter(active=active)
    if site_id:
        queryset = queryset.filter(site_id=site_id)
    if assignee_id:
        queryset = queryset.filter(assignee_id=assignee_id)
    return queryset


def dead_letters(user, *, reason: str | None = None) -> QuerySet[DeadLetter]:
    queryset = scope(DeadLetter.objects.all(), user)
    return queryset.filter(reason=reason) if reason else queryset


def thresholds(user) -> list[RuleThreshold]:
    """The version in force of every rule (and the persistence times)."""
    current: dict[str, RuleThreshold] = {}
    for row in scope(RuleThreshold.objects.order_by("rule_code", "version"), user):
        current[row.rule_code] = row
    return list(current.values())


def threshold_history(user, rule_code: str) -> QuerySet[RuleThreshold]:
    return scope(RuleThreshold.objects.filter(rule_code=rule_code).select_related("created_by"), user)


def readings(user, device: Device, *, since: dt.datetime, until: dt.datetime | None = None) -> QuerySet[Reading]:
    queryset = scope(Reading.objects.filter(device_id=device.pk, time__gte=since), user)
    if until:
        queryset = queryset.filter(time__lt=until)
    return queryset.order_by("time", "sequence")


def rollups(user, device: Device, *, period: str = RollupPeriod.HOUR, since: dt.datetime) -> QuerySet[Rollup]:
    return scope(Rollup.objects.filter(device_id=device.pk, period=period, start__gte=since), user).order_by("start")


def online_status(user, *, offline_after: dt.timedelta, division_code: str | None = None) -> list[dict]:
    """Per device kind: how many devices, how many heard from within ``offline_after`` (online rate)."""
    cutoff = timezone.now() - offline_after
    queryset = devices(user, division_code=division_code).filter(revoked_at__isnull=True)
    rows = queryset.values("kind").annotate(total=Count("id"), online=Count("id", filter=Q(last_seen_at__gte=cutoff)))
    labels = dict(DeviceKind.choices)
    return [
        {"kind": row["kind"], "label": str(labels.get(row["kind"], row["kind"])), "total": row["total"],
         "online": row["online"], "rate": row["online"] / row["total"] if row["total"] else 0.0}
        for row in rows.order_by("kind")
    ]


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime  # Beijing time
    who: str
    what: str
    note: str


_ALERT_EVENTS = {"alert.raise": _("规则判定，产生预警"), "alert.escalate": _("预警升级"),
                 "alert.clear": _("数据恢复正常，预警解除"), "alert.rule_disabled": _("规则停用，预警解除"),
                 "alert.remind": _("超时未处置，发送提醒"),
                 "alert.assign": _("指派承办人"), "alert.note": _("添加备注"),
                 "alert.verification_request": _("转为报检申请"),
                 "alert.deadline_nearing": _("办理期限将至，已提醒承办人"),
                 "alert.deadline_passed": _("超过办理期限，已提醒承办人并上报")}


def alert_timeline(user, alert: Alert) -> list[TimelineEntry]:
    """The alert's history, oldest first, from its audit events: who did what when, and the note
    typed with a workflow step."""
    events = (account_selectors.audit_events(user, object_type=Alert._meta.label, object_id=str(alert.pk))
              .select_related("actor").order_by("at", "id"))
    return [TimelineEntry(timezone.localtime(event.at), _actor(event), _happening(event.action),
                          str((event.after or {}).get("note") or ""))
            for event in events]


def _actor(event) -> str:
    if event.actor is not None:
        return str(event.actor)
    machines = {alerting.SYSTEM: _("规则引擎"), followup.SYSTEM: _("期限提醒")}
    return str(machines.get(event.actor_name, event.actor_name))


def _happening(action: str) -> str:
    if action in _ALERT_EVENTS:
        return str(_ALERT_EVENTS[action])
    state = action.removeprefix("alert.")
    if state in AlertState.values:
        return str(_("转为“%(state)s”")) % {"state": AlertState(state).label}
    return action
