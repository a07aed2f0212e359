"""Issue 15 item 2 on a batch meter: "a fault that persists is one alert with an occurrence count,
cleared only when its rule has run and found it gone". A meter that reads hourly and uploads each
day's readings hours late (the families simulator's BL family) sends its daily heartbeat at once; a
clock turn after that heartbeat evaluated MT-08 over a day whose readings had not come yet, found
nothing, concluded "gone" and cleared the alert, and the next upload opened a new one (6 alerts for
one bypass in the families run). A window without the device's data after the last finding is no
answer."""

import datetime as dt

import pytest

from jiliang.monitoring import engine
from jiliang.monitoring.ingest import Incoming, ingest
from jiliang.monitoring.messages import parse_item
from jiliang.monitoring.models import Alert, DeviceKind, IngestSource
from jiliang.monitoring.rules import types as rt
from monitoring_fixtures import T0

pytestmark = pytest.mark.django_db

START = T0 - dt.timedelta(days=6)  # six days back, so the last upload is still in the past
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
LATE = 6 * HOUR  # each day's readings are uploaded six hours after the day ends
TICK = 2 * HOUR


def _reading(meter, hour: int, bypassed: bool) -> dict:
    phase = 3.0 if bypassed else 8.0  # a bridged phase wire: the meter sees part of the phase current
    return {"device": meter.code, "seq": hour + 1, "time": (START + hour * HOUR).isoformat(), "type": "meter.reading",
            "register": 100.0 + 1.8 * hour, "phase_current_a": phase, "neutral_current_a": 8.0}


def _heartbeat(meter, day: int) -> dict:
    time = START + day * DAY + 5 * HOUR  # an hour before the upload, sent at once: readings wait for the batch
    return {"device": meter.code, "seq": 100_000 + day, "time": time.isoformat(), "type": "heartbeat",
            "device_clock": time.isoformat()}


def _send(meter, messages: list[dict], at: dt.datetime) -> None:
    ingest([Incoming(parse_item(m)) for m in messages], source=IngestSource.HTTP, sender=meter, now=at)


def _run(meter, days: int, bypassed_until_hour: int) -> None:
    """``days`` of hourly readings (bypassed before ``bypassed_until_hour``), each day's uploaded LATE
    after the day ends, a heartbeat every day at 05:00, and the rule clock every TICK, all in time order."""
    sends = [(START + (day + 1) * DAY + LATE, [_reading(meter, h, h < bypassed_until_hour)
                                               for h in range(24 * day, 24 * (day + 1))]) for day in range(days)]
    sends += [(START + day * DAY + 5 * HOUR, [_heartbeat(meter, day)]) for day in range(days + 1)]
    sends.sort(key=lambda send: send[0])
    turn = START + TICK
    for at, messages in sends:
        while turn <= at:
            engine.tick(turn)
            turn += TICK
        _send(meter, messages, at)
    while turn <= sends[-1][0] + DAY:
        engine.tick(turn)
        turn += TICK


@pytest.fixture
def batch_meter(make_device):
    meter, _, _ = make_device(DeviceKind.METER, medium="electricity",
                              attributes={"qmax": 60.0, "report_interval_s": 86_400})
    return meter


def test_a_bypass_that_persists_on_a_batch_meter_is_one_alert_with_a_growing_count(batch_meter):
    _run(batch_meter, days=5, bypassed_until_hour=24 * 5)
    alerts = Alert.objects.filter(device=batch_meter, rule_code="MT-08")
    assert [a.active for a in alerts] == [True]
    # Findings come every three readings (a run of more than an hour): about 8 a day for 5 days.
    assert alerts.get().occurrences >= 30


def test_a_bypass_that_ends_is_cleared_after_the_upload_that_shows_it_gone(batch_meter):
    _run(batch_meter, days=5, bypassed_until_hour=24 * 3)
    alert = Alert.objects.get(device=batch_meter, rule_code="MT-08")
    assert not alert.active
    # The first upload without the bypass (day 4's readings) arrives at day 5 + LATE; its turn runs
    # MT-08 over a day of readings after the last finding, and the alert clears an hour later.
    assert START + 4 * DAY + LATE < alert.cleared_at <= START + 4 * DAY + LATE + 2 * TICK


def test_a_change_is_judged_after_its_grace_period_when_the_dispenser_then_says_nothing(make_device):
    """FD-01 holds a K-factor change back for its grace period (a work order is recorded after the job).
    The clock runs data-driven rules for sites with news: a dispenser that falls silent after the change
    must still be judged at the first turn past the grace period."""
    nozzle, _, _ = make_device(DeviceKind.NOZZLE, attributes={"verified_k_factor": 100.0})
    changed_at = START + 10 * dt.timedelta(minutes=1)
    change = rt.ParameterChange(nozzle.code, 1, changed_at, "k_factor", 100.0, 100.5)
    _send(nozzle, [engine.message_of(change, 1)], at=changed_at)
    turns = [START + minutes * dt.timedelta(minutes=1) for minutes in (20, 40, 60, 80, 100)]
    opened = []
    for turn in turns:
        engine.tick(turn)
        opened.append(Alert.objects.filter(device=nozzle, rule_code="FD-01").exists())
    # In its grace period (60 min) at 20, 40 and 60; judged at 80 although nothing arrived after 10.
    assert opened == [False, False, False, True, True]
