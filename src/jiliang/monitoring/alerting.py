"""Findings become alerts: one alert per standing condition, escalated, cleared, reminded.

Raise, escalate and clear are decided by the pure state machine rules/persistence.advance, fed
with the alert's stored state (severity, opened_at as condition start, last_seen_at as the last
observation). System-side writes (the rules and the clock are the actor); every raise, escalation, clear and
reminder leaves an audit row in the same transaction. The people's side of the workflow
(acknowledge, investigate, confirm …) is in services.py.
"""

import datetime as dt
import json
from collections import defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from jiliang.accounts import audit
from jiliang.accounts.selectors import regulators_over
from jiliang.monitoring import sql
from jiliang.monitoring.models import Alert, AlertState, Device, Severity
from jiliang.monitoring.rules import clearing, persistence
from jiliang.monitoring.rules.registry import RULES
from jiliang.monitoring.rules.thresholds import RuleBook
from jiliang.notifications import notifiers

SYSTEM = "monitoring-rules"
MAX_FINDING_TIMES = 50
_RANK = {Severity.DATA_QUALITY: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


def _stronger(a: str, b: str) -> str:
    return a if _RANK[a] >= _RANK[b] else b


@transaction.atomic
def apply_findings(findings: list, book: RuleBook, now: dt.datetime) -> int:
    """Merge findings into alerts (new, or the standing one of the same rule and device)."""
    if not findings:
        return 0
    grouped: dict[tuple[str, str], list] = defaultdict(list)
    for finding in findings:
        grouped[(finding.rule_code, finding.device_id)].append(finding)
    devices = {d.code: d for d in Device.objects.filter(code__in={code for _, code in grouped})
               .select_related("site", "division")}
    standing = {
        (a.rule_code, a.device.code): a
        for a in _locked(Alert.objects.select_related("device").filter(
            active=True, rule_code__in={r for r, _ in grouped}, device__code__in=list(devices)
        ))
    }
    changed, updated = [], []
    for (rule_code, code), group in grouped.items():
        device = devices.get(code)
        if device is None:
            continue
        latest = max(group, key=lambda f: f.time)
        severity = str(latest.severity)
        for finding in group:
            severity = _stronger(severity, str(finding.severity))
        times = sorted({f.time.isoformat() for f in group})
        alert = standing.get((rule_code, code))
        if alert is None:
            try:
                with transaction.atomic():  # a savepoint: another ingest may raise the same condition first
                    alert = Alert.objects.create(
                        rule_code=rule_code, severity=severity, device=device, site=device.site,
                        division_id=device.division_id, message=_message(rule_code),
                        evidence=_evidence(latest, book, times), occurrences=len(times),
                        opened_at=now, last_seen_at=now,
                    )
            except IntegrityError:  # it did (the one-active-alert index): merge into that one
                alert = _locked(Alert.objects.select_related("device").filter(
                    active=True, rule_code=rule_code, device=device)).get()
            else:
                audit.record(SYSTEM, "alert.raise", alert,
                             after=audit.snapshot(alert, ["rule_code", "severity", "state"]), division=device.division)
                changed.append(alert)
                continue
        known = set(alert.evidence.get("finding_times", []))
        alert.occurrences += len([t for t in times if t not in known])
        alert.last_seen_at = now
        _, transition = persistence.advance(_state_of(alert), Severity(severity), now, book.persistence)
        if transition == persistence.Transition.ESCALATED:
            before = audit.snapshot(alert, ["severity"])
            alert.severity = Severity.CRITICAL
            alert.escalated_at = now
            audit.record(SYSTEM, "alert.escalate", alert, before=before, after=audit.snapshot(alert, ["severity"]),
                         division=device.division)
        alert.evidence = _evidence(latest, book, sorted(known | set(times)))
        changed.append(alert)
        updated.append(alert)
    _store_state(updated, now)
    return len(changed)


def _store_state(alerts: list[Alert], now: dt.datetime) -> None:
    """Write what a finding changes in standing alerts, one UPDATE … FROM (the rows) per chunk.
    (Django's bulk_update builds a CASE per field and object in Python: at a batch per fraction of
    a second that was a tenth of the worker's time.)"""
    evidence = "v.evidence::jsonb" if sql.is_postgres() else "v.evidence"
    rows = [(a.id, a.severity, a.occurrences, a.last_seen_at, a.escalated_at, json.dumps(a.evidence)) for a in alerts]
    sql.update_by_id(
        Alert._meta.db_table, ("id", "severity", "occurrences", "last_seen_at", "escalated_at", "evidence"),
        ("bigint", "text", "bigint", "timestamptz", "timestamptz", "text"), rows,
        "severity = v.severity, occurrences = v.occurrences, last_seen_at = v.last_seen_at, "
        f"escalated_at = v.escalated_at, evidence = {evidence}, absent_since = NULL, updated_at = %s",
        chunk=100, params=[sql.param(now)],
    )


@transaction.atomic
def mark_absent(answers: dict[tuple[str, str], tuple], findings: list, now: dt.datetime) -> None:
    """Note on the standing alerts of the (rule, device) pairs the clock evaluated with their full
    windows and found nothing for that their rule ran and found the condition gone: only then may
    ``housekeep`` clear them. ``answers`` gives per pair how far the device's data reached in the
    window and how far past the last finding they must reach (rules/clearing.py): a window without
    the data after the last finding is no answer. (A slowly reporting device's rule runs only when
    its data come, and a batch meter's readings come hours after its heartbeat; an alert cleared in
    between came back as a new alert with each report.)"""
    found = {(f.rule_code, f.device_id) for f in findings}
    pending = {pair for pair in answers if pair not in found}
    if not pending:
        return
    absent = [
        alert_id for alert_id, rule_code, code, evidence in Alert.objects.filter(
            active=True, absent_since__isnull=True, rule_code__in={r for r, _ in pending},
            device__code__in={c for _, c in pending},
        ).values_list("id", "rule_code", "device__code", "evidence")
        if (rule_code, code) in pending and clearing.found_gone(_last_finding(evidence), *answers[rule_code, code])
    ]
    Alert.objects.filter(id__in=absent).update(absent_since=now)


def _last_finding(evidence: dict) -> dt.datetime:
    return max(dt.datetime.fromisoformat(t) for t in evidence.get("finding_times") or [evidence["finding_time"]])


def _locked(alerts):
    """Alert rows locked for update in id order, and only them: not the rows joined in (devices,
    divisions), which concurrent ingests lock and reference, and with NO KEY UPDATE, which does not
    block the foreign-key checks of rows that point at an alert."""
    return alerts.select_for_update(of=("self",), no_key=True).order_by("id")


def _message(rule_code: str) -> str:
    spec = RULES.get(rule_code)
    return (spec.description_zh if spec else rule_code)[:255]


def _evidence(finding, book: RuleBook, times: list[str]) -> dict:
    return {
        "rulebook_version": book.version,
        "finding_time": finding.time.isoformat(),
        "finding_times": times[-MAX_FINDING_TIMES:],
        "computation": dict(finding.evidence),
    }


def _state_of(alert: Alert) -> persistence.AlertState:
    return persistence.AlertState(severity=Severity(alert.severity), condition_since=alert.opened_at,
                                  normal_since=alert.last_seen_at)


@transaction.atomic
def housekeep(book: RuleBook, now: dt.datetime) -> int:
    """Clear the conditions no longer seen (persistence.advance with nothing observed) whose rule has
    run since and found them gone (``mark_absent``), and remind of alerts nobody has acknowledged."""
    touched = 0
    for alert in _locked(Alert.objects.filter(active=True, last_seen_at__lt=now, absent_since__isnull=False)
                         .select_related("division")):
        _, transition = persistence.advance(_state_of(alert), None, now, book.persistence)
        if transition == persistence.Transition.CLEARED:
            alert.active, alert.cleared_at = False, now
            alert.save(update_fields=["active", "cleared_at", "updated_at"])
            audit.record(SYSTEM, "alert.clear", alert, after={"active": False, "cleared_at": now.isoformat()},
                         division=alert.division)
            touched += 1
    remind_after = dt.timedelta(minutes=settings.JILIANG_MONITORING_REMIND_AFTER_MINUTES)
    remind = _locked(Alert.objects.annotate(
        last_nudge=Coalesce("reminded_at", "opened_at")
    ).filter(state=AlertState.NEW, last_nudge__lte=now - remind_after).select_related("division"))
    for alert in remind:
        alert.reminded_at, alert.reminders = now, alert.reminders + 1
        alert.save(update_fields=["reminded_at", "reminders", "updated_at"])
        audit.record(SYSTEM, "alert.remind", alert, after={"reminders": alert.reminders}, division=alert.division)
        _tell_unacknowledged(alert)
        touched += 1
    return touched


@notifiers.platform_language()
def _tell_unacknowledged(alert: Alert) -> None:
    """The reminder reaches people: the assignee, or else every regulator over the alert's division."""
    people = [alert.assignee] if alert.assignee_id else list(regulators_over(alert.division))
    notifiers.deliver([notifiers.Notice(
        recipient=person, topic="alert.remind", title=_("预警尚未处置：%(rule)s %(message)s") % {
            "rule": alert.rule_code, "message": alert.message},
        body=_("该预警产生后已提醒 %(count)s 次，仍未确认收到，请及时核查。") % {"count": alert.reminders},
        url=reverse("monitoring:alert-detail", args=[alert.pk])) for person in people])
