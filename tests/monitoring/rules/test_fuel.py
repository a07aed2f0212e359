"""FD-01 … FD-13 at, just below and just above their thresholds, with monitoring.md's worked numbers."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from jiliang.monitoring.rules import fuel
from jiliang.monitoring.rules.types import (
    ComponentIdentity,
    DeviceEvent,
    DeviceKind,
    DeviceProfile,
    DispenserTransaction,
    Heartbeat,
    ParameterChange,
    Severity,
    TankDelivery,
    TankReading,
    Window,
    WorkOrder,
)

NOZZLE = DeviceProfile("N1", DeviceKind.NOZZLE, "S1", product="92#", tank_id="T1", qmax=50.0, qmin=5.0,
                       report_interval=timedelta(minutes=5))
TANK = DeviceProfile("T1", DeviceKind.TANK, "S1", product="92#", density_20_kg_m3=737.0)
PROFILES = {"N1": NOZZLE, "T1": TANK}


def fill(at, seq, volume=40.0, *, minutes=0, error=0.0, duration=60.0, price=7.5, amount=None, start=1000.0, temp=20.0, k=100.0):
    """A fill whose pulses imply `volume × (1 + error)` litres."""
    return DispenserTransaction(
        device_id="N1", sequence=seq, time=at(minutes=minutes), duration_s=duration, volume_l=volume,
        pulses=round(volume * (1 + error) * k), k_factor=k, unit_price=price,
        amount=round(price * volume, 2) if amount is None else amount,
        totaliser_start_l=start, totaliser_end_l=start + volume, fuel_temperature_c=temp,
    )


def window(at, minutes=0, **readings):
    return Window(now=at(minutes=minutes), profiles=PROFILES, **readings)


# FD-01 ------------------------------------------------------------------------------------------

def k_change(at, hours=0):
    return ParameterChange("N1", 7, at(hours=hours), "k_factor", 100.0, 100.5)


@pytest.mark.parametrize(("order_offset_h", "fires"), [(-24, False), (-24.01, True), (24, False), (24.01, True)])
def test_fd01_work_order_within_24_hours_either_side(at, rulebook, order_offset_h, fires):
    order = WorkOrder("N1", at(hours=order_offset_h), "verification")
    found = fuel.parameter_change_without_work_order(
        window(at, minutes=3000, parameter_changes=(k_change(at),), work_orders=(order,)), rulebook.for_rule("FD-01"))
    assert bool(found) is fires
    if fires:
        assert found[0].severity is Severity.CRITICAL


def test_fd01_other_parameters_and_other_devices_orders_do_not_count(at, rulebook):
    price = ParameterChange("N1", 8, at(), "unit_price", 7.5, 7.6)
    other = WorkOrder("N2", at(), "verification")
    found = fuel.parameter_change_without_work_order(
        window(at, minutes=120, parameter_changes=(price, k_change(at)), work_orders=(other,)), rulebook.for_rule("FD-01"))
    assert [f.evidence["change"]["parameter"] for f in found] == ["k_factor"]


@pytest.mark.parametrize(("verified_k", "fires"), [(None, True), (100.5, False), (100.50004, False), (100.4, True)])
def test_fd01_a_change_to_the_verified_k_factor_is_the_verification(at, rulebook, verified_k, fires):
    profiles = {**PROFILES, "N1": replace(NOZZLE, verified_k_factor=verified_k)}
    found = fuel.parameter_change_without_work_order(
        Window(now=at(minutes=120), profiles=profiles, parameter_changes=(k_change(at),)), rulebook.for_rule("FD-01"))
    assert bool(found) is fires


@pytest.mark.parametrize(("now_min", "order_min", "fires"), [(1, None, False), (59, None, False), (60, None, True),
                                                             (60, 10, False), (60, 59, False), (600, 10, False)])
def test_fd01_judges_a_change_after_its_grace_period_so_a_work_order_recorded_meanwhile_explains_it(
        at, rulebook, now_min, order_min, fires):
    """A change was judged on arrival: the technician's work order recorded ten minutes after the
    change came too late and the change alerted. It is judged once the grace period (60 min) passed."""
    t = rulebook.for_rule("FD-01")
    assert t.grace_period == timedelta(minutes=60)
    orders = () if order_min is None else (WorkOrder("N1", at(minutes=order_min), "verification"),)
    recorded = tuple(o for o in orders if o.time <= at(minutes=now_min))
    found = fuel.parameter_change_without_work_order(
        window(at, minutes=now_min, parameter_changes=(k_change(at),), work_orders=recorded), t)
    assert bool(found) is fires


# FD-02 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("error", "expected"), [(0.0029, None), (0.0030, None), (0.0031, Severity.WARNING), (-0.0031, Severity.WARNING)])
def test_fd02_single_fill_at_and_beyond_the_mpe(at, rulebook, error, expected):
    # 1,000 L makes a 0.01 % step resolvable in whole pulses (K = 100 pulses/L).
    found = fuel.pulse_volume_mismatch(window(at, transactions=(fill(at, 1, 1000.0, error=error),)), rulebook.for_rule("FD-02"))
    assert [f.severity for f in found] == ([expected] if expected else [])


@pytest.mark.parametrize(("fills", "error", "last"), [(5, 0.0065, Severity.CRITICAL), (4, 0.0065, Severity.WARNING), (5, 0.0060, Severity.WARNING)])
def test_fd02_five_times_rule(at, rulebook, fills, error, last):
    """monitoring.md §6.3: 5 fills at +0.65 % within 30 days → CRITICAL; 4 → only WARNs; at ±0.6 % exactly no lock count."""
    txs = tuple(fill(at, i, 1000.0, error=error, minutes=i * 60 * 24 * 7) for i in range(fills))  # spread over 4 weeks
    found = fuel.pulse_volume_mismatch(window(at, transactions=txs), rulebook.for_rule("FD-02"))
    assert [f.severity for f in found] == [Severity.WARNING] * (fills - 1) + [last]


def test_fd02_lock_count_only_within_30_days(at, rulebook):
    txs = tuple(fill(at, i, 1000.0, error=0.0065, minutes=i * 60 * 24 * 8) for i in range(5))  # 32 days apart end to end
    found = fuel.pulse_volume_mismatch(window(at, transactions=txs), rulebook.for_rule("FD-02"))
    assert Severity.CRITICAL not in {f.severity for f in found}


def test_fd02_compares_the_pulses_with_the_verified_k_factor(at, rulebook):
    """Issue 15: a dispenser that reports its own tampered K (+0.5 %) agrees with itself; the K-factor
    recorded at verification does not."""
    tampered = fill(at, 1, 1000.0, k=100.5)
    t = rulebook.for_rule("FD-02")
    assert fuel.pulse_volume_mismatch(window(at, transactions=(tampered,)), t) == []
    verified = Window(now=at(), profiles={**PROFILES, "N1": replace(NOZZLE, verified_k_factor=100.0)}, transactions=(tampered,))
    found = fuel.pulse_volume_mismatch(verified, t)
    assert [f.severity for f in found] == [Severity.WARNING]
    assert found[0].evidence["verified_k_factor"] == 100.0 and found[0].evidence["reported_k_factor"] == 100.5


# FD-03 ------------------------------------------------------------------------------------------

def encoder(at, seq, hours, identity):
    return ComponentIdentity("N1", seq, at(hours=hours), "encoder", identity)


@pytest.mark.parametrize(("order_hours", "fires"), [(0.0, False), (-0.01, True), (30.0, False)])
def test_fd03_swap_needs_initialisation_from_24_hours_before_the_report(at, rulebook, order_hours, fires):
    reports = (encoder(at, 1, 0, "A"), encoder(at, 2, 24, "B"))
    orders = (WorkOrder("N1", at(hours=order_hours), "initialisation"),)
    found = fuel.component_identity_change(window(at, minutes=3000, component_identities=reports, work_orders=orders), rulebook.for_rule("FD-03"))
    assert bool(found) is fires


@pytest.mark.parametrize(("fills", "defeated"), [(3, False), (4, True)])
def test_fd03_more_than_three_fills_after_the_swap_escalates(at, rulebook, fills, defeated):
    reports = (encoder(at, 1, 0, "A"), encoder(at, 2, 1, "B"))
    txs = tuple(fill(at, 10 + i, minutes=120 + i) for i in range(fills))
    [found] = fuel.component_identity_change(window(at, minutes=600, component_identities=reports, transactions=txs), rulebook.for_rule("FD-03"))
    assert found.severity is Severity.CRITICAL and found.evidence["lock_defeated"] is defeated


@pytest.mark.parametrize(("now_min", "order_min", "fires"), [(1, None, False), (60, None, True), (60, 10, False)])
def test_fd03_judges_a_swap_after_its_grace_period(at, rulebook, now_min, order_min, fires):
    reports = (encoder(at, 1, -24, "A"), encoder(at, 2, 0, "B"))
    orders = () if order_min is None else (WorkOrder("N1", at(minutes=order_min), "initialisation"),)
    found = fuel.component_identity_change(
        window(at, minutes=now_min, component_identities=reports, work_orders=orders), rulebook.for_rule("FD-03"))
    assert bool(found) is fires


def test_fd03_same_identity_is_quiet(at, rulebook):
    reports = (encoder(at, 1, 0, "A"), encoder(at, 2, 24, "A"))
    assert fuel.component_identity_change(window(at, component_identities=reports), rulebook.for_rule("FD-03")) == []


# FD-04 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("flow", "seconds", "fires"), [
    (52.5, 60, False), (52.6, 60, True),  # Qmax 50 × 1.05
    (5.0, 120, False), (4.9, 60, False), (4.9, 61, True),  # Qmin 5 for more than 60 s
])
def test_fd04_implied_flow_limits(at, rulebook, flow, seconds, fires):
    tx = fill(at, 1, round(flow * seconds / 60, 4), duration=seconds)
    assert bool(fuel.implausible_flow_rate(window(at, transactions=(tx,)), rulebook.for_rule("FD-04"))) is fires


# FD-05 ------------------------------------------------------------------------------------------

def chain(at, volumes, gaps=None):
    """Consecutive fills on one totaliser, with extra litres between fills where `gaps` says."""
    gaps = gaps or [0.0] * len(volumes)
    txs, start = [], 1000.0
    for i, (volume, gap) in enumerate(zip(volumes, gaps)):
        start += gap
        txs.append(fill(at, i, volume, minutes=10 * i, start=start))
        start += volume
    return tuple(txs)


def test_fd05_removing_one_reported_fill_is_critical(at, rulebook):
    """monitoring.md §6.5: the totaliser advanced, one fill is missing from the reports."""
    txs = chain(at, [40.0, 25.0, 30.0])
    assert fuel.totaliser_discontinuity(window(at, transactions=txs), rulebook.for_rule("FD-05")) == []
    [found] = fuel.totaliser_discontinuity(window(at, transactions=(txs[0], txs[2])), rulebook.for_rule("FD-05"))
    assert found.severity is Severity.CRITICAL and found.evidence["discrepancy_l"] == pytest.approx(25.0)
    assert found.time == txs[2].time


@pytest.mark.parametrize(("gap", "fires"), [(0.02, False), (0.03, True)])
def test_fd05_tolerance_is_one_centilitre_per_fill(at, rulebook, gap, fires):
    txs = chain(at, [40.0, 25.0], gaps=[0.0, gap])
    assert bool(fuel.totaliser_discontinuity(window(at, transactions=txs), rulebook.for_rule("FD-05"))) is fires


# FD-06 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("amount", "fires"), [(300.00, False), (300.01, False), (300.02, True), (299.98, True)])
def test_fd06_amount_against_price_times_volume(at, rulebook, amount, fires):
    tx = fill(at, 1, 40.0, price=7.5, amount=amount)
    assert bool(fuel.amount_mismatch(window(at, transactions=(tx,)), rulebook.for_rule("FD-06"))) is fires


# FD-07 ------------------------------------------------------------------------------------------

def reconciliation_window(at, close_l, close_temp=20.0, open_days=-1):
    """monitoring.md §2.1 worked vector: open 20,000 L, delivery 10,000 L, 12,000 L sold at 28 °C (92#)."""
    sold = tuple(fill(at, i, 1200.0, minutes=60 + i, temp=28.0, start=10_000.0 + 1200 * i) for i in range(10))
    return Window(
        now=at(hours=24), profiles=PROFILES,
        tank_readings=(TankReading("T1", 1, at(days=open_days), 20_000.0, 20.0), TankReading("T1", 2, at(hours=24), close_l, close_temp)),
        tank_deliveries=(TankDelivery("T1", 1, at(minutes=30), 10_000.0),),
        transactions=sold,
    )


def test_fd07_worked_vector_plus_two_percent(at, rulebook):
    [found] = fuel.tank_variance(reconciliation_window(at, 18_356.4), rulebook.for_rule("FD-07"))
    rec = found.evidence["reconciliation"]
    assert rec["dispensed_l"] == pytest.approx(11_881.2, abs=0.05)
    assert rec["book_close_l"] == pytest.approx(18_118.8, abs=0.05)
    assert found.evidence["variance_l"] == pytest.approx(237.6, abs=0.05)
    assert found.evidence["variance_share_of_throughput"] == pytest.approx(0.0200, abs=0.00005)
    assert found.severity is Severity.WARNING


def book_close_and_throughput(at, rulebook):
    t = rulebook.for_rule("FD-07")
    rec = fuel.reconcile_tank(reconciliation_window(at, 0.0), TANK, at(days=-30), t)
    return rec.book_close_l, rec.dispensed_l


@pytest.mark.parametrize(("offset", "expected"), [(-0.01, None), (0.0, None), (0.01, Severity.WARNING)])
def test_fd07_gain_limit(at, rulebook, offset, expected):
    book, throughput = book_close_and_throughput(at, rulebook)
    close = book + 0.005 * throughput + 100 + offset
    found = fuel.tank_variance(reconciliation_window(at, close), rulebook.for_rule("FD-07"))
    assert [f.severity for f in found] == ([expected] if expected else [])


@pytest.mark.parametrize(("offset", "expected"), [(-0.01, None), (0.0, None), (0.01, Severity.CRITICAL)])
def test_fd07_loss_limit_is_epa_one_percent_plus_492_litres(at, rulebook, offset, expected):
    book, throughput = book_close_and_throughput(at, rulebook)
    close = book - (0.01 * throughput + 492) - offset
    found = fuel.tank_variance(reconciliation_window(at, close), rulebook.for_rule("FD-07"))
    assert [f.severity for f in found] == ([expected] if expected else [])


def test_fd07_only_the_last_30_days_count(at, rulebook):
    """A gauge reading older than the period is not the opening: with no other reading, no reconciliation."""
    assert fuel.tank_variance(reconciliation_window(at, 18_356.4, open_days=-31), rulebook.for_rule("FD-07")) == []


def test_fd07_does_not_close_the_books_in_the_middle_of_a_delivery(at, rulebook):
    """A delivery is recorded when the tanker has unloaded, and the gauge sees the fuel going in: a
    clock turn between two gauge readings of an unloading counted half a compartment in the tank and
    none on a note, an apparent gain of thousands of litres (the families simulator's tank stations).
    The books close at the last reading before fuel came in that no record covers yet; once the
    record arrives the whole delivery counts."""
    w = reconciliation_window(at, 18_118.8)
    unloading = (TankReading("T1", 3, at(hours=25), 18_118.8 - 100, 20.0), TankReading("T1", 4, at(hours=25, minutes=15), 23_000.0, 20.0))
    during = replace(w, now=at(hours=25, minutes=20), tank_readings=w.tank_readings + unloading)
    assert fuel.tank_variance(during, rulebook.for_rule("FD-07")) == []
    rec = fuel.reconcile_tank(during, TANK, at(days=-30), rulebook.for_rule("FD-07"))
    assert rec.closed_at == at(hours=25)
    recorded = replace(during, now=at(hours=26), tank_deliveries=w.tank_deliveries + (TankDelivery("T1", 2, at(hours=25, minutes=40), 10_000.0),),
                       tank_readings=during.tank_readings + (TankReading("T1", 5, at(hours=26), 18_118.8 - 100 + 10_000.0, 20.0),))
    assert fuel.tank_variance(recorded, rulebook.for_rule("FD-07")) == []
    assert fuel.reconcile_tank(recorded, TANK, at(days=-30), rulebook.for_rule("FD-07")).closed_at == at(hours=26)


# FD-08 ------------------------------------------------------------------------------------------

def regression_window(at, factor_b, days=15):
    """Tank T1 feeds nozzles A and B; B delivers `factor_b` of what it displays. Hourly gauge readings at 20 °C."""
    import random

    rng = random.Random(8)
    profiles = {
        "T1": TANK,
        "A": replace(NOZZLE, device_id="A"),
        "B": replace(NOZZLE, device_id="B"),
    }
    level, readings, txs = 25_000.0, [], []
    for hour in range(days * 24 + 1):
        readings.append(TankReading("T1", hour, at(hours=hour), level, 20.0))
        for nozzle, factor in (("A", 1.0), ("B", factor_b)):
            volume = round(rng.uniform(0, 80), 2)
            txs.append(replace(fill(at, hour, volume, minutes=hour * 60 + 30), device_id=nozzle))
            level -= volume * factor
    return Window(now=at(hours=days * 24), profiles=profiles, tank_readings=tuple(readings), transactions=tuple(txs))


@pytest.mark.parametrize(("factor", "fires"), [(0.995, False), (0.9949, True), (1.005, False), (1.0051, True), (0.99, True)])
def test_fd08_meter_factor_band(at, rulebook, factor, fires):
    found = fuel.meter_factor_drift(regression_window(at, factor), rulebook.for_rule("FD-08"))
    assert [f.device_id for f in found] == (["B"] if fires else [])
    if fires:
        assert found[0].evidence["meter_factor"] == pytest.approx(factor, abs=1e-9)


def test_fd08_leaves_out_gauge_intervals_in_which_fuel_came_in_before_its_record(at, rulebook):
    """An unloading spans several gauge intervals and is recorded at its end: the intervals before
    the record showed the tank gaining thousands of litres against the nozzles' sales and pulled
    every factor far from 1 (the families simulator's tank stations)."""
    w = regression_window(at, 1.0)
    readings = list(w.tank_readings)
    for hour in range(100, 103):  # 15,000 L unloaded from hour 99.5 to 102.5; recorded at 102.5
        readings[hour] = replace(readings[hour], volume_l=readings[hour].volume_l + 5_000.0 * (hour - 99.5))
    for hour in range(103, len(readings)):
        readings[hour] = replace(readings[hour], volume_l=readings[hour].volume_l + 15_000.0)
    delivered = replace(w, tank_readings=tuple(readings), tank_deliveries=(TankDelivery("T1", 1, at(hours=102, minutes=30), 15_000.0),))
    assert fuel.meter_factor_drift(delivered, rulebook.for_rule("FD-08")) == []


def test_fd08_a_leak_that_begins_in_the_window_is_not_put_on_the_nozzles(at, rulebook):
    """One loss rate for the whole window could not follow a leak that began in it: the families
    simulator's leaking tanks raised FD-08 on every nozzle of theirs. A loss rate per local day can."""
    w = regression_window(at, 1.0)
    readings = [replace(r, volume_l=r.volume_l - 30.0 * max(0, r.sequence - 200)) for r in w.tank_readings]  # 30 L/h from hour 200
    assert fuel.meter_factor_drift(replace(w, tank_readings=tuple(readings)), rulebook.for_rule("FD-08")) == []
    assert [f.device_id for f in fuel.meter_factor_drift(regression_window(at, 0.98), rulebook.for_rule("FD-08"))] == ["B"]


def test_fd08_leaves_out_the_start_of_an_unloading_that_shows_less_than_the_rise(at, rulebook):
    """A tanker that starts unloading seconds before a gauge reading adds less than `delivery_rise_l`
    to that interval, which then entered the regression with an error of tens of litres: the
    intervals in the record's wait before it are left out."""
    w = regression_window(at, 1.0)
    readings = list(w.tank_readings)
    readings[100] = replace(readings[100], volume_l=readings[100].volume_l + 90.0)  # the first seconds of the unloading
    for hour in range(101, len(readings)):
        readings[hour] = replace(readings[hour], volume_l=readings[hour].volume_l + 15_000.0)
    delivered = replace(w, tank_readings=tuple(readings), tank_deliveries=(TankDelivery("T1", 1, at(hours=100, minutes=30), 15_000.0),))
    assert fuel.meter_factor_drift(delivered, rulebook.for_rule("FD-08")) == []


def test_fd08_needs_fourteen_days(at, rulebook):
    assert fuel.meter_factor_drift(regression_window(at, 0.98, days=13), rulebook.for_rule("FD-08")) == []


# FD-09 ------------------------------------------------------------------------------------------

def sibling_window(at, flows, fills=20):
    profiles = {f"N{i}": replace(NOZZLE, device_id=f"N{i}") for i in range(len(flows))}
    txs = tuple(
        replace(fill(at, k, flow, duration=60.0, minutes=k), device_id=f"N{i}")
        for i, flow in enumerate(flows) for k in range(fills)
    )
    return Window(now=at(days=1), profiles=profiles, transactions=txs)


# Siblings 35.8/36.0/36.1/36.2 L/min: median 36.1, MAD below the 1 % floor, so z = 0.6745·(x − 36.1)/0.361.
Z_LIMIT_FLOW = 36.1 + 3.5 * 0.361 / 0.6745


@pytest.mark.parametrize(("outlier", "fires"), [(Z_LIMIT_FLOW - 0.01, False), (Z_LIMIT_FLOW + 0.01, True), (25.0, True)])
def test_fd09_robust_z_beyond_three_and_a_half(at, rulebook, outlier, fires):
    found = fuel.sibling_nozzle_outlier(sibling_window(at, [35.8, 36.0, 36.1, 36.2, outlier]), rulebook.for_rule("FD-09"))
    assert [f.device_id for f in found] == (["N4"] if fires else [])


def test_fd09_needs_four_siblings_with_enough_fills(at, rulebook):
    t = rulebook.for_rule("FD-09")
    assert fuel.sibling_nozzle_outlier(sibling_window(at, [36.0, 36.1, 25.0]), t) == []
    assert fuel.sibling_nozzle_outlier(sibling_window(at, [35.8, 36.0, 36.1, 36.2, 25.0], fills=19), t) == []


# FD-10 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("days_past_due", "expected"), [(0, None), (1, Severity.WARNING), (30, Severity.WARNING), (31, Severity.CRITICAL)])
def test_fd10_overdue_verification(at, rulebook, days_past_due, expected):
    today = at().date()
    profiles = {"N1": replace(NOZZLE, valid_until=today - timedelta(days=days_past_due))}
    found = fuel.dispenser_verification_overdue(Window(now=at(), profiles=profiles), rulebook.for_rule("FD-10"))
    assert [f.severity for f in found] == ([expected] if expected else [])


def test_fd10_due_from_last_verification_plus_six_months(at, rulebook):
    t = rulebook.for_rule("FD-10")
    on_time = {"N1": replace(NOZZLE, last_verified=date(2024, 9, 1))}  # due 2025-03-01, today
    late = {"N1": replace(NOZZLE, last_verified=date(2024, 8, 31))}
    assert fuel.dispenser_verification_overdue(Window(now=at(), profiles=on_time), t) == []
    assert fuel.dispenser_verification_overdue(Window(now=at(), profiles=late), t)[0].evidence["due"] == "2025-02-28"


# FD-11 ------------------------------------------------------------------------------------------

def test_fd11_seal_events_on_dispensers_only(at, rulebook):
    profiles = {**PROFILES, "M1": DeviceProfile("M1", DeviceKind.METER, "S1")}
    events = (DeviceEvent("N1", 1, at(), "seal_broken"), DeviceEvent("N1", 2, at(), "battery_low"), DeviceEvent("M1", 1, at(), "cover_open"))
    found = fuel.seal_event(Window(now=at(), profiles=profiles, events=events), rulebook.for_rule("FD-11"))
    assert [(f.device_id, f.severity) for f in found] == [("N1", Severity.CRITICAL)]


# FD-12 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("silent", "expected"), [
    (timedelta(minutes=9, seconds=59), None),
    (timedelta(minutes=10), None),
    (timedelta(minutes=10, seconds=1), Severity.WARNING),
    (timedelta(hours=24), Severity.WARNING),
    (timedelta(hours=24, seconds=1), Severity.CRITICAL),
])
def test_fd12_fires_on_time_alone_without_a_new_message(at, rulebook, silent, expected):
    """ThingsBoard #12771/#6821: the alarm comes from last_seen and now; nothing new has to arrive."""
    w = Window(now=at() + silent, profiles=PROFILES, last_seen={"N1": at()})
    found = fuel.dispenser_communication_loss(w, rulebook.for_rule("FD-12"))
    assert [f.severity for f in found] == ([expected] if expected else [])


def test_fd12_message_a_second_before_the_timeout_keeps_it_quiet(at, rulebook):
    """#7909: a heartbeat at timeout − 1 s counts even if last_seen has not caught up yet."""
    beat = Heartbeat("N1", 9, at(minutes=10) - timedelta(seconds=1))
    w = Window(now=at(minutes=10), profiles=PROFILES, last_seen={"N1": at()}, heartbeats=(beat,))
    t = rulebook.for_rule("FD-12")
    assert fuel.dispenser_communication_loss(w, t) == []
    assert fuel.dispenser_communication_loss(replace(w, now=beat.time + t.warning_silence), t) == []
    assert fuel.dispenser_communication_loss(replace(w, now=beat.time + t.warning_silence + timedelta(seconds=1)), t)


def test_fd12_warning_counts_only_opening_hours(rulebook):
    from datetime import datetime

    from jiliang.monitoring.rules.common import CHINA_STANDARD_TIME

    profiles = {"N1": replace(NOZZLE, opening_hours=(6, 22))}
    last = datetime(2025, 3, 1, 21, 55, tzinfo=CHINA_STANDARD_TIME)
    t = rulebook.for_rule("FD-12")
    at_night = Window(now=datetime(2025, 3, 2, 5, 0, tzinfo=CHINA_STANDARD_TIME), profiles=profiles, last_seen={"N1": last})
    next_morning = replace(at_night, now=datetime(2025, 3, 2, 6, 6, tzinfo=CHINA_STANDARD_TIME))
    assert fuel.dispenser_communication_loss(at_night, t) == []
    assert [f.severity for f in fuel.dispenser_communication_loss(next_morning, t)] == [Severity.WARNING]


def test_fd12_judges_an_event_driven_dispenser_against_its_daily_heartbeat(at, rulebook):
    """Issue 15: a dispenser that reports its sales (one every ~18 min) and a daily heartbeat is not
    silent between two sales; it is when two heartbeats are missed."""
    t = rulebook.for_rule("FD-12")
    event_driven = {"N1": replace(NOZZLE, report_interval=timedelta(days=1), opening_hours=(6, 22))}
    sales = tuple(fill(at, seq, minutes=18 * seq) for seq in range(80))
    checks = [Window(now=at(minutes=minutes), profiles=event_driven, last_seen={"N1": at()}, transactions=tuple(
        tx for tx in sales if tx.time <= at(minutes=minutes))) for minutes in range(0, 80 * 18, 5)]
    assert [f for w in checks for f in fuel.dispenser_communication_loss(w, t)] == []
    quiet = Window(now=at(days=2), profiles=event_driven, last_seen={"N1": at()})
    assert fuel.dispenser_communication_loss(quiet, t) == []
    assert [f.severity for f in fuel.dispenser_communication_loss(replace(quiet, now=at(days=2, seconds=1)), t)] == [Severity.WARNING]
    assert [f.severity for f in fuel.dispenser_communication_loss(replace(quiet, now=at(days=3, seconds=1)), t)] == [Severity.CRITICAL]


def test_fd12_without_a_declared_interval_only_a_day_of_silence_counts(at, rulebook):
    t = rulebook.for_rule("FD-12")
    undeclared = {"N1": replace(NOZZLE, report_interval=None)}
    w = Window(now=at(hours=23), profiles=undeclared, last_seen={"N1": at()})
    assert fuel.dispenser_communication_loss(w, t) == []
    assert [f.severity for f in fuel.dispenser_communication_loss(replace(w, now=at(hours=24, seconds=1)), t)] == [Severity.CRITICAL]


# FD-13 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("temperature", "fires"), [(50.0, False), (50.1, True), (-30.0, False), (-30.1, True)])
def test_fd13_fuel_temperature_range(at, rulebook, temperature, fires):
    tx = fill(at, 1, temp=temperature)
    assert bool(fuel.implausible_fuel_data(window(at, transactions=(tx,)), rulebook.for_rule("FD-13"))) is fires


@pytest.mark.parametrize(("second", "delivered", "fires"), [(20.0, False, False), (20.01, False, True), (25.0, True, False)])
def test_fd13_tank_temperature_jump_without_delivery(at, rulebook, second, delivered, fires):
    readings = (TankReading("T1", 1, at(), 20_000.0, 15.0), TankReading("T1", 2, at(minutes=15), 20_000.0, second))
    deliveries = (TankDelivery("T1", 1, at(minutes=5), 5_000.0),) if delivered else ()
    found = fuel.implausible_fuel_data(window(at, tank_readings=readings, tank_deliveries=deliveries), rulebook.for_rule("FD-13"))
    assert bool(found) is fires and all(f.severity is Severity.DATA_QUALITY for f in found)


# FD-07 properties ----------------------------------------------------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(
    opening=st.floats(5_000, 25_000), sold=st.lists(st.floats(3, 150), min_size=1, max_size=20),
    fuel_temp=st.floats(-10, 40), close_temp=st.floats(-10, 40), error=st.floats(-500, 500),
)
def test_fd07_reconciliation_is_exact_and_symmetric(rulebook, opening, sold, fuel_temp, close_temp, error):
    """A tank whose gauge agrees with its book has zero variance at any temperature; ± x litres at the
    close give variance ± x: gains and losses are measured alike."""
    from datetime import datetime, timezone

    t0 = datetime(2025, 3, 1, tzinfo=timezone.utc)
    thresholds = rulebook.for_rule("FD-07")
    correction = thresholds.volume_correction
    txs = tuple(DispenserTransaction("N1", i, t0 + timedelta(minutes=i + 1), 60, v, round(v * 100), 100.0, 7.5, round(7.5 * v, 2), 0, v, fuel_temp)
                for i, v in enumerate(sold))
    book = opening - sum(correction.volume_at_20(v, fuel_temp, 737.0) for v in sold)

    def variance(close_v20):
        observed = close_v20 / correction.vcf20(close_temp, 737.0)
        w = Window(now=t0 + timedelta(days=1), profiles=PROFILES, transactions=txs,
                   tank_readings=(TankReading("T1", 1, t0, opening, 20.0), TankReading("T1", 2, t0 + timedelta(hours=1), observed, close_temp)))
        return fuel.reconcile_tank(w, TANK, t0, thresholds).variance_l

    assert variance(book) == pytest.approx(0.0, abs=1e-6)
    assert variance(book + error) == pytest.approx(error, abs=1e-6)
    assert variance(book - error) == pytest.approx(-variance(book + error), abs=1e-6)


def test_fd01_leaves_a_change_to_a_window_that_holds_its_work_order_context(at, rulebook):
    """A window starting less than 24 h before the change cannot see a work order the day before: no verdict."""
    t = rulebook.for_rule("FD-01")
    cut = Window(now=at(hours=30), start=at(hours=-23), profiles=PROFILES, parameter_changes=(k_change(at),))
    whole = replace(cut, start=at(hours=-24))
    assert fuel.parameter_change_without_work_order(cut, t) == []
    assert fuel.parameter_change_without_work_order(whole, t)
