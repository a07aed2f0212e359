"""Water, gas and electricity meters: MT-01 … MT-11 (monitoring.md §2.2).

Consumption always comes from register steps (`registers`), so shuffled, batched and reset data
give the same answer as clean data.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timedelta
from itertools import pairwise

from jiliang.monitoring.rules.common import (
    CHINA_STANDARD_TIME,
    add_months,
    by_device,
    clock_drift,
    devices_of_kind,
    event_findings,
    exceeds,
    finding,
    is_kind,
    latest_message_times,
    local_date,
    ordered,
    overdue_severity,
)
from jiliang.monitoring.rules.holidays import is_statutory_holiday
from jiliang.monitoring.rules.intervals import counted_silence, expected_interval, site_heard_since
from jiliang.monitoring.rules.registers import (
    RegisterStep,
    bucket_start,
    consumption_by_bucket,
    covered_buckets,
    register_steps,
)
from jiliang.monitoring.rules.thresholds import (
    ClockThresholds,
    EventThresholds,
    Mt01Thresholds,
    Mt02Thresholds,
    Mt05Thresholds,
    Mt06Thresholds,
    Mt07Thresholds,
    Mt08Thresholds,
    Mt09Thresholds,
    Mt11Thresholds,
    ServiceLifeThresholds,
)
from jiliang.monitoring.rules.types import DailyUse, DeviceKind, DeviceProfile, EventCode, Finding, MeterMedium, MeterReading, Severity, Window, WorkOrderKind

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def replacement_times(window: Window, device_id: str) -> list[datetime]:
    return [o.time for o in window.work_orders if o.device_id == device_id and o.kind == WorkOrderKind.METER_REPLACEMENT]


def meter_steps(window: Window, device_id: str, readings: list[MeterReading]) -> list[RegisterStep]:
    profile = window.profiles.get(device_id)
    return register_steps(readings, profile.qmax if profile else None, replacement_times(window, device_id))


def meter_series(window: Window) -> dict[str, list[MeterReading]]:
    """Ordered readings of every meter in the window that the registry knows as a meter."""
    return {d: rs for d, rs in by_device(window.meter_readings).items() if is_kind(window, d, DeviceKind.METER)}


def daily_use_of(window: Window) -> tuple[DailyUse, ...]:
    """The daily rollups of the window's meters computed from its raw readings, by the register
    arithmetic the Django side's rollups use: what the database path reads, for a window without one."""
    records = []
    for device_id, readings in meter_series(window).items():
        steps = meter_steps(window, device_id, readings)
        use = consumption_by_bucket(steps, DAY)
        counts: dict[datetime, int] = defaultdict(int)
        for reading in readings:
            counts[bucket_start(reading.time, DAY)] += 1
        records += [DailyUse(device_id, day, use.get(day, 0.0), counts.get(day, 0)) for day in sorted(set(use) | set(counts))]
    return tuple(records)


def measured_days(window: Window) -> dict[str, list[tuple[datetime, float]]]:
    """Each meter's use per measured local day, in day order, from the window's daily rollups.

    A day is measured when the meter reported on it and on the days either side: the day then lies
    wholly between readings no more than two days apart, so its total is measured rather than a share
    of a long gap; the first and the last (unfinished) day of the data are left out.
    """
    totals: dict[str, dict[datetime, DailyUse]] = defaultdict(dict)
    for record in window.daily_use:
        if is_kind(window, record.device_id, DeviceKind.METER):
            totals[record.device_id][record.day.astimezone(CHINA_STANDARD_TIME)] = record
    series = {}
    for device_id, days in totals.items():
        def reported(day: datetime) -> bool:
            record = days.get(day)
            return record is not None and record.readings > 0

        # China keeps no daylight saving: local days are 24 hours apart.
        measured = [(day, days[day].consumption) for day in sorted(days)
                    if reported(day) and reported(day - DAY) and reported(day + DAY)]
        if measured:
            series[device_id] = measured
    return series


def zero_use_with_occupancy(window: Window, t: Mt01Thresholds) -> list[Finding]:
    """MT-01: a meter's use has been zero for the zero period (whole measured days) while the premises is evidently lived in."""
    series = measured_days(window)
    findings = []
    for device_id, days in series.items():
        used = [day for day, use in days if use > 0]
        still_since = used[-1] + DAY if used else days[0][0]
        still_until = days[-1][0] + DAY
        if still_until - still_since < t.zero_days:
            continue
        profile = window.profiles[device_id]
        span = (still_until - still_since) / DAY
        electricity_per_day = {
            other: sum(use for day, use in other_days if still_since <= day < still_until) / span
            for other, other_days in series.items()
            if other != device_id and window.profiles[other].medium == MeterMedium.ELECTRICITY
        }
        occupied = profile.account_active or any(exceeds(use, t.occupancy_kwh_per_day) for use in electricity_per_day.values())
        if occupied:
            findings.append(finding(
                "MT-01", Severity.WARNING, device_id, still_since + t.zero_days,
                unchanged_since=still_since, unchanged_days=span,
                account_active=profile.account_active, electricity_kwh_per_day=electricity_per_day,
                occupancy_limit_kwh_per_day=t.occupancy_kwh_per_day,
            ))
    return findings


def register_decrease(window: Window, t: Mt02Thresholds) -> list[Finding]:
    """MT-02: the register went back (beyond one resolution step) or the reverse register grew, with no replacement."""
    findings = []
    for device_id, readings in meter_series(window).items():
        profile = window.profiles[device_id]
        occurrences: list[tuple[datetime, dict]] = []
        resolution = profile.register_resolution or 0.0
        for step in meter_steps(window, device_id, readings):
            if step.status == "decrease" and exceeds(-step.delta, t.decrease_steps * resolution):
                occurrences.append((step.after.time, {"check": "register_decrease", "before": step.before, "after": step.after, "decrease": -step.delta, "limit": t.decrease_steps * resolution}))
        reverse_limit = t.reverse_per_day.get(profile.medium or "")
        if reverse_limit is not None:
            occurrences += reverse_flow_days(readings, reverse_limit)
        events = one_event_per_day(occurrences)
        for index, (moment, evidence) in enumerate(events):
            repeats = sum(1 for earlier, _ in events[: index + 1] if earlier > moment - t.repeat_period)
            severity = Severity.CRITICAL if repeats >= 2 else Severity.WARNING
            findings.append(finding("MT-02", severity, device_id, moment, occurrences_in_repeat_period=repeats, **evidence))
    return findings


def one_event_per_day(occurrences: list[tuple[datetime, dict]]) -> list[tuple[datetime, dict]]:
    """One backflow shows as a register decrease and as the reverse register's advance on the same
    day: counted twice, one event was CRITICAL from the start. A day's checks are one event, at its
    first occurrence, with the other checks of that day in its evidence."""
    days: dict = {}
    for moment, evidence in sorted(occurrences, key=lambda item: item[0]):
        day = local_date(moment)
        if day in days:
            days[day][1].setdefault("same_day", []).append(evidence)
        else:
            days[day] = (moment, dict(evidence))
    return list(days.values())


def reverse_flow_days(readings: list[MeterReading], limit_per_day: float) -> list[tuple[datetime, dict]]:
    """Local days on which the reverse register advanced by more than the daily limit."""
    per_day: dict = defaultdict(float)
    last_time: dict = {}
    for before, after in pairwise([r for r in readings if r.reverse_register is not None]):
        increment = after.reverse_register - before.reverse_register
        if increment > 0:
            day = local_date(after.time)
            per_day[day] += increment
            last_time[day] = after.time
    return [
        (last_time[day], {"check": "reverse_register", "date": day, "reverse_increment": amount, "limit": limit_per_day})
        for day, amount in sorted(per_day.items()) if exceeds(amount, limit_per_day)
    ]


def tamper_event(window: Window, t: EventThresholds) -> list[Finding]:
    """MT-03: magnet, cover or forced valve."""
    return event_findings("MT-03", window, DeviceKind.METER, t.event_codes, Severity.CRITICAL)


def meter_clock_drift(window: Window, t: ClockThresholds) -> list[Finding]:
    """MT-04."""
    return clock_drift("MT-04", DeviceKind.METER, window, lambda profile: t.clock_tolerance)


def continuous_flow(window: Window, t: Mt05Thresholds) -> list[Finding]:
    """MT-05: consumption in every measured hour for longer than the medium's limit (leak, bypass)."""
    findings = []
    for device_id, readings in meter_series(window).items():
        limit = t.continuous_hours.get(window.profiles[device_id].medium or "")
        if limit is None:
            continue
        steps = meter_steps(window, device_id, readings)
        hourly = consumption_by_bucket(steps, HOUR)
        run_start = previous = None
        for hour in sorted(covered_buckets(steps, HOUR)):
            contiguous = previous is not None and hour - previous == HOUR
            previous = hour
            if hourly.get(hour, 0.0) <= 0:
                run_start = None
                continue
            if run_start is None or not contiguous:
                run_start = hour
            if hour + HOUR - run_start == timedelta(hours=limit):
                findings.append(finding(
                    "MT-05", Severity.WARNING, device_id, hour + HOUR, flowing_since=run_start, hours=limit,
                    minimum_hourly=min(use for h, use in hourly.items() if run_start <= h <= hour),
                ))
    return findings


def over_range(window: Window, t: Mt06Thresholds) -> list[Finding]:
    """MT-06: a step the meter cannot physically pass (data error, not booked), or flow above Qmax for too long."""
    findings = []
    for device_id, readings in meter_series(window).items():
        qmax = window.profiles[device_id].qmax
        if qmax is None:
            continue
        for step in meter_steps(window, device_id, readings):
            if step.status == "over_range":
                findings.append(finding(
                    "MT-06", Severity.DATA_QUALITY, device_id, step.after.time, check="impossible_step",
                    before=step.before, after=step.after, delta=step.delta, limit=qmax * step.duration / HOUR,
                ))
        over_since = None
        for reading in readings:
            if reading.flow_rate is None or not exceeds(reading.flow_rate, qmax):
                over_since = None
                continue
            over_since = over_since or reading
            if exceeds((reading.time - over_since.time).total_seconds(), t.over_range_duration.total_seconds()):
                findings.append(finding(
                    "MT-06", Severity.WARNING, device_id, reading.time, check="flow_above_qmax",
                    since=over_since.time, flow_rate=reading.flow_rate, qmax=qmax,
                ))
                over_since = None  # one finding per episode length, then start counting again
    return findings


def optimal_change_points(values: list[float], penalty: float, min_size: int = 2) -> list[int]:
    """Exact optimal partitioning under an l2 cost (the segmentation PELT finds, without pruning).

    Returns the indices where new segments start. n is a few hundred days at most, so O(n²) is fine.
    """
    n = len(values)
    prefix, prefix_sq = [0.0], [0.0]
    for v in values:
        prefix.append(prefix[-1] + v)
        prefix_sq.append(prefix_sq[-1] + v * v)

    def cost(a: int, b: int) -> float:
        total = prefix[b] - prefix[a]
        return prefix_sq[b] - prefix_sq[a] - total * total / (b - a)

    best = [0.0] + [math.inf] * n
    last_start = [0] * (n + 1)
    best[0] = -penalty
    for end in range(min_size, n + 1):
        for start in range(0, end - min_size + 1):
            if start and start < min_size or best[start] == math.inf:
                continue
            candidate = best[start] + cost(start, end) + penalty
            if candidate < best[end]:
                best[end], last_start[end] = candidate, start
    points, end = [], n
    while end > 0:
        end = last_start[end]
        if end:
            points.append(end)
    return sorted(points)


def noise_scale(values: list[float]) -> float:
    """σ of day-to-day noise, so the penalty is in units of variance as PELT's penalty assumes.

    Robust (MAD of first differences / (0.6745·√2)); a series that is flat apart from its changes
    has a MAD of zero, and then the mean difference stands in; a constant series keeps scale 1.
    """
    differences = sorted(abs(b - a) for a, b in pairwise(values))
    if not differences:
        return 1.0
    mad = differences[len(differences) // 2]
    return mad / (0.6745 * math.sqrt(2)) or sum(differences) / len(differences) or 1.0


def consumption_drop(window: Window, t: Mt07Thresholds) -> list[Finding]:
    """MT-07: a change point after which daily use fell by at least the drop ratio for at least the minimum days."""
    findings = []
    minimum_days = round(t.minimum_days / DAY)
    for device_id, measured in measured_days(window).items():
        # A statutory holiday's low use (the family away over Spring Festival) is no lasting drop.
        series = [(day, use) for day, use in measured if not is_statutory_holiday(day.date())]
        if len(series) < 2 * minimum_days:
            continue
        by_day = dict(series)
        logs = [math.log(use + t.log_offset) for _, use in series]
        scale = noise_scale(logs)
        points = optimal_change_points([v / scale for v in logs], t.penalty_per_log_n * math.log(len(logs)))
        bounds = [0, *points, len(series)]
        stop = len(series)
        for k in range(1, len(bounds) - 1):
            change = bounds[k]
            # The condition is the present one: use from the change up to today, which also
            # absorbs a short transitional segment (the day the drop began).
            if stop - change < minimum_days:
                continue
            mean_before = _mean(u for _, u in series[bounds[k - 1]:change])
            mean_after = _mean(u for _, u in series[change:stop])
            if mean_before <= 0 or mean_after > (1 - t.drop_ratio) * mean_before:
                continue
            change_day = series[change][0]
            last_year = _year_earlier_ratio(by_day, series[bounds[k - 1]][0], change_day, series[stop - 1][0])
            if last_year is not None and last_year <= 1 - t.drop_ratio:
                continue  # the same drop happened a year ago: seasonal, not tampering
            findings.append(finding(
                "MT-07", Severity.WARNING, device_id, window.now,
                change_day=change_day, mean_before=mean_before, mean_after=mean_after,
                ratio=mean_after / mean_before, days_after=stop - change, last_year_ratio=last_year,
                drop_ratio=t.drop_ratio,
            ))
            break  # one standing finding per meter: the earliest drop
    return findings


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def _year_earlier_ratio(by_day: dict[datetime, float], first: datetime, change: datetime, last: datetime) -> float | None:
    year = timedelta(days=365)
    before = [by_day[d - year] for d in _days(first, change - DAY) if d - year in by_day]
    after = [by_day[d - year] for d in _days(change, last) if d - year in by_day]
    if not before or not after or _mean(before) <= 0:
        return None
    return _mean(after) / _mean(before)


def _days(first: datetime, last: datetime) -> list[datetime]:
    return [first + i * DAY for i in range(round((last - first) / DAY) + 1)]


def current_mismatch(window: Window, t: Mt08Thresholds) -> list[Finding]:
    """MT-08: phase and neutral currents differ by more than the limit for longer than the duration (bypass).

    The difference must also exceed what earth leakage and the meter's current error make: at a
    standby load of a few tenths of an ampere they alone pass the relative limit.
    """
    findings = []
    for device_id, readings in meter_series(window).items():
        since = None
        for reading in readings:
            if reading.phase_current_a is None or reading.neutral_current_a is None:
                continue
            difference = abs(reading.phase_current_a - reading.neutral_current_a)
            larger = max(reading.phase_current_a, reading.neutral_current_a)
            mismatch = difference / larger if larger > 0 else 0.0
            if not exceeds(mismatch, t.mismatch) or not exceeds(difference, t.minimum_difference):
                since = None
                continue
            since = since or reading
            if exceeds((reading.time - since.time).total_seconds(), t.duration.total_seconds()):
                findings.append(finding(
                    "MT-08", Severity.WARNING, device_id, reading.time, since=since.time, reading=reading,
                    mismatch=mismatch, limit=t.mismatch,
                ))
                since = None
    return findings


def missed_reports(quiet: timedelta, interval: timedelta) -> int:
    return int(quiet / interval)


def meter_communication_loss(window: Window, t: Mt09Thresholds) -> list[Finding]:
    """MT-09: as many expected reports missed as the meter's reporting rhythm allows, and at least the
    minimum silence (a power cut of a few hours, after which the meter uploads what it kept, is no
    communication loss), from time alone.

    The rhythm is the meter's expected interval (configured or learned, the longer); a meter at a
    business with opening hours counts only the hours it is expected to report (intervals.py).
    """
    latest = latest_message_times(window)
    findings = []
    for device_id in devices_of_kind(window, DeviceKind.METER):
        profile = window.profiles[device_id]
        interval = expected_interval(profile)
        if interval is None or device_id not in latest:
            continue
        allowed = t.missed_daily_reports if interval >= DAY else t.missed_interval_reads
        quiet = counted_silence(latest[device_id], window.now, profile, interval,
                                site_heard=site_heard_since(latest, window.profiles, device_id))
        missed = missed_reports(quiet, interval)
        if missed >= allowed and quiet >= t.minimum_silence:
            findings.append(finding(
                "MT-09", Severity.WARNING, device_id, window.now,
                last_seen=latest[device_id], report_interval_s=interval, configured_interval_s=profile.report_interval,
                learned_interval_s=profile.learned_interval, missed_reports=missed, limit=allowed,
                counted_silence_s=quiet, minimum_silence_s=t.minimum_silence,
            ))
    return findings


def service_life_key(profile: DeviceProfile) -> str:
    if profile.medium == MeterMedium.ELECTRICITY:
        return f"{profile.medium}:{profile.accuracy_class}"
    return profile.medium or ""


def service_life_overdue(window: Window, t: ServiceLifeThresholds) -> list[Finding]:
    """MT-10: the meter reaches (or passed) the end of its service life or verification period."""
    today = local_date(window.now)
    findings = []
    for device_id in devices_of_kind(window, DeviceKind.METER):
        profile = window.profiles[device_id]
        years = t.service_life_years.get(service_life_key(profile))
        if years is None or profile.installed_on is None:
            continue
        due = add_months(profile.installed_on, round(years * 12))
        severity = overdue_severity(due, today, t.warning_from, t.critical_from)
        if severity is not None:
            findings.append(finding("MT-10", severity, device_id, window.now, installed_on=profile.installed_on,
                                    service_life_years=years, due=due, today=today))
    return findings


def meter_status_flag(window: Window, t: Mt11Thresholds) -> list[Finding]:
    """MT-11: a valve fault at once; a low battery once as many reports as required flagged it.

    A battery-powered meter measures its battery under the radio's transmit current: a cold night
    sags one report below the limit, while a worn battery stays below it in every report after.
    """
    reports: dict[str, int] = defaultdict(int)
    findings = []
    for event in ordered(window.events):
        if event.code not in t.event_codes or not is_kind(window, event.device_id, DeviceKind.METER):
            continue
        if event.code == EventCode.BATTERY_LOW:
            reports[event.device_id] += 1
            if reports[event.device_id] < t.battery_low_reports:
                continue
        findings.append(finding("MT-11", Severity.WARNING, event.device_id, event.time, event=event, watched_codes=t.event_codes,
                                battery_low_reports=reports[event.device_id], required_reports=t.battery_low_reports))
    return findings
