"""rules/clearing.py: a run that found nothing says "gone" only from the device's data after the last
finding. Property over meters that upload in late batches (random cadence, batch period, lateness,
clock step) with a real-time heartbeat, the clock and the arrival path run as the engine runs them:
a bypass that persists is never concluded gone; one that ends is, once a day of readings after the
last finding has come in, and not before."""

from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiliang.monitoring.rules import clearing
from jiliang.monitoring.rules.registry import RULES
from jiliang.monitoring.rules.thresholds import load_rulebook
from jiliang.monitoring.rules.types import DeviceKind, DeviceProfile, MeterReading, Window

START = datetime(2026, 3, 2, tzinfo=timezone.utc)
BOOK = load_rulebook()
MT08 = RULES["MT-08"]
WINDOW = MT08.window_length(BOOK)
ARRIVAL = timedelta(minutes=60)  # JILIANG_MONITORING_ARRIVAL_WINDOW_MINUTES
PROFILES = {"E1": DeviceProfile("E1", DeviceKind.METER, "H1", medium="electricity", qmax=60.0)}
HOUR = timedelta(hours=1)


def _readings(cadence: timedelta, days: int, bypass_ends: datetime) -> list[MeterReading]:
    times = [START + i * cadence for i in range(int(days * timedelta(days=1) / cadence))]
    return [MeterReading("E1", i, t, 100.0 + i, phase_current_a=3.0 if t < bypass_ends else 8.0, neutral_current_a=8.0)
            for i, t in enumerate(times)]


def _conclusions(readings, batch: timedelta, late: timedelta, step: timedelta):
    """Each evaluation in time order: (moment, last finding so far, concluded gone, latest reading come)."""
    arrival = {r.sequence: START + ((r.time - START) // batch + 1) * batch + late for r in readings}
    uploads = sorted(set(arrival.values()))
    turns = [START + i * step for i in range(1, int((uploads[-1] + 2 * WINDOW - START) / step))]
    last_finding, out = None, []
    for now, is_turn in sorted([(t, True) for t in turns] + [(u, False) for u in uploads]):
        came = [r for r in readings if arrival[r.sequence] <= now]
        heartbeat = START + (now - START) // timedelta(days=1) * timedelta(days=1)  # sent at midnight, at once
        seen = max([heartbeat, *(r.time for r in came)])
        since = now - WINDOW - step if is_turn else min(r.time for r in readings if arrival[r.sequence] == now) - ARRIVAL
        window = Window(now=now, start=since, profiles=PROFILES, last_seen={"E1": seen},
                        meter_readings=tuple(r for r in came if since <= r.time <= now))
        findings = MT08.evaluate(window, BOOK)
        if findings:
            last_finding = max([last_finding or START, *(f.time for f in findings)])
        gone = (is_turn and not findings and last_finding is not None
                and clearing.found_gone(last_finding, clearing.data_reach(window, "E1", MT08.inputs, False),
                                        clearing.recurrence(WINDOW, False)))
        out.append((now, last_finding, gone, max((r.time for r in came), default=None)))
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cadence_min=st.sampled_from([15, 30, 60]),
    batch_h=st.sampled_from([1, 6, 24]),
    late_h=st.sampled_from([0, 3, 6, 18]),
    step_min=st.sampled_from([60, 120, 360]),
    ends_after_h=st.one_of(st.none(), st.integers(12, 72)),
)
def test_gone_only_from_a_day_of_readings_after_the_last_finding(cadence_min, batch_h, late_h, step_min, ends_after_h):
    days = 5
    bypass_ends = START + (timedelta(days=days + 1) if ends_after_h is None else ends_after_h * HOUR)
    conclusions = _conclusions(_readings(timedelta(minutes=cadence_min), days, bypass_ends), batch_h * HOUR,
                               late_h * HOUR, timedelta(minutes=step_min))
    gone = [(now, last, latest) for now, last, concluded, latest in conclusions if concluded]
    if ends_after_h is None:
        assert not gone  # the readings keep coming, each upload with the bypass: never gone
        return
    assert gone, "a bypass that ended two days before the last upload is concluded gone"
    _, last, latest = gone[0]
    assert last < bypass_ends and latest >= last + WINDOW  # a whole day of readings without it came first
