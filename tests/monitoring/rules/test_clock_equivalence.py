"""One rule evaluation = one answer (issue 15, item 2): the rule clock, turning every `step` with each
rule over its own lookback (plus one step for rules on data), finds exactly what one evaluation over
the whole recorded history finds — whatever the devices' cadences, the rules' window lengths and the
clock's step."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiliang.monitoring.rules.registry import RULES
from jiliang.monitoring.rules.replay import replay
from jiliang.monitoring.rules.thresholds import load_rulebook
from jiliang.monitoring.rules.types import DeviceEvent, DeviceKind, DeviceProfile, DispenserTransaction, MeterReading

START = datetime(2026, 3, 2, tzinfo=timezone.utc)
BOOK = load_rulebook()
# Rules whose findings are facts of the data (a step, an event, a fill, a run of readings), not of
# the moment of evaluation: silence and due dates are judged "now" and fire at the clock's turns.
DATA_RULES = [RULES[code] for code in ("FD-04", "FD-05", "FD-06", "FD-11", "FD-13", "MT-02", "MT-03", "MT-05",
                                       "MT-06", "MT-08", "MT-11")]


def _meter(device_id: str, cadence_min: int, days: float, rng_steps: list[float], faults: set[int]):
    readings, register, time, seq = [], 100.0, START, 0
    while time < START + timedelta(days=days):
        step = rng_steps[seq % len(rng_steps)]
        register += -0.5 if seq in faults else step
        readings.append(MeterReading(device_id, seq, time, round(register, 3),
                                     phase_current_a=5.0 if seq % 7 else 9.0, neutral_current_a=5.0))
        time += timedelta(minutes=cadence_min)
        seq += 1
    return readings


def _nozzle(device_id: str, every_min: int, days: float, wrong: set[int]):
    fills, time, seq, total = [], START, 0, 1000.0
    while time < START + timedelta(days=days):
        volume = 20.0 + seq % 5
        amount = round(7.5 * volume, 2) + (0.5 if seq in wrong else 0.0)
        start = total + (3.0 if seq in wrong else 0.0)
        fills.append(DispenserTransaction(device_id, seq, time, 40.0, volume, round(volume * 100), 100.0, 7.5, amount,
                                          start, start + volume, 18.0))
        total = start + volume
        time += timedelta(minutes=every_min)
        seq += 1
    return fills


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cadence=st.sampled_from([5, 15, 37, 60, 180, 1440]),
    fill_every=st.sampled_from([7, 18, 95, 600]),
    steps=st.lists(st.sampled_from([0.0, 0.0, 0.01, 0.2, 3.0]), min_size=3, max_size=9),
    faults=st.sets(st.integers(0, 300), max_size=4),
    clock_minutes=st.sampled_from([15, 60, 120, 360, 1440]),
    lookback_hours=st.sampled_from([1, 24, 72]),
    days=st.sampled_from([1.5, 2, 3]),
)
def test_the_clock_finds_what_one_evaluation_of_the_whole_history_finds(cadence, fill_every, steps, faults,
                                                                          clock_minutes, lookback_hours, days):
    profiles = {
        "W1": DeviceProfile("W1", DeviceKind.METER, "H1", medium="water", qmax=3.0, register_resolution=0.001),
        "E1": DeviceProfile("E1", DeviceKind.METER, "H1", medium="electricity", qmax=2.0, register_resolution=0.01),
        "N1": DeviceProfile("N1", DeviceKind.NOZZLE, "S1", qmax=50.0, qmin=5.0),
    }
    events = [DeviceEvent("W1", 10_000 + i, START + timedelta(hours=7 * i), "magnetic_field") for i in range(3)]
    stream = (_meter("W1", cadence, days, steps, faults) + _meter("E1", max(cadence, 15), days, steps, set())
              + _nozzle("N1", fill_every, days, faults) + events)
    end = START + timedelta(days=days)
    # A rule's own window length varies too: FD-06 and MT-03 judge over `lookback_hours`.
    specs = [replace(s, lookback=timedelta(hours=lookback_hours)) if s.code in {"FD-06", "MT-03"} else s for s in DATA_RULES]
    step = timedelta(minutes=clock_minutes)

    def answers(findings):
        return {(f.rule_code, f.device_id, f.time, f.severity) for f in findings}

    clock = replay(stream, profiles, BOOK, START, end, data_step=step, clock_step=step, specs=specs)
    whole = replay(stream, profiles, BOOK, START, end, data_step=end - START, clock_step=end - START,
                   specs=[replace(s, lookback=end - START + timedelta(days=1)) for s in specs])
    assert answers(clock) == answers(whole)
