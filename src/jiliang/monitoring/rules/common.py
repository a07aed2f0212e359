"""Building blocks the rules share: ordering and de-duplication, threshold comparison, evidence."""

from __future__ import annotations

import dataclasses
import math
import operator
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from enum import Enum
from typing import Any, Callable, Iterable, Sequence, TypeVar

from jiliang.monitoring.rules.holidays import is_statutory_holiday
from jiliang.monitoring.rules.thresholds import VerificationOverdueThresholds
from jiliang.monitoring.rules.types import WINDOW_FIELD, DeviceEvent, DeviceKind, DeviceProfile, Finding, Severity, Window, WorkOrder

R = TypeVar("R")
_time_then_sequence = operator.attrgetter("time", "sequence")

# Thresholds are compared with floats computed from decimal data (10.10 kWh / 10.00 kWh); a value
# that equals its limit in decimal must not exceed it through binary rounding.
_RELATIVE_EPSILON = 1e-9


def exceeds(value: float, limit: float) -> bool:
    """value > limit, with a value equal to the limit in decimal arithmetic counted as not exceeding."""
    return value - limit > _RELATIVE_EPSILON * max(1.0, abs(limit))


def below(value: float, limit: float) -> bool:
    return exceeds(limit, value)


def ordered(readings: Iterable[R]) -> list[R]:
    """Readings in (time, sequence) order with redelivered copies of one (device, sequence) removed.

    Ingest is at-least-once and batches arrive shuffled; every rule sees the same ordered,
    de-duplicated series whatever the arrival order was.
    """
    unique: dict[tuple[str, int], R] = {}
    for reading in readings:
        key = (reading.device_id, reading.sequence)
        if key not in unique:
            unique[key] = reading
    return sorted(unique.values(), key=_time_then_sequence)


def by_device(readings: Iterable[R]) -> dict[str, list[R]]:
    """Ordered readings of each device."""
    groups: dict[str, list[R]] = defaultdict(list)
    for reading in ordered(readings):
        groups[reading.device_id].append(reading)
    return dict(groups)


def within(readings: Sequence[R], start: datetime, end: datetime) -> list[R]:
    return [r for r in readings if start <= r.time <= end]


def context_inside(window: Window, moment: datetime, context: timedelta) -> bool:
    """Whether the window reaches `context` back from `moment` (always, when its start is not given)."""
    return window.start is None or moment - context >= window.start


def work_order_between(orders: Iterable[WorkOrder], device_id: str, kind: str, start: datetime, end: datetime) -> WorkOrder | None:
    return next((o for o in orders if o.device_id == device_id and o.kind == kind and start <= o.time <= end), None)


def json_ready(value: Any) -> Any:
    """Evidence must survive a JSON column: datetimes become ISO text, records become dicts."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: json_ready(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    return value


def finding(code: str, severity: Severity, device_id: str, time: datetime, **evidence: Any) -> Finding:
    return Finding(rule_code=code, severity=severity, device_id=device_id, time=time, evidence=json_ready(evidence))


def is_kind(window: Window, device_id: str, kind: str) -> bool:
    profile = window.profiles.get(device_id)
    return profile is not None and profile.kind == kind


def event_findings(code: str, window: Window, kind: str, event_codes: tuple[str, ...], severity: Severity) -> list[Finding]:
    """One finding per flagged event of a device of `kind` whose code the rule watches (seals, magnets, batteries)."""
    watched: list[DeviceEvent] = [
        e for e in ordered(window.events) if e.code in event_codes and is_kind(window, e.device_id, kind)
    ]
    return [finding(code, severity, e.device_id, e.time, event=e, watched_codes=event_codes) for e in watched]


def devices_of_kind(window: Window, kind: str) -> list[str]:
    return sorted(d for d, p in window.profiles.items() if p.kind == kind)


# China has one time zone and no daylight saving: opening hours are local hours in UTC+8.
CHINA_STANDARD_TIME = timezone(timedelta(hours=8))


def latest_message_times(window: Window) -> dict[str, datetime]:
    """Last time each device was heard from: the platform's record or anything in the window."""
    latest = dict(window.last_seen)
    for name in WINDOW_FIELD.values():
        if name == "work_orders":  # written by people, not sent by the device
            continue
        for reading in getattr(window, name):
            known = latest.get(reading.device_id)
            if known is None or reading.time > known:
                latest[reading.device_id] = reading.time
    return latest


def silence(last_seen: datetime, now: datetime) -> timedelta:
    return max(now - last_seen, timedelta(0))


def open_time_between(start: datetime, end: datetime, opening_hours: tuple[int, int] | None, *,
                      holidays_off: bool = True) -> timedelta:
    """Part of [start, end] that falls inside the daily opening hours (local time); None = always open.

    A business with opening hours may close on a statutory holiday: unless `holidays_off` is False
    (it is known to be open), those days are not open time (a day whose hours run past midnight is
    judged by the day it opens).
    """
    if opening_hours is None or end <= start:
        return silence(start, end)
    open_hour, close_hour = opening_hours
    total = timedelta(0)
    day = start.astimezone(CHINA_STANDARD_TIME).date() - timedelta(days=1)
    while (day_start := datetime(day.year, day.month, day.day, tzinfo=CHINA_STANDARD_TIME)) <= end:
        opens = day_start + timedelta(hours=open_hour)
        closes = day_start + timedelta(hours=close_hour if close_hour > open_hour else close_hour + 24)
        if not (holidays_off and is_statutory_holiday(day)):
            total += max(min(end, closes) - max(start, opens), timedelta(0))
        day += timedelta(days=1)
    return total


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    days_in_month = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, days_in_month))


def overdue_severity(due: date, today: date, warning_from: timedelta, critical_from: timedelta) -> Severity | None:
    """Severity of a due date: past due + critical_from → CRITICAL, past due + warning_from → WARNING."""
    if today > due + critical_from:
        return Severity.CRITICAL
    if today > due + warning_from:
        return Severity.WARNING
    return None


def local_date(moment: datetime) -> date:
    return moment.astimezone(CHINA_STANDARD_TIME).date()


def verification_due(profile: DeviceProfile, interval_months: int) -> date | None:
    """Certificate's valid-until when known, else last verification + the regulation's interval."""
    if profile.valid_until is not None:
        return profile.valid_until
    if profile.last_verified is not None:
        return add_months(profile.last_verified, interval_months)
    return None


def verification_overdue(code: str, kind: DeviceKind, window: Window, t: VerificationOverdueThresholds) -> list[Finding]:
    """FD-10 / CP-08: the instrument is past (or close to) its verification due date."""
    today = local_date(window.now)
    findings = []
    for device_id in devices_of_kind(window, kind):
        due = verification_due(window.profiles[device_id], t.verification_interval_months)
        severity = None if due is None else overdue_severity(due, today, t.warning_from, t.critical_from)
        if severity is not None:
            findings.append(finding(code, severity, device_id, window.now, due=due, today=today, days_past_due=(today - due).days))
    return findings


def clock_drift(code: str, kind: DeviceKind, window: Window, tolerance_of: Callable[[DeviceProfile], timedelta]) -> list[Finding]:
    """Heartbeats whose device clock is off the platform clock by more than the device's tolerance.

    `tolerance_of(profile)` gives the limit for one device (chargers tighten it after verification).
    """
    findings = []
    for beat in ordered(b for b in window.heartbeats if b.device_clock is not None and is_kind(window, b.device_id, kind)):
        offset = (beat.device_clock - beat.time).total_seconds()
        tolerance = tolerance_of(window.profiles[beat.device_id])
        if exceeds(abs(offset), tolerance.total_seconds()):
            findings.append(finding(code, Severity.WARNING, beat.device_id, beat.time, heartbeat=beat, offset_s=offset, tolerance_s=tolerance))
    return findings
