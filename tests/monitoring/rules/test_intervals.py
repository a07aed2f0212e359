"""Issue 15, items 1 and 3: a device's expected interval is configured or learned from its own
history, and the silence rules (FD-12, MT-09) count only the time the device is expected to report:
its opening hours, statutory holidays left out."""

from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from jiliang.monitoring.rules import fuel, meters
from jiliang.monitoring.rules.common import CHINA_STANDARD_TIME
from jiliang.monitoring.rules.intervals import LEARNING_MIN_DAYS, expected_interval, learned_interval
from jiliang.monitoring.rules.types import DeviceKind, DeviceProfile, Severity, Window

NOZZLE = DeviceProfile("N1", DeviceKind.NOZZLE, "S1", product="92#", qmax=50.0, qmin=5.0, opening_hours=(6, 22))
METER = DeviceProfile("W1", DeviceKind.METER, "P1", medium="water", qmax=3.125, report_interval=timedelta(minutes=15))
START = datetime(2025, 3, 3, 0, 7, tzinfo=CHINA_STANDARD_TIME)  # an ordinary Monday


def local(*args) -> datetime:
    return datetime(*args, tzinfo=CHINA_STANDARD_TIME)


@settings(max_examples=60, deadline=None)
@given(cadence_min=st.integers(1, 60), days=st.integers(LEARNING_MIN_DAYS, 14), outage_day=st.integers(0, 2),
       outage_hours=st.integers(2, 20))
def test_a_fixed_cadence_is_learned_and_one_outage_does_not_move_it(cadence_min, days, outage_day, outage_hours):
    cadence = timedelta(minutes=cadence_min)
    outage = (START + timedelta(days=outage_day, hours=3), START + timedelta(days=outage_day, hours=3 + outage_hours))
    times = [START + k * cadence for k in range(int(days * timedelta(days=1) / cadence))]
    times = [t for t in times if not outage[0] < t < outage[1]]
    assert learned_interval(times, METER) == cadence


def test_too_little_history_teaches_nothing():
    times = [START + k * timedelta(minutes=15) for k in range(96 * (LEARNING_MIN_DAYS - 1))]
    assert learned_interval(times, METER) is None


def test_an_event_driven_dispenser_learns_its_longest_quiet_spell_in_opening_hours():
    """Sales every 18 minutes from 06:30 to 21:12, none at night: of the night only the open time
    counts (21:12–22:00 and 06:00–06:30), 78 minutes, not the 9 hours on the clock."""
    times = [local(2025, 3, 3 + d, 6, 30) + k * timedelta(minutes=18) for d in range(5) for k in range(50)]
    assert learned_interval(times, NOZZLE) == timedelta(minutes=78)
    assert learned_interval(times, replace(NOZZLE, opening_hours=None)) == timedelta(hours=9, minutes=18)


def test_the_longer_of_configured_and_learned_applies():
    assert expected_interval(replace(METER, learned_interval=timedelta(hours=1))) == timedelta(hours=1)
    assert expected_interval(replace(METER, learned_interval=timedelta(minutes=5))) == timedelta(minutes=15)
    assert expected_interval(replace(METER, report_interval=None)) is None


def test_fd12_a_station_closed_for_national_day_is_not_a_communication_loss(rulebook):
    """Closed 1–7 October 2025 (法定节假日), not a sale nor a heartbeat: silent, not lost. The same
    silence over ordinary days is critical."""
    t = rulebook.for_rule("FD-12")
    profiles = {"N1": replace(NOZZLE, report_interval=timedelta(days=1))}
    holiday = Window(now=local(2025, 10, 8, 7, 0), profiles=profiles, last_seen={"N1": local(2025, 9, 30, 21, 0)})
    assert fuel.dispenser_communication_loss(holiday, t) == []
    ordinary = Window(now=local(2025, 11, 8, 7, 0), profiles=profiles, last_seen={"N1": local(2025, 10, 31, 21, 0)})
    assert [f.severity for f in fuel.dispenser_communication_loss(ordinary, t)] == [Severity.CRITICAL]


def test_fd12_a_station_open_over_the_holiday_counts_the_holiday(rulebook):
    """Most stations sell through National Day: when another nozzle of the station was heard since,
    the silent one's holiday days count (the families run missed two collector outages so)."""
    t = rulebook.for_rule("FD-12")
    daily = replace(NOZZLE, report_interval=timedelta(days=1))
    profiles = {"N1": daily, "N2": replace(daily, device_id="N2")}
    last_seen = {"N1": local(2025, 9, 30, 21, 0), "N2": local(2025, 10, 3, 12, 0)}
    open_station = Window(now=local(2025, 10, 4, 7, 0), profiles=profiles, last_seen=last_seen)
    assert [f.device_id for f in fuel.dispenser_communication_loss(open_station, t)] == ["N1"]
    closed_station = replace(open_station, last_seen={"N1": last_seen["N1"], "N2": local(2025, 9, 30, 20, 0)})
    assert fuel.dispenser_communication_loss(closed_station, t) == []


def test_fd12_judges_a_dispenser_by_its_learned_interval_when_none_is_configured(rulebook):
    t = rulebook.for_rule("FD-12")
    learned = {"N1": replace(NOZZLE, learned_interval=timedelta(hours=2))}
    last = local(2025, 3, 4, 9, 0)
    assert fuel.dispenser_communication_loss(Window(now=local(2025, 3, 4, 12, 59), profiles=learned, last_seen={"N1": last}), t) == []
    found = fuel.dispenser_communication_loss(Window(now=local(2025, 3, 4, 13, 1), profiles=learned, last_seen={"N1": last}), t)
    assert [f.severity for f in found] == [Severity.WARNING]
    assert found[0].evidence["learned_interval_s"] == 7200 and found[0].evidence["configured_interval_s"] is None


def test_mt09_a_business_meter_counts_only_its_opening_hours(rulebook):
    """A shop's meter reads every 15 minutes while the shop is open (8–18): its nights are no
    silence; the 12 hours of minimum silence are reached at 10:00 the second morning."""
    t = rulebook.for_rule("MT-09")
    shop = {"W1": replace(METER, opening_hours=(8, 18))}
    evening = local(2025, 3, 4, 18, 0)
    assert meters.meter_communication_loss(Window(now=local(2025, 3, 6, 9, 59), profiles=shop, last_seen={"W1": evening}), t) == []
    assert meters.meter_communication_loss(Window(now=local(2025, 3, 6, 10, 0), profiles=shop, last_seen={"W1": evening}), t)


def test_mt09_a_meter_whose_cadence_slowed_is_judged_by_what_it_learned(rulebook):
    t = rulebook.for_rule("MT-09")
    last = local(2025, 3, 4, 10, 0)
    slow = {"W1": replace(METER, learned_interval=timedelta(hours=4))}
    assert meters.meter_communication_loss(Window(now=last + timedelta(hours=15), profiles=slow, last_seen={"W1": last}), t) == []
    assert meters.meter_communication_loss(Window(now=last + timedelta(hours=16), profiles=slow, last_seen={"W1": last}), t)
