"""EV charging piles: CP-01 … CP-08 (monitoring.md §2.3)."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

from jiliang.monitoring.rules.common import (
    by_device,
    clock_drift,
    devices_of_kind,
    exceeds,
    finding,
    is_kind,
    local_date,
    ordered,
    verification_overdue,
    within,
)
from jiliang.monitoring.rules.meters import meter_steps
from jiliang.monitoring.rules.thresholds import (
    AmountThresholds,
    Cp01Thresholds,
    Cp03Thresholds,
    Cp04Thresholds,
    Cp05Thresholds,
    Cp06Thresholds,
    Cp07Thresholds,
    VerificationOverdueThresholds,
)
from jiliang.monitoring.rules.types import ChargerSession, DeviceKind, DeviceProfile, EventCode, Finding, Severity, Window

# The station's main meter that feeds the chargers carries this role in its profile.
CHARGER_MAIN_METER = "charger_main_meter"


def charger_sessions(window: Window) -> list[ChargerSession]:
    return [s for s in ordered(window.charger_sessions) if is_kind(window, s.device_id, DeviceKind.CHARGER)]


def session_energy_error(session: ChargerSession) -> float:
    return abs(session.energy_billed_kwh - session.energy_module_kwh) / session.energy_module_kwh


def billed_energy_mismatch(window: Window, t: Cp01Thresholds) -> list[Finding]:
    """CP-01: billed energy differs from the pile's metering module by more than the class MPE."""
    findings = []
    for device_id, sessions in by_device(charger_sessions(window)).items():
        mpe = t.mpe_by_class.get(window.profiles[device_id].accuracy_class or "")
        if mpe is None:
            continue
        beyond: list[datetime] = []
        for session in sessions:
            if session.energy_module_kwh <= 0:
                continue
            error = session_energy_error(session)
            if not exceeds(error, mpe):
                continue
            beyond.append(session.time)
            repeats = sum(1 for moment in beyond if moment > session.time - t.repeat_period)
            critical = exceeds(error, t.critical_factor * mpe) or repeats >= t.repeat_count
            findings.append(finding(
                "CP-01", Severity.CRITICAL if critical else Severity.WARNING, device_id, session.time,
                session=session, relative_error=error, mpe=mpe, critical_limit=t.critical_factor * mpe,
                sessions_beyond_mpe_in_period=repeats, repeat_count=t.repeat_count,
            ))
    return findings


def billing_mismatch(window: Window, t: AmountThresholds) -> list[Finding]:
    """CP-02: the amount is not Σ energy × (energy price + service fee) over the tariff periods."""
    findings = []
    for session in charger_sessions(window):
        if not session.tariff_periods:
            continue
        expected = sum(p.energy_kwh * (p.energy_price + p.service_fee) for p in session.tariff_periods)
        if exceeds(abs(session.amount - expected), t.amount_tolerance_yuan):
            findings.append(finding(
                "CP-02", Severity.WARNING, session.device_id, session.time,
                session=session, expected_amount=expected, difference=session.amount - expected,
                tolerance=t.amount_tolerance_yuan,
            ))
    return findings


def newly_verified(profile: DeviceProfile, now: datetime, period: timedelta) -> bool:
    return profile.last_verified is not None and 0 <= (local_date(now) - profile.last_verified).days <= period.days


def charger_clock_drift(window: Window, t: Cp03Thresholds) -> list[Finding]:
    """CP-03: pile clock off by more than 3 min, or more than 5 s on a newly verified pile."""
    return clock_drift(
        "CP-03", DeviceKind.CHARGER, window,
        lambda profile: t.new_pile_clock_tolerance if newly_verified(profile, window.now, t.newly_verified_period) else t.clock_tolerance,
    )


def implausible_session_energy(window: Window, t: Cp04Thresholds) -> list[Finding]:
    """CP-04: more energy than the rated power can deliver in the session's duration."""
    findings = []
    for session in charger_sessions(window):
        rated = window.profiles[session.device_id].rated_power_kw
        if rated is None:
            continue
        hours = max((session.time - session.started_at).total_seconds(), 0) / 3600
        energy = max(session.energy_billed_kwh, session.energy_module_kwh)
        limit = rated * hours * t.power_margin
        if exceeds(energy, limit):
            findings.append(finding(
                "CP-04", Severity.CRITICAL, session.device_id, session.time,
                session=session, energy_kwh=energy, rated_power_kw=rated, hours=hours, limit_kwh=limit,
            ))
    return findings


def overlap_share(start: datetime, end: datetime, window_start: datetime, window_end: datetime) -> float:
    """Share of [start, end] inside the window (1 for an instant inside it)."""
    if end <= start:
        return 1.0 if window_start <= end <= window_end else 0.0
    inside = min(end, window_end) - max(start, window_start)
    return max(inside / (end - start), 0.0)


def open_session_energy(window: Window, site_id: str, finished: set[str], start: datetime, end: datetime) -> float:
    """Energy of the site's sessions still running at `end`, from their meter values between start and end.

    The main meter has already measured it; without it, a busy hour would look like missing energy.
    """
    registers: dict[tuple[str, str], list[float]] = {}
    for value in within(ordered(window.charger_meter_values), start, end):
        if value.session_id not in finished and is_kind(window, value.device_id, DeviceKind.CHARGER) \
                and window.profiles[value.device_id].site_id == site_id:
            registers.setdefault((value.device_id, value.session_id), []).append(value.register_kwh)
    return sum(max(max(values) - values[0], 0.0) for values in registers.values())


def station_energy_reconciliation(window: Window, t: Cp05Thresholds) -> list[Finding]:
    """CP-05: Σ session energy / the station main meter's energy over the period outside [low, high]."""
    findings = []
    main_meters = [d for d in devices_of_kind(window, DeviceKind.METER) if window.profiles[d].role == CHARGER_MAIN_METER]
    for meter_id in main_meters:
        site_id = window.profiles[meter_id].site_id
        readings = within([r for r in ordered(window.meter_readings) if r.device_id == meter_id], window.now - t.period, window.now)
        if len(readings) < 2 or readings[-1].time - readings[0].time < t.minimum_span:
            continue
        start, end = readings[0].time, readings[-1].time
        main_kwh = sum(step.booked for step in meter_steps(window, meter_id, readings))
        sessions = [s for s in charger_sessions(window) if window.profiles[s.device_id].site_id == site_id]
        finished_kwh = sum(s.energy_module_kwh * overlap_share(s.started_at, s.time, start, end) for s in sessions)
        open_kwh = open_session_energy(window, site_id, {s.session_id for s in sessions}, start, end)
        sessions_kwh = finished_kwh + open_kwh
        if main_kwh <= 0:
            continue
        ratio = sessions_kwh / main_kwh
        if exceeds(t.ratio_low, ratio) or exceeds(ratio, t.ratio_high):
            findings.append(finding(
                "CP-05", Severity.WARNING, meter_id, window.now,
                site_id=site_id, main_meter_from=start, main_meter_to=end, sessions_kwh=sessions_kwh,
                still_charging_kwh=open_kwh, main_meter_kwh=main_kwh,
                ratio=ratio, ratio_low=t.ratio_low, ratio_high=t.ratio_high,
            ))
    return findings


def meter_values_stopped(window: Window, t: Cp06Thresholds) -> list[Finding]:
    """CP-06: during a session, no meter value for longer than the gap limit (also while a session is still open)."""
    ended = {s.session_id: s.time for s in charger_sessions(window)}
    findings = []
    for device_id, values in by_device(window.charger_meter_values).items():
        if not is_kind(window, device_id, DeviceKind.CHARGER):
            continue
        sessions: dict[str, list[datetime]] = {}
        for value in values:
            sessions.setdefault(value.session_id, []).append(value.time)
        for session_id, times in sessions.items():
            # A finished session is live until its end; an open one until now.
            times = times + [ended.get(session_id, window.now)]
            for before, after in pairwise(times):
                if after - before > t.meter_value_gap:  # exact times: no rounding to allow for
                    findings.append(finding(
                        "CP-06", Severity.WARNING, device_id, after, session_id=session_id,
                        last_value_at=before, gap_s=after - before, limit_s=t.meter_value_gap,
                        session_open=session_id not in ended,
                    ))
    return findings


def register_reset(window: Window, t: Cp07Thresholds) -> list[Finding]:
    """CP-07: the pile's energy register went down with no firmware update in between."""
    findings = []
    for device_id, values in by_device(window.charger_meter_values).items():
        if not is_kind(window, device_id, DeviceKind.CHARGER):
            continue
        device_updates = [e.time for e in window.events if e.device_id == device_id and e.code == EventCode.FIRMWARE_UPDATE]
        for before, after in pairwise(values):
            drop = before.register_kwh - after.register_kwh
            if exceeds(drop, t.decrease_tolerance_kwh) and not any(before.time <= u <= after.time for u in device_updates):
                findings.append(finding("CP-07", Severity.CRITICAL, device_id, after.time, before=before, after=after, decrease_kwh=drop))
    return findings


def charger_verification_overdue(window: Window, t: VerificationOverdueThresholds) -> list[Finding]:
    """CP-08."""
    return verification_overdue("CP-08", DeviceKind.CHARGER, window, t)
