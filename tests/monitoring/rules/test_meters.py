"""MT-01 … MT-11 at, just below and just above their thresholds."""

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from jiliang.monitoring.rules import meters
from jiliang.monitoring.rules.common import add_months
from jiliang.monitoring.rules.types import DeviceEvent, DeviceKind, DeviceProfile, Heartbeat, MeterReading, Severity, Window, WorkOrder

WATER = DeviceProfile("W1", DeviceKind.METER, "H1", medium="water", qmax=3.125, register_resolution=0.001,
                      report_interval=timedelta(hours=1))
GAS = replace(WATER, device_id="G1", medium="gas", qmax=4.0)
POWER = DeviceProfile("E1", DeviceKind.METER, "H1", medium="electricity", accuracy_class="2", qmax=13.8,
                      register_resolution=0.01, report_interval=timedelta(minutes=15))
PROFILES = {p.device_id: p for p in (WATER, GAS, POWER)}


def series(at, device_id, registers, step=timedelta(hours=1), **fields):
    return tuple(MeterReading(device_id, i, at() + i * step, r, **fields) for i, r in enumerate(registers))


def window(at, now_hours=0.0, **readings):
    return Window(now=at(hours=now_hours), profiles=PROFILES, **readings)


def with_rollups(w):
    """The window with the daily rollups of its readings, which MT-01 and MT-07 read."""
    return replace(w, daily_use=meters.daily_use_of(w))


def daily(at, device_id, registers):
    """Daily readings at local midnight (T0 + 8 h), so every local day is measured whole."""
    return tuple(MeterReading(device_id, i, at(hours=8 + 24 * i), r) for i, r in enumerate(registers))


# MT-01 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("days", "kwh_per_day", "fires"), [(14, 1.1, True), (13, 1.1, False), (15, 1.1, True), (14, 1.0, False), (14, 1.01, True)])
def test_mt01_still_water_meter_in_a_lived_in_home(at, rulebook, days, kwh_per_day, fires):
    # `days` whole measured days: readings at the midnights around them (days + 2 readings).
    water = daily(at, "W1", [500.0] * (days + 2))
    power = daily(at, "E1", [100 + kwh_per_day * d for d in range(days + 2)])
    w = with_rollups(window(at, 8 + (days + 1) * 24, meter_readings=water + power))
    found = meters.zero_use_with_occupancy(w, rulebook.for_rule("MT-01"))
    assert [f.device_id for f in found] == (["W1"] if fires else [])


def test_mt01_active_account_is_occupancy(at, rulebook):
    profiles = {**PROFILES, "W1": replace(WATER, account_active=True)}
    w = Window(now=at(hours=8 + 15 * 24), profiles=profiles, meter_readings=daily(at, "W1", [500.0] * 16))
    assert [f.device_id for f in meters.zero_use_with_occupancy(with_rollups(w), rulebook.for_rule("MT-01"))] == ["W1"]


def test_mt01_a_single_day_of_use_restarts_the_count(at, rulebook):
    water = daily(at, "W1", [500.0] * 8 + [500.5] * 10)
    power = daily(at, "E1", [100 + 5 * d for d in range(18)])
    w = with_rollups(window(at, 8 + 17 * 24, meter_readings=water + power))
    assert meters.zero_use_with_occupancy(w, rulebook.for_rule("MT-01")) == []


# MT-02 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("decrease", "fires"), [(0.001, False), (0.002, True)])
def test_mt02_register_decrease_beyond_one_step(at, rulebook, decrease, fires):
    readings = series(at, "W1", [10.0, 10.0 - decrease])
    assert bool(meters.register_decrease(window(at, 1, meter_readings=readings), rulebook.for_rule("MT-02"))) is fires


def test_mt02_replacement_record_excuses_a_restart(at, rulebook):
    readings = series(at, "W1", [812.5, 0.2])
    orders = (WorkOrder("W1", at(minutes=30), "meter_replacement"),)
    assert meters.register_decrease(window(at, 1, meter_readings=readings, work_orders=orders), rulebook.for_rule("MT-02")) == []


@pytest.mark.parametrize(("days_apart", "second"), [(6, Severity.CRITICAL), (8, Severity.WARNING)])
def test_mt02_repeated_within_seven_days_is_critical(at, rulebook, days_apart, second):
    step = timedelta(days=days_apart / 2)
    readings = series(at, "W1", [10.0, 9.0, 9.5, 8.5], step=step)
    found = meters.register_decrease(window(at, 0, meter_readings=readings), rulebook.for_rule("MT-02"))
    assert [f.severity for f in found] == [Severity.WARNING, second]


@pytest.mark.parametrize(("reverse", "fires"), [(0.049, False), (0.05, False), (0.051, True)])
def test_mt02_reverse_register_per_day_water(at, rulebook, reverse, fires):
    readings = series(at, "W1", [10.0, 10.0], reverse_register=None) + (
        MeterReading("W1", 10, at(hours=2), 10.0, reverse_register=1.0),
        MeterReading("W1", 11, at(hours=3), 10.0, reverse_register=1.0 + reverse),
    )
    assert bool(meters.register_decrease(window(at, 3, meter_readings=readings), rulebook.for_rule("MT-02"))) is fires


def test_mt02_one_backflow_seen_by_both_registers_is_one_event(at, rulebook):
    """Issue 15: a backflow that turns the register back and advances the reverse register was counted
    twice, so it was CRITICAL (repeated) from the start."""
    readings = (MeterReading("W1", 1, at(), 10.0, reverse_register=1.0),
                MeterReading("W1", 2, at(hours=1), 9.8, reverse_register=1.2))
    found = meters.register_decrease(window(at, 1, meter_readings=readings), rulebook.for_rule("MT-02"))
    assert [f.severity for f in found] == [Severity.WARNING]
    assert found[0].evidence["occurrences_in_repeat_period"] == 1
    assert [check["check"] for check in found[0].evidence["same_day"]] == ["reverse_register"]


# MT-03, MT-11 -----------------------------------------------------------------------------------

def test_mt03_and_mt11_event_flags(at, rulebook):
    events = (DeviceEvent("W1", 1, at(), "magnetic_field"), DeviceEvent("G1", 1, at(), "battery_low"), DeviceEvent("E1", 1, at(), "seal_broken"),
              DeviceEvent("G1", 2, at(hours=1), "battery_low"), DeviceEvent("W1", 2, at(hours=1), "valve_fault"))
    w = window(at, 1, events=events)
    assert [(f.device_id, f.severity) for f in meters.tamper_event(w, rulebook.for_rule("MT-03"))] == [("W1", Severity.CRITICAL)]
    assert [(f.device_id, f.time, f.severity) for f in meters.meter_status_flag(w, rulebook.for_rule("MT-11"))] == [
        ("G1", at(hours=1), Severity.WARNING), ("W1", at(hours=1), Severity.WARNING)]


def test_mt11_one_battery_low_flag_is_a_glitch(at, rulebook):
    """Issue 15: a battery meter's voltage sags under one cold night's transmission; the next report
    is fine again. One flag raised MT-11; a worn battery flags every report after."""
    w = window(at, 6, events=(DeviceEvent("W1", 1, at(), "battery_low"),))
    assert meters.meter_status_flag(w, rulebook.for_rule("MT-11")) == []


# MT-04 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("offset", "fires"), [(timedelta(minutes=4, seconds=59), False), (timedelta(minutes=5), False), (timedelta(minutes=5, seconds=1), True), (-timedelta(minutes=5, seconds=1), True)])
def test_mt04_clock_drift(at, rulebook, offset, fires):
    beat = Heartbeat("W1", 1, at(), at() + offset)
    assert bool(meters.meter_clock_drift(window(at, heartbeats=(beat,)), rulebook.for_rule("MT-04"))) is fires


# MT-05 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("device_id", "hours", "fires"), [("W1", 72, True), ("W1", 71, False), ("G1", 24, True), ("G1", 23, False)])
def test_mt05_flow_in_every_hour(at, rulebook, device_id, hours, fires):
    readings = series(at, device_id, [100 + 0.01 * h for h in range(hours + 1)])
    found = meters.continuous_flow(window(at, hours, meter_readings=readings), rulebook.for_rule("MT-05"))
    assert bool(found) is fires


def test_mt05_one_dry_hour_breaks_the_run(at, rulebook):
    registers = [100 + 0.01 * h for h in range(40)] + [100.39 + 0.01 * h for h in range(40)]  # hour 40 adds nothing
    found = meters.continuous_flow(window(at, 80, meter_readings=series(at, "W1", registers)), rulebook.for_rule("MT-05"))
    assert found == []


# MT-06 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("delta", "fires"), [(3.124, False), (3.125, False), (3.126, True)])
def test_mt06_step_beyond_qmax_times_interval(at, rulebook, delta, fires):
    found = meters.over_range(window(at, 1, meter_readings=series(at, "W1", [10.0, 10.0 + delta])), rulebook.for_rule("MT-06"))
    assert [f.severity for f in found] == ([Severity.DATA_QUALITY] if fires else [])


@pytest.mark.parametrize(("samples", "fires"), [(4, False), (5, True)])
def test_mt06_flow_above_qmax_for_more_than_15_minutes(at, rulebook, samples, fires):
    readings = series(at, "W1", [10.0 + 0.01 * i for i in range(samples)], step=timedelta(minutes=5), flow_rate=3.2)
    found = meters.over_range(window(at, 1, meter_readings=readings), rulebook.for_rule("MT-06"))
    assert [f.severity for f in found] == ([Severity.WARNING] if fires else [])


# MT-07 ------------------------------------------------------------------------------------------

def drop_series(at, before, after, days_after=14, days_before=14, start_register=1000.0):
    """Daily registers: use `before` per day, then `after`, each with ±5 % alternating noise."""
    use = [before * (1.05 if d % 2 else 0.95) for d in range(days_before)] + [after * (1.05 if d % 2 else 0.95) for d in range(days_after)]
    registers = [start_register]
    for u in use:
        registers.append(registers[-1] + u)
    return daily(at, "E1", registers)


@pytest.mark.parametrize(("after", "days_after", "fires"), [(5.0, 14, True), (5.1, 14, False), (4.9, 14, True), (4.0, 6, False), (4.0, 7, True), (4.0, 8, True)])
def test_mt07_drop_of_half_lasting_a_week(at, rulebook, after, days_after, fires):
    readings = drop_series(at, 10.0, after, days_after=days_after)
    w = with_rollups(window(at, 8 + 24 * (14 + days_after), meter_readings=readings))
    found = meters.consumption_drop(w, rulebook.for_rule("MT-07"))
    assert bool(found) is fires


def test_mt07_same_drop_last_year_is_seasonal(at, rulebook):
    last_year = drop_series(at, 10.0, 5.0)
    this_year = tuple(replace(r, sequence=r.sequence + 100, time=r.time + timedelta(days=365)) for r in drop_series(at, 10.0, 5.0, start_register=2000.0))
    w = with_rollups(window(at, 8 + 24 * (365 + 28), meter_readings=last_year + this_year))
    assert meters.consumption_drop(w, rulebook.for_rule("MT-07")) == []
    alone = with_rollups(window(at, 8 + 24 * (365 + 28), meter_readings=this_year))
    assert meters.consumption_drop(alone, rulebook.for_rule("MT-07"))


def test_mt07_a_statutory_holiday_is_no_lasting_drop(rulebook):
    """Issue 15: a family away over Spring Festival 2026 (15–23 February, nine days off) is not a
    consumption drop; the same nine days of low use on ordinary days are."""
    from jiliang.monitoring.rules.common import CHINA_STANDARD_TIME

    def days_of_use(first_day):
        start = datetime(*first_day, tzinfo=CHINA_STANDARD_TIME) - timedelta(days=30)
        uses = [10.0] * 30 + [2.0] * 9
        registers = [500 + sum(uses[:i]) for i in range(len(uses) + 1)]
        readings = tuple(MeterReading("W1", i, start + timedelta(days=i), r) for i, r in enumerate(registers))
        return with_rollups(Window(now=readings[-1].time + timedelta(hours=1), profiles=PROFILES, meter_readings=readings))

    t = rulebook.for_rule("MT-07")
    assert meters.consumption_drop(days_of_use((2026, 2, 15)), t) == []
    assert meters.consumption_drop(days_of_use((2026, 3, 15)), t)


# MT-08 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("phase", "readings", "fires"), [(6.0, 3, True), (6.0, 2, False), (9.0, 3, False), (8.9, 3, True)])
def test_mt08_phase_neutral_mismatch_for_more_than_an_hour(at, rulebook, phase, readings, fires):
    data = series(at, "E1", [1.0 + i for i in range(readings)], phase_current_a=phase, neutral_current_a=10.0)
    assert bool(meters.current_mismatch(window(at, 3, meter_readings=data), rulebook.for_rule("MT-08"))) is fires


@pytest.mark.parametrize(("phase", "neutral", "fires"), [(0.30, 0.26, False), (0.40, 0.29, True), (2.0, 1.9, False)])
def test_mt08_standby_leakage_is_no_mismatch(at, rulebook, phase, neutral, fires):
    """Issue 15: at a standby load of a few tenths of an ampere, earth leakage under the 30 mA of a
    residual-current device and a 1 % current error pass 10 % all night; a bypass differs by more."""
    data = series(at, "E1", [1.0 + 0.1 * i for i in range(6)], phase_current_a=phase, neutral_current_a=neutral)
    assert bool(meters.current_mismatch(window(at, 6, meter_readings=data), rulebook.for_rule("MT-08"))) is fires


# MT-09 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("interval", "silent", "fires"), [
    (timedelta(days=1), timedelta(days=3), True),
    (timedelta(days=1), timedelta(days=3) - timedelta(seconds=1), False),
    (timedelta(hours=4), timedelta(hours=16), True),
    (timedelta(hours=4), timedelta(hours=16) - timedelta(seconds=1), False),
    # Issue 15: four missed 15-minute reads are an hour; a power cut of a few hours is no loss.
    (timedelta(minutes=15), timedelta(hours=12), True),
    (timedelta(minutes=15), timedelta(hours=12) - timedelta(seconds=1), False),
])
def test_mt09_missed_reports_from_time_alone(at, rulebook, interval, silent, fires):
    profiles = {"W1": replace(WATER, report_interval=interval)}
    w = Window(now=at() + silent, profiles=profiles, last_seen={"W1": at()})
    assert bool(meters.meter_communication_loss(w, rulebook.for_rule("MT-09"))) is fires


# MT-10 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("days_to_due", "expected"), [(30, None), (29, Severity.WARNING), (0, Severity.WARNING), (-1, Severity.CRITICAL)])
def test_mt10_service_life(at, rulebook, days_to_due, expected):
    due = at().date() + timedelta(days=days_to_due)
    profiles = {"W1": replace(WATER, installed_on=add_months(due, -72))}  # water: 6 years
    found = meters.service_life_overdue(Window(now=at(), profiles=profiles), rulebook.for_rule("MT-10"))
    assert [f.severity for f in found] == ([expected] if expected else [])


def test_mt10_electricity_life_depends_on_class(at, rulebook):
    due = at().date() - timedelta(days=1)
    profiles = {"E1": replace(POWER, installed_on=add_months(due, -96))}  # class 2: 8 years
    assert [f.severity for f in meters.service_life_overdue(Window(now=at(), profiles=profiles), rulebook.for_rule("MT-10"))] == [Severity.CRITICAL]


# Daily rollups (MT-01, MT-07) -------------------------------------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(uses=st.lists(st.floats(0, 2, allow_nan=False), min_size=2, max_size=120), step_hours=st.sampled_from([1, 3, 6, 24]),
       seed=st.integers(0, 2**16), resent=st.integers(0, 20))
def test_measured_days_do_not_depend_on_order_or_resent_readings(uses, step_hours, seed, resent):
    import random
    from datetime import datetime, timezone

    start = datetime(2025, 3, 1, 16, 0, tzinfo=timezone.utc)  # 00:00 in UTC+8
    registers = [100.0]
    for use in uses:
        registers.append(round(registers[-1] + use, 3))
    readings = [MeterReading("W1", i, start + timedelta(hours=step_hours * i), r) for i, r in enumerate(registers)]
    shuffled = readings + random.Random(seed).choices(readings, k=resent)
    random.Random(seed).shuffle(shuffled)
    now = readings[-1].time
    in_order = meters.measured_days(with_rollups(Window(now=now, profiles=PROFILES, meter_readings=tuple(readings))))
    mixed = meters.measured_days(with_rollups(Window(now=now, profiles=PROFILES, meter_readings=tuple(shuffled))))
    assert in_order.keys() == mixed.keys()
    for device, days in in_order.items():
        assert [d for d, _ in days] == [d for d, _ in mixed[device]]
        assert [u for _, u in days] == pytest.approx([u for _, u in mixed[device]], abs=1e-9)
        # A measured day lies between readings at its two midnights: its use is their register difference.
        by_time = {r.time: r.register for r in readings}
        for day, use in days:
            if day in by_time and day + timedelta(days=1) in by_time:
                assert use == pytest.approx(by_time[day + timedelta(days=1)] - by_time[day], abs=1e-9)
