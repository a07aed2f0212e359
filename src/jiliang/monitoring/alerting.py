"""Findings become alerts: one alert per standing condition, escalated, cleared, reminded.

System-side writes (the rules and the clock are the actor); every raise, escalation, clear and
reminder leaves an audit row in the same transaction. The people's side of the workflow
(acknowledge, investigate, confirm …) is in services.py.
"""

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce

from jiliang.accounts import audit
from jiliang.monitoring.models import Alert, AlertState, Device, Severity
from jiliang.monitoring.rules.registry import RULES
from jiliang.monitoring.rules.thresholds import RuleBook

SYSTEM = "monitoring-rules"
MAX_FINDING_TIMES = 50
_RANK = {Severity.DATA_QUALITY: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}
_STATE_FIELDS = ["severity", "active", "occurrences", "last_seen_at", "escalated_at", "cleared_at", "evidence"]


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
        for a in Alert.objects.select_for_update().select_related("device").filter(
            active=True, rule_code__in={r for r, _ in grouped}, device__code__in=list(devices)
        )
    }
    changed = []
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
            alert = Alert.objects.create(
                rule_code=rule_code, severity=severity, device=device, site=device.site,
                division_id=device.division_id, message=_message(rule_code, latest),
                evidence=_evidence(latest, book, times), occurrences=len(times),
                opened_at=now, last_seen_at=now,
            )
            audit.record(SYSTEM, "alert.raise", alert, after=audit.snapshot(alert, ["rule_code", "severity", "state"]),
                         division=device.division)
            changed.append(alert)
            continue
        known = set(alert.evidence.get("finding_times", []))
        fresh = [t for t in times if t not in known]
        alert.occurrences += len(fresh)
        alert.last_seen_at = now
        if _RANK[severity] > _RANK[alert.severity]:
            before = audit.snapshot(alert, ["severity"])
            alert.severity = severity
            alert.escalated_at = now
            audit.record(SYSTEM, "alert.escalate", alert, before=before, after=audit.snapshot(alert, ["severity"]),
                         division=device.division)
        alert.evidence = _evidence(latest, book, sorted(known | set(times)))
        changed.append(alert)
    Alert.objects.bulk_update([a for a in changed if a.pk], _STATE_FIELDS)
    return len(changed)


def _message(rule_code: str, finding) -> str:
    spec = RULES.get(rule_code)
    return (spec.description_zh if spec else rule_code)[:255]


def _evidence(finding, book: RuleBook, times: list[str]) -> dict:
    return {
        "rulebook_version": book.version,
        "finding_time": finding.time.isoformat(),
        "finding_times": times[-MAX_FINDING_TIMES:],
        "computation": dict(finding.evidence),
    }


@transaction.atomic
def housekeep(book: RuleBook, now: dt.datetime) -> int:
    """Escalate persisting warnings, clear conditions no longer seen, remind of unacknowledged alerts."""
    persistence = book.persistence
    touched = 0
    escalate = Alert.objects.select_for_update().filter(
        active=True, severity=Severity.WARNING, opened_at__lte=now - persistence.escalate_after,
        last_seen_at__gt=now - persistence.clear_after,
    ).select_related("division")
    for alert in escalate:
        before = audit.snapshot(alert, ["severity"])
        alert.severity, alert.escalated_at = Severity.CRITICAL, now
        alert.save(update_fields=["severity", "escalated_at", "updated_at"])
        audit.record(SYSTEM, "alert.escalate", alert, before=before, after=audit.snapshot(alert, ["severity"]),
                     division=alert.division)
        touched += 1
    clear = Alert.objects.select_for_update().filter(
        active=True, last_seen_at__lte=now - persistence.clear_after
    ).select_related("division")
    for alert in clear:
        alert.active, alert.cleared_at = False, now
        alert.save(update_fields=["active", "cleared_at", "updated_at"])
        audit.record(SYSTEM, "alert.clear", alert, after={"active": False, "cleared_at": now.isoformat()},
                     division=alert.division)
        touched += 1
    remind_after = dt.timedelta(minutes=settings.JILIANG_MONITORING_REMIND_AFTER_MINUTES)
    remind = Alert.objects.select_for_update().annotate(
        last_nudge=Coalesce("reminded_at", "opened_at")
    ).filter(Q(state=AlertState.NEW), last_nudge__lte=now - remind_after).select_related("division")
    for alert in remind:
        alert.reminded_at, alert.reminders = now, alert.reminders + 1
        alert.save(update_fields=["reminded_at", "reminders", "updated_at"])
        audit.record(SYSTEM, "alert.remind", alert, after={"reminders": alert.reminders}, division=alert.division)
        touched += 1
    return touched
