"""Fuel dispensers and tanks: FD-01 … FD-13 (monitoring.md §2.1).

A nozzle is the dispenser's monitoring point; a tank carries its gauge; both belong to a station
(`site_id`). Tank reconciliation works in litres at 20 °C.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise

from jiliang.monitoring.rules.common import (
    CHINA_STANDARD_TIME,
    below,
    context_inside,
    by_device,
    devices_of_kind,
    event_findings,
    exceeds,
    finding,
    latest_message_times,
    ordered,
    silence,
    verification_overdue,
    within,
    work_order_between,
)
from jiliang.monitoring.rules.intervals import counted_silence, expected_interval, site_heard_since
from jiliang.monitoring.rules.thresholds import (
    AmountThresholds,
    EventThresholds,
    Fd01Thresholds,
    Fd02Thresholds,
    Fd03Thresholds,
    Fd04Thresholds,
    Fd05Thresholds,
    Fd07Thresholds,
    Fd08Thresholds,
    Fd09Thresholds,
    Fd12Thresholds,
    Fd13Thresholds,
    VerificationOverdueThresholds,
)
from jiliang.monitoring.rules.types import (
    DeviceKind,
    DeviceProfile,
    DispenserTransaction,
    Finding,
    ParameterChange,
    Severity,
    TankReading,
    Window,
    WorkOrderKind,
)
from jiliang.monitoring.rules.volume_correction import VolumeCorrection

# Iglewicz & Hoaglin's modified z-score: 0.6745 = Φ⁻¹(0.75) makes the MAD comparable to σ.
_MAD_TO_SIGMA = 0.6745
DAY = timedelta(days=1)


def is_verified_k(change: ParameterChange, profile: DeviceProfile | None) -> bool:
    """Whether a K-factor change lands on the K recorded by the nozzle's last verification: the
    verifier's adjustment, registered in verification rather than as a work order. The record keeps
    four decimals, so the reported K is compared at that resolution."""
    verified = profile.verified_k_factor if profile else None
    return change.parameter == "k_factor" and verified is not None and round(change.new_value, 4) == round(verified, 4)


def parameter_change_without_work_order(window: Window, t: Fd01Thresholds) -> list[Finding]:
    """FD-01: a watched parameter changed and no verification work order lies within ± tolerance,
    unless the change sets the K-factor the last verification recorded. A change is judged only once
    the grace period has passed: the work order of a job is recorded after it."""
    findings = []
    for change in ordered(window.parameter_changes):
        if (change.parameter not in t.watched_parameters or not context_inside(window, change.time, t.work_order_tolerance)
                or in_grace(change.time, window.now, t.grace_period)):
            continue
        if is_verified_k(change, window.profiles.get(change.device_id)):
            continue
        start, end = change.time - t.work_order_tolerance, min(window.now, change.time + t.work_order_tolerance)
        if work_order_between(window.work_orders, change.device_id, WorkOrderKind.VERIFICATION, start, end):
            continue
        findings.append(finding(
            "FD-01", Severity.CRITICAL, change.device_id, change.time,
            change=change, work_order_searched_from=start, work_order_searched_to=end,
        ))
    return findings


def in_grace(change: datetime, now: datetime, grace: timedelta) -> bool:
    """Whether a change is still too recent to judge: its work order may not be recorded yet."""
    return now - change < grace


def pulse_volume_error(tx: DispenserTransaction, k_factor: float | None = None) -> float:
    """Relative difference between the volume the encoder pulses imply and the displayed volume,
    with `k_factor` (the verified one) when given, else the one the dispenser reported."""
    return (tx.pulses / (k_factor or tx.k_factor) - tx.volume_l) / tx.volume_l


def pulse_volume_mismatch(window: Window, t: Fd02Thresholds) -> list[Finding]:
    """FD-02: WARN per fill beyond the MPE; CRITICAL once `lock_count` fills beyond the lock limit fall in the period.

    The pulses are converted with the K-factor recorded at the nozzle's last verification when the
    profile has it: a dispenser that reports its own tampered K would otherwise agree with itself.
    """
    findings = []
    for device_id, fills in by_device(window.transactions).items():
        profile = window.profiles.get(device_id)
        verified_k = profile.verified_k_factor if profile else None
        lock_times: list[datetime] = []
        for tx in fills:
            if tx.volume_l <= 0:
                continue
            error = pulse_volume_error(tx, verified_k)
            if not exceeds(abs(error), t.warning_relative_error):
                continue
            if exceeds(abs(error), t.lock_relative_error):
                lock_times.append(tx.time)
            recent_locks = [moment for moment in lock_times if moment > tx.time - t.lock_period]
            severity = Severity.CRITICAL if len(recent_locks) >= t.lock_count else Severity.WARNING
            findings.append(finding(
                "FD-02", severity, device_id, tx.time,
                transaction=tx, pulse_volume_l=tx.pulses / (verified_k or tx.k_factor), relative_error=error,
                verified_k_factor=verified_k, reported_k_factor=tx.k_factor,
                warning_limit=t.warning_relative_error, lock_limit=t.lock_relative_error,
                fills_beyond_lock_limit_in_period=len(recent_locks), lock_count=t.lock_count,
            ))
    return findings


def component_identity_change(window: Window, t: Fd03Thresholds) -> list[Finding]:
    """FD-03: a component's serial or software hash changed with no regulator initialisation since,
    judged once the grace period has passed (as FD-01)."""
    fills = by_device(window.transactions)
    findings = []
    for device_id, reports in by_device(window.component_identities).items():
        previous = {}
        for report in reports:
            before = previous.get(report.component)
            previous[report.component] = report
            if (before is None or before.identity == report.identity
                    or not context_inside(window, report.time, t.initialisation_tolerance)
                    or in_grace(report.time, window.now, t.grace_period)):
                continue
            start = report.time - t.initialisation_tolerance
            if work_order_between(window.work_orders, device_id, WorkOrderKind.INITIALISATION, start, window.now):
                continue
            fills_since = sum(1 for tx in fills.get(device_id, []) if tx.time > report.time)
            findings.append(finding(
                "FD-03", Severity.CRITICAL, device_id, report.time,
                previous=before, current=report, fills_since_change=fills_since,
                # A dispenser that still sells after more fills than the lock allows has had its lock defeated.
                lock_defeated=fills_since > t.fills_before_lock, fills_before_lock=t.fills_before_lock,
            ))
    return findings


def implied_flow_l_per_min(tx: DispenserTransaction) -> float:
    return tx.volume_l / (tx.duration_s / 60) if tx.duration_s > 0 else float("inf")


def implausible_flow_rate(window: Window, t: Fd04Thresholds) -> list[Finding]:
    """FD-04: implied flow above Qmax × factor (pulse injection), or below Qmin for longer than allowed.

    Each side needs its own rating only: a nozzle without Qmin is still checked against Qmax (its
    device page says the low side lacks Qmin).
    """
    findings = []
    for tx in ordered(window.transactions):
        profile = window.profiles.get(tx.device_id)
        if profile is None or tx.volume_l <= 0:
            continue
        flow = implied_flow_l_per_min(tx)
        too_fast = profile.qmax is not None and exceeds(flow, profile.qmax * t.qmax_factor)
        too_slow_too_long = (profile.qmin is not None and below(flow, profile.qmin)
                             and exceeds(tx.duration_s, t.low_flow_duration.total_seconds()))
        if too_fast or too_slow_too_long:
            findings.append(finding(
                "FD-04", Severity.WARNING, tx.device_id, tx.time,
                transaction=tx, flow_l_per_min=flow, qmax=profile.qmax, qmin=profile.qmin,
                qmax_limit=profile.qmax * t.qmax_factor if profile.qmax is not None else None,
                direction="high" if too_fast else "low",
            ))
    return findings


def totaliser_discontinuity(window: Window, t: Fd05Thresholds) -> list[Finding]:
    """FD-05: the totaliser advanced between two reported fills (or within one) by more than the fills
    report: hidden sales. Judged per pair of consecutive fills (one centilitre of rounding for each
    fill), so each discontinuity is one finding at the fill after it, in whichever window it is seen:
    a sum over the window gave each clock turn its own "largest gap" and finding time."""
    findings = []
    for device_id, fills in by_device(window.transactions).items():
        steps = [(after.totaliser_start_l - before.totaliser_end_l, before, after, 2 * t.tolerance_per_transaction_l)
                 for before, after in pairwise(fills)]
        steps += [(tx.totaliser_end_l - tx.totaliser_start_l - tx.volume_l, tx, tx, t.tolerance_per_transaction_l)
                  for tx in fills]
        for gap, before, after, tolerance in steps:
            if exceeds(abs(gap), tolerance):
                findings.append(finding(
                    "FD-05", Severity.CRITICAL, device_id, after.time,
                    discrepancy_l=gap, tolerance_l=tolerance, gap_after=before, gap_before=after,
                    totaliser_advance_l=after.totaliser_end_l - before.totaliser_start_l,
                    reported_volume_l=before.volume_l + (after.volume_l if after is not before else 0.0),
                ))
    return findings


def amount_mismatch(window: Window, t: AmountThresholds) -> list[Finding]:
    """FD-06: the amount shown is not unit price × volume."""
    findings = []
    for tx in ordered(window.transactions):
        expected = tx.unit_price * tx.volume_l
        if exceeds(abs(expected - tx.amount), t.amount_tolerance_yuan):
            findings.append(finding(
                "FD-06", Severity.WARNING, tx.device_id, tx.time,
                transaction=tx, expected_amount=expected, difference=tx.amount - expected,
                tolerance=t.amount_tolerance_yuan,
            ))
    return findings


@dataclass(frozen=True)
class Reconciliation:
    """book_close = open + Σ deliveries − Σ dispensed; variance = measured close − book close (all at 20 °C)."""

    tank_id: str
    opened_at: datetime
    closed_at: datetime
    opening_l: float
    deliveries_l: float
    dispensed_l: float
    book_close_l: float
    measured_close_l: float

    @property
    def variance_l(self) -> float:
        return self.measured_close_l - self.book_close_l


def nozzles_of_tank(window: Window, tank_id: str) -> list[str]:
    return sorted(d for d, p in window.profiles.items() if p.kind == DeviceKind.NOZZLE and p.tank_id == tank_id)


def dispensed_at_20(tx: DispenserTransaction, rho20: float, correction: VolumeCorrection) -> float:
    return correction.volume_at_20(tx.volume_l, tx.fuel_temperature_c, rho20)


def fuel_came_in(before: TankReading, after: TankReading, rho20: float, correction: VolumeCorrection, rise_l: float) -> bool:
    """The tank gained more than `rise_l` at 20 °C between two readings: sales and leaks only take fuel out."""
    gained = correction.volume_at_20(after.volume_l, after.temperature_c, rho20) - correction.volume_at_20(before.volume_l, before.temperature_c, rho20)
    return exceeds(gained, rise_l)


def before_unrecorded_delivery(readings: list[TankReading], recorded: list[datetime], now: datetime, rho20: float,
                               t: Fd07Thresholds) -> list[TankReading]:
    """The readings up to the last one before a delivery still unloading.

    A delivery is recorded when the tanker has unloaded, and the gauge sees the fuel going in: books
    closed in between count fuel in the tank that no note accounts for yet. A gain after the last
    record that is older than the record's wait counts: fuel that came in with no note.
    """
    last_record = max(recorded, default=None)
    for index, (before, after) in enumerate(pairwise(readings), start=1):
        if (last_record is None or before.time >= last_record) and after.time > now - t.delivery_record_wait \
                and fuel_came_in(before, after, rho20, t.volume_correction, t.delivery_rise_l):
            return readings[:index]
    return readings


def reconcile_tank(window: Window, tank: DeviceProfile, start: datetime, t: Fd07Thresholds) -> Reconciliation | None:
    """Reconciliation between the first gauge reading at or after `start` and the last one before a
    delivery still unloading."""
    if tank.density_20_kg_m3 is None:
        return None
    rho20, correction = tank.density_20_kg_m3, t.volume_correction
    recorded = [d.time for d in window.tank_deliveries if d.device_id == tank.device_id and d.time <= window.now]
    readings = within([r for r in ordered(window.tank_readings) if r.device_id == tank.device_id], start, window.now)
    readings = before_unrecorded_delivery(readings, recorded, window.now, rho20, t)
    if len(readings) < 2:
        return None
    first, last = readings[0], readings[-1]
    nozzles = set(nozzles_of_tank(window, tank.device_id))
    deliveries = sum(
        d.volume_20_l for d in ordered(window.tank_deliveries)
        if d.device_id == tank.device_id and first.time < d.time <= last.time
    )
    dispensed = sum(
        dispensed_at_20(tx, rho20, correction)
        for tx in ordered(tx for tx in window.transactions if tx.device_id in nozzles and first.time < tx.time <= last.time)
    )
    opening = correction.volume_at_20(first.volume_l, first.temperature_c, rho20)
    book_close = opening + deliveries - dispensed
    return Reconciliation(
        tank_id=tank.device_id, opened_at=first.time, closed_at=last.time, opening_l=opening,
        deliveries_l=deliveries, dispensed_l=dispensed, book_close_l=book_close,
        measured_close_l=correction.volume_at_20(last.volume_l, last.temperature_c, rho20),
    )


def tank_variance(window: Window, t: Fd07Thresholds) -> list[Finding]:
    """FD-07: cumulative variance over the period: apparent gain → WARN (short delivery), loss → CRITICAL (leak, theft)."""
    findings = []
    for tank_id in devices_of_kind(window, DeviceKind.TANK):
        rec = reconcile_tank(window, window.profiles[tank_id], window.now - t.period, t)
        if rec is None:
            continue
        gain_limit = t.gain_relative * rec.dispensed_l + t.gain_fixed_l
        loss_limit = t.loss_relative * rec.dispensed_l + t.loss_fixed_l
        if exceeds(rec.variance_l, gain_limit):
            severity, limit = Severity.WARNING, gain_limit
        elif below(rec.variance_l, -loss_limit):
            severity, limit = Severity.CRITICAL, -loss_limit
        else:
            continue
        findings.append(finding(
            "FD-07", severity, tank_id, window.now,
            reconciliation=rec, variance_l=rec.variance_l,
            variance_share_of_throughput=rec.variance_l / rec.dispensed_l if rec.dispensed_l else None,
            limit_l=limit,
        ))
    return findings


def solve_least_squares(rows: list[list[float]], targets: list[float]) -> list[float] | None:
    """β minimising ‖Xβ − y‖² through the normal equations; None when the columns are not independent."""
    n = len(rows[0])
    a = [[sum(r[i] * r[j] for r in rows) for j in range(n)] + [sum(r[i] * y for r, y in zip(rows, targets))] for i in range(n)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda i: abs(a[i][col]))
        if abs(a[pivot][col]) < 1e-9 * max(1.0, max(abs(a[i][i]) for i in range(n))):
            return None
        a[col], a[pivot] = a[pivot], a[col]
        for i in range(n):
            if i != col:
                factor = a[i][col] / a[col][col]
                a[i] = [x - factor * y for x, y in zip(a[i], a[col])]
    return [a[i][n] / a[i][i] for i in range(n)]


def meter_factors(window: Window, tank: DeviceProfile, t: Fd08Thresholds) -> tuple[dict[str, float], int] | None:
    """Per-nozzle factors β_i from ΔV_tank = Σ β_i·V_i + Σ c_d·Δt_d over gauge intervals without a delivery.

    The c_d·Δt_d terms, one loss rate per local day, absorb a loss (leak, evaporation) so that it
    does not bias the nozzles: one rate for the whole window put a leak that began in it on the
    nozzles. Intervals of a delivery are left out because the delivery note, not the nozzles,
    dominates them: those ending less than the record's wait before a delivery record (an unloading
    spans several gauge intervals and is recorded at its end) and those in which fuel came in.
    """
    rho20, correction = tank.density_20_kg_m3, t.volume_correction
    readings = [r for r in ordered(window.tank_readings) if r.device_id == tank.device_id]
    nozzles = nozzles_of_tank(window, tank.device_id)
    if rho20 is None or len(readings) < 2 or not nozzles:
        return None
    deliveries = sorted(d.time for d in window.tank_deliveries if d.device_id == tank.device_id)
    fed = set(nozzles)
    sold: dict[str, list[DispenserTransaction]] = by_device(tx for tx in window.transactions if tx.device_id in fed)
    rows, hours, drops = [], [], []
    cursor = {n: 0 for n in nozzles}
    for before, after in pairwise(readings):
        row = [0.0] * len(nozzles)
        for index, nozzle in enumerate(nozzles):
            fills = sold.get(nozzle, [])
            while cursor[nozzle] < len(fills) and fills[cursor[nozzle]].time <= after.time:
                tx = fills[cursor[nozzle]]
                if tx.time > before.time:
                    row[index] += dispensed_at_20(tx, rho20, correction)
                cursor[nozzle] += 1
        if any(before.time < moment <= after.time + t.delivery_record_wait for moment in deliveries) \
                or fuel_came_in(before, after, rho20, correction, t.delivery_rise_l):
            continue
        rows.append(row)
        hours.append(hours_by_local_day(before.time, after.time))
        drops.append(correction.volume_at_20(before.volume_l, before.temperature_c, rho20)
                     - correction.volume_at_20(after.volume_l, after.temperature_c, rho20))
    selling = [i for i in range(len(nozzles)) if any(row[i] for row in rows)]
    if not rows or not selling:
        return None
    days = sorted({day for spans in hours for day in spans})
    matrix = [[row[i] for i in selling] + [spans.get(day, 0.0) for day in days] for row, spans in zip(rows, hours)]
    solution = solve_least_squares(matrix, drops)
    if solution is None:
        return None
    return {nozzles[i]: beta for i, beta in zip(selling, solution)}, len(rows)


def hours_by_local_day(start: datetime, end: datetime) -> dict[date, float]:
    """Hours of [start, end) in each local day."""
    spans: dict[date, float] = {}
    while start < end:
        local = start.astimezone(CHINA_STANDARD_TIME)
        midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        upto = min(end, midnight)
        spans[local.date()] = spans.get(local.date(), 0.0) + (upto - start).total_seconds() / 3600
        start = upto
    return spans


def meter_factor_drift(window: Window, t: Fd08Thresholds) -> list[Finding]:
    """FD-08: a nozzle's regression factor outside [low, high] over at least the minimum span of gauge data."""
    findings = []
    for tank_id in devices_of_kind(window, DeviceKind.TANK):
        readings = [r for r in window.tank_readings if r.device_id == tank_id]
        if not readings or max(r.time for r in readings) - min(r.time for r in readings) < t.minimum_span:
            continue
        estimate = meter_factors(window, window.profiles[tank_id], t)
        if estimate is None:
            continue
        factors, intervals = estimate
        for nozzle, beta in factors.items():
            if below(beta, t.factor_low) or exceeds(beta, t.factor_high):
                findings.append(finding(
                    "FD-08", Severity.WARNING, nozzle, window.now,
                    tank_id=tank_id, meter_factor=beta, all_factors=factors, gauge_intervals=intervals,
                    factor_low=t.factor_low, factor_high=t.factor_high,
                ))
    return findings


def average_flow_l_per_min(fills: list[DispenserTransaction]) -> float:
    minutes = sum(tx.duration_s for tx in fills) / 60
    return sum(tx.volume_l for tx in fills) / minutes if minutes > 0 else float("inf")


def robust_z_scores(values: dict[str, float], mad_floor_relative: float) -> dict[str, float]:
    centre = statistics.median(values.values())
    mad = statistics.median(abs(v - centre) for v in values.values())
    scale = max(mad, mad_floor_relative * abs(centre))
    return {key: _MAD_TO_SIGMA * (v - centre) / scale for key, v in values.items()}


def sibling_nozzle_outlier(window: Window, t: Fd09Thresholds) -> list[Finding]:
    """FD-09: a nozzle's average flow rate over the period is a robust outlier among nozzles of the same product."""
    fills = by_device(within(ordered(window.transactions), window.now - t.period, window.now))
    groups: dict[tuple[str, str | None], dict[str, float]] = defaultdict(dict)
    for nozzle in devices_of_kind(window, DeviceKind.NOZZLE):
        profile = window.profiles[nozzle]
        if len(fills.get(nozzle, [])) >= t.minimum_fills:
            groups[(profile.site_id, profile.product)][nozzle] = average_flow_l_per_min(fills[nozzle])
    findings = []
    for (site_id, product), flows in groups.items():
        if len(flows) < t.minimum_siblings:
            continue
        for nozzle, z in robust_z_scores(flows, t.mad_floor_relative).items():
            if exceeds(abs(z), t.robust_z):
                findings.append(finding(
                    "FD-09", Severity.WARNING, nozzle, window.now,
                    site_id=site_id, product=product, average_flow_l_per_min=flows[nozzle],
                    sibling_flows=flows, robust_z=z, limit=t.robust_z,
                ))
    return findings


def dispenser_verification_overdue(window: Window, t: VerificationOverdueThresholds) -> list[Finding]:
    """FD-10."""
    return verification_overdue("FD-10", DeviceKind.NOZZLE, window, t)


def seal_event(window: Window, t: EventThresholds) -> list[Finding]:
    """FD-11: seal, cover or door opened on a dispenser."""
    return event_findings("FD-11", window, DeviceKind.NOZZLE, t.event_codes, Severity.CRITICAL)


def silence_limits(t: Fd12Thresholds, interval: timedelta | None) -> tuple[timedelta | None, timedelta]:
    """(warning, critical) silence limits for a device reporting every `interval` (heartbeat or cadence).

    A device that sells when it sells and sends a daily heartbeat is judged against its heartbeat,
    not against the 10 minutes a five-minute heartbeat allows. Without a declared interval nothing
    says how quiet the device may be: only the critical limit applies (the device page says so).
    """
    if interval is None:
        return None, t.critical_silence
    warning = max(t.warning_silence, t.missed_reports * interval)
    return warning, max(t.critical_silence, warning + interval)


def communication_loss_severity(last_seen: datetime, now: datetime, t: Fd12Thresholds, profile: DeviceProfile,
                                site_heard: bool = False) -> Severity | None:
    """FD-12 on time alone: silence beyond the critical limit, or beyond the warning limit, both
    judged against the device's expected interval (configured or learned).

    A device that reports more often than daily is expected to report in opening hours only; a
    daily (or rarer) heartbeat comes whatever the hours; a station with opening hours may close on
    a statutory holiday (intervals.counted_silence).
    """
    interval = expected_interval(profile)
    warning, critical = silence_limits(t, interval)
    quiet = counted_silence(last_seen, now, profile, interval, site_heard=site_heard).total_seconds()
    if exceeds(quiet, critical.total_seconds()):
        return Severity.CRITICAL
    if warning is not None and exceeds(quiet, warning.total_seconds()):
        return Severity.WARNING
    return None


def dispenser_communication_loss(window: Window, t: Fd12Thresholds) -> list[Finding]:
    """FD-12: fires from `now` and the last message, with no new message needed."""
    latest = latest_message_times(window)
    findings = []
    for nozzle in devices_of_kind(window, DeviceKind.NOZZLE):
        if nozzle not in latest:
            continue
        profile = window.profiles[nozzle]
        site_heard = site_heard_since(latest, window.profiles, nozzle)
        severity = communication_loss_severity(latest[nozzle], window.now, t, profile, site_heard)
        if severity is not None:
            interval = expected_interval(profile)
            warning, critical = silence_limits(t, interval)
            findings.append(finding(
                "FD-12", severity, nozzle, window.now,
                last_seen=latest[nozzle], silence_s=silence(latest[nozzle], window.now),
                counted_silence_s=counted_silence(latest[nozzle], window.now, profile, interval, site_heard=site_heard),
                opening_hours=profile.opening_hours, report_interval_s=interval,
                configured_interval_s=profile.report_interval, learned_interval_s=profile.learned_interval,
                warning_silence_s=warning, critical_silence_s=critical,
            ))
    return findings


def implausible_fuel_data(window: Window, t: Fd13Thresholds) -> list[Finding]:
    """FD-13: fuel temperature outside the plausible range, or a tank temperature jump with no delivery in between."""
    findings = [
        finding("FD-13", Severity.DATA_QUALITY, tx.device_id, tx.time, transaction=tx, check="fuel_temperature",
                minimum_c=t.fuel_temperature_min_c, maximum_c=t.fuel_temperature_max_c)
        for tx in ordered(window.transactions)
        if below(tx.fuel_temperature_c, t.fuel_temperature_min_c) or exceeds(tx.fuel_temperature_c, t.fuel_temperature_max_c)
    ]
    deliveries = by_device(window.tank_deliveries)
    for tank_id, readings in by_device(window.tank_readings).items():
        for before, after in pairwise(readings):
            jump = after.temperature_c - before.temperature_c
            delivered = any(before.time < d.time <= after.time for d in deliveries.get(tank_id, []))
            if not delivered and exceeds(abs(jump), t.tank_temperature_jump_c):
                findings.append(finding("FD-13", Severity.DATA_QUALITY, tank_id, after.time, check="tank_temperature_jump",
                                        previous=before, current=after, jump_c=jump, limit_c=t.tank_temperature_jump_c))
    return findings
