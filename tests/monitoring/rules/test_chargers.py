"""CP-01 … CP-08 at, just below and just above their thresholds."""

from dataclasses import replace
from datetime import timedelta

import pytest

from jiliang.monitoring.rules import chargers
from jiliang.monitoring.rules.types import (
    ChargerMeterValue,
    ChargerSession,
    DeviceEvent,
    DeviceKind,
    DeviceProfile,
    Heartbeat,
    MeterReading,
    Severity,
    TariffPeriod,
    Window,
)

PILE = DeviceProfile("P1", DeviceKind.CHARGER, "CS1", rated_power_kw=60.0, accuracy_class="1")
MAIN = DeviceProfile("M1", DeviceKind.METER, "CS1", medium="electricity", qmax=1000.0, role=chargers.CHARGER_MAIN_METER)
PROFILES = {"P1": PILE, "M1": MAIN}


def session(at, seq, billed=10.0, module=10.0, *, days=0, minutes=60, amount=None, periods=()):
    end = at(days=days, minutes=minutes)
    return ChargerSession("P1", seq, end, f"S{seq}", end - timedelta(minutes=minutes), billed, module,
                          amount if amount is not None else 0.0, periods)


def window(at, now_minutes=0, profiles=PROFILES, **readings):
    return Window(now=at(minutes=now_minutes), profiles=profiles, **readings)


# CP-01 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("billed", "expected"), [
    (10.30, Severity.CRITICAL),  # monitoring.md §6.9: 3 % > 2 × 1 % on a class-1 pile
    (10.08, None),
    (10.10, None), (10.11, Severity.WARNING),  # class MPE 1 %
    (10.20, Severity.WARNING), (10.21, Severity.CRITICAL),  # 2 × MPE
    (9.89, Severity.WARNING),
])
def test_cp01_billed_against_module_energy(at, rulebook, billed, expected):
    found = chargers.billed_energy_mismatch(window(at, charger_sessions=(session(at, 1, billed),)), rulebook.for_rule("CP-01"))
    assert [f.severity for f in found] == ([expected] if expected else [])


def test_cp01_class_two_allows_two_percent(at, rulebook):
    profiles = {"P1": replace(PILE, accuracy_class="2")}
    found = chargers.billed_energy_mismatch(window(at, profiles=profiles, charger_sessions=(session(at, 1, 10.20),)), rulebook.for_rule("CP-01"))
    assert found == []


@pytest.mark.parametrize(("days_apart", "third"), [(3, Severity.CRITICAL), (4, Severity.WARNING)])
def test_cp01_three_sessions_in_seven_days_is_critical(at, rulebook, days_apart, third):
    sessions = tuple(session(at, i, 10.15, days=i * days_apart) for i in range(3))
    found = chargers.billed_energy_mismatch(window(at, charger_sessions=sessions), rulebook.for_rule("CP-01"))
    assert [f.severity for f in found] == [Severity.WARNING, Severity.WARNING, third]


# CP-02 ------------------------------------------------------------------------------------------

PERIODS = (TariffPeriod(10.0, 0.65, 0.60), TariffPeriod(5.0, 1.05, 0.60))  # 12.50 + 8.25 = 20.75 yuan


@pytest.mark.parametrize(("amount", "fires"), [(20.75, False), (20.76, False), (20.77, True), (20.73, True)])
def test_cp02_amount_against_tariff_periods(at, rulebook, amount, fires):
    s = session(at, 1, 15.0, 15.0, amount=amount, periods=PERIODS)
    assert bool(chargers.billing_mismatch(window(at, charger_sessions=(s,)), rulebook.for_rule("CP-02"))) is fires


# CP-03 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("offset", "fires"), [(timedelta(minutes=3), False), (timedelta(minutes=3, seconds=1), True), (timedelta(minutes=4), True)])
def test_cp03_clock_within_three_minutes(at, rulebook, offset, fires):
    beat = Heartbeat("P1", 1, at(), at() - offset)
    assert bool(chargers.charger_clock_drift(window(at, heartbeats=(beat,)), rulebook.for_rule("CP-03"))) is fires


@pytest.mark.parametrize(("offset_s", "fires"), [(5, False), (6, True)])
def test_cp03_newly_verified_pile_within_five_seconds(at, rulebook, offset_s, fires):
    profiles = {"P1": replace(PILE, last_verified=at().date() - timedelta(days=10))}
    beat = Heartbeat("P1", 1, at(), at() + timedelta(seconds=offset_s))
    assert bool(chargers.charger_clock_drift(window(at, profiles=profiles, heartbeats=(beat,)), rulebook.for_rule("CP-03"))) is fires


# CP-04 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("energy", "fires"), [(30.6, False), (30.61, True)])  # 60 kW × 0.5 h × 1.02
def test_cp04_energy_above_rated_power_times_duration(at, rulebook, energy, fires):
    s = session(at, 1, energy, energy, minutes=30)
    found = chargers.implausible_session_energy(window(at, charger_sessions=(s,)), rulebook.for_rule("CP-04"))
    assert [f.severity for f in found] == ([Severity.CRITICAL] if fires else [])


# CP-05 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sessions_kwh", "fires"), [(900.0, False), (899.0, True), (1000.0, False), (1001.0, True)])
def test_cp05_station_ratio_over_seven_days(at, rulebook, sessions_kwh, fires):
    main = (MeterReading("M1", 1, at(days=-7), 5000.0), MeterReading("M1", 2, at(), 6000.0))
    s = ChargerSession("P1", 1, at(days=-1), "S1", at(days=-1, hours=-1), sessions_kwh, sessions_kwh, 0.0)
    w = window(at, meter_readings=main, charger_sessions=(s,))
    assert bool(chargers.station_energy_reconciliation(w, rulebook.for_rule("CP-05"))) is fires


@pytest.mark.parametrize(("charging_kwh", "fires"), [(0.0, True), (100.0, False)])
def test_cp05_counts_sessions_still_charging_from_their_meter_values(at, rulebook, charging_kwh, fires):
    main = (MeterReading("M1", 1, at(days=-7), 5000.0), MeterReading("M1", 2, at(), 6000.0))
    done = ChargerSession("P1", 1, at(days=-1), "S1", at(days=-1, hours=-1), 850.0, 850.0, 0.0)
    running = (ChargerMeterValue("P1", 2, at(hours=-2), "S2", 40.0), ChargerMeterValue("P1", 3, at(minutes=-1), "S2", 40.0 + charging_kwh))
    w = window(at, meter_readings=main, charger_sessions=(done,), charger_meter_values=running)
    assert bool(chargers.station_energy_reconciliation(w, rulebook.for_rule("CP-05"))) is fires


def test_cp05_needs_a_day_of_main_meter_data(at, rulebook):
    main = (MeterReading("M1", 1, at(hours=-23), 5000.0), MeterReading("M1", 2, at(), 6000.0))
    assert chargers.station_energy_reconciliation(window(at, meter_readings=main), rulebook.for_rule("CP-05")) == []


def test_cp05_session_straddling_the_window_counts_its_share(at):
    assert chargers.overlap_share(at(hours=-2), at(hours=2), at(), at(days=1)) == pytest.approx(0.5)


# CP-06 ------------------------------------------------------------------------------------------

def values(at, minutes, session_id="S1"):
    return tuple(ChargerMeterValue("P1", i, at(minutes=m), session_id, 100 + m) for i, m in enumerate(minutes))


@pytest.mark.parametrize(("gap_s", "fires"), [(300, False), (301, True)])
def test_cp06_gap_in_meter_values(at, rulebook, gap_s, fires):
    vs = values(at, [0, 1, 2]) + (ChargerMeterValue("P1", 9, at(minutes=2) + timedelta(seconds=gap_s), "S1", 103.0),)
    ended = ChargerSession("P1", 10, vs[-1].time, "S1", at(), 3.0, 3.0, 0.0)
    w = window(at, 60, charger_meter_values=vs, charger_sessions=(ended,))
    assert bool(chargers.meter_values_stopped(w, rulebook.for_rule("CP-06"))) is fires


def test_cp06_open_session_silent_fires_without_a_new_message(at, rulebook):
    vs = values(at, [0, 1, 2])
    t = rulebook.for_rule("CP-06")
    assert chargers.meter_values_stopped(window(at, 7, charger_meter_values=vs), t) == []
    [found] = chargers.meter_values_stopped(replace(window(at, 7, charger_meter_values=vs), now=at(minutes=7, seconds=1)), t)
    assert found.evidence["session_open"] is True


# CP-07 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("second", "firmware", "fires"), [(99.999, False, False), (99.998, False, True), (0.0, True, False), (0.0, False, True)])
def test_cp07_register_decrease_without_firmware_update(at, rulebook, second, firmware, fires):
    vs = (ChargerMeterValue("P1", 1, at(), "S1", 100.0), ChargerMeterValue("P1", 2, at(hours=3), "S2", second))
    events = (DeviceEvent("P1", 3, at(hours=1), "firmware_update"),) if firmware else ()
    found = chargers.register_reset(window(at, 200, charger_meter_values=vs, events=events), rulebook.for_rule("CP-07"))
    assert [f.severity for f in found] == ([Severity.CRITICAL] if fires else [])


# CP-08 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("days_to_due", "expected"), [(30, None), (29, Severity.WARNING), (0, Severity.WARNING), (-1, Severity.CRITICAL)])
def test_cp08_overdue(at, rulebook, days_to_due, expected):
    profiles = {"P1": replace(PILE, valid_until=at().date() + timedelta(days=days_to_due))}
    found = chargers.charger_verification_overdue(window(at, profiles=profiles), rulebook.for_rule("CP-08"))
    assert [f.severity for f in found] == ([expected] if expected else [])
