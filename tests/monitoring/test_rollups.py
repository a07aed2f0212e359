"""Hourly and daily consumption from register deltas: the same for shuffled batches as for ordered
ones, first readings book nothing, a decrease is not consumption, a recorded replacement restarts
from zero, an impossible jump is kept apart."""

import datetime as dt
import random

import pytest

from jiliang.monitoring import services
from jiliang.monitoring.models import DeviceKind, Rollup, RollupPeriod, WorkOrderKind
from monitoring_fixtures import T0, meter_reading, post

pytestmark = pytest.mark.django_db


def hourly(device) -> dict:
    rows = Rollup.objects.filter(device_id=device.pk, period=RollupPeriod.HOUR).order_by("start")
    return {r.start: round(r.consumption, 6) for r in rows if r.consumption or r.readings}


def daily_total(device) -> float:
    return round(sum(Rollup.objects.filter(device_id=device.pk, period=RollupPeriod.DAY)
                     .values_list("consumption", flat=True)), 6)


def series(count: int = 96, step_minutes: int = 15) -> list[tuple[int, int, float]]:
    rng = random.Random(11)
    register, rows = 1000.0, []
    for seq in range(1, count + 1):
        register += round(rng.uniform(0, 0.2), 3)
        rows.append((seq, seq * step_minutes, register))
    return rows


def test_shuffled_batches_give_the_ordered_rollups(make_device):
    ordered, ordered_token, _ = make_device(DeviceKind.METER)
    shuffled, shuffled_token, _ = make_device(DeviceKind.METER)
    rows = series()
    assert post(ordered_token, [meter_reading(ordered, *row) for row in rows]).status_code == 200
    messages = [meter_reading(shuffled, *row) for row in rows]
    random.Random(3).shuffle(messages)
    for first in range(0, len(messages), 9):
        post(shuffled_token, messages[first:first + 9] + messages[:2])  # with resent duplicates
    assert hourly(ordered) == hourly(shuffled)
    assert daily_total(ordered) == daily_total(shuffled) == round(rows[-1][2] - rows[0][2], 6)
    for device in (ordered, shuffled):  # the latest register reading kept on the device row
        device.refresh_from_db()
        assert (device.last_register_seq, device.last_register) == (rows[-1][0], rows[-1][2])
        assert device.last_register_at == T0 + dt.timedelta(minutes=rows[-1][1])


def test_batches_in_order_add_up_to_one_recomputed_batch(make_device):
    """In-order batches take the appending path (steps added after the last stored reading); a
    batch with a reading inside the stored span is recomputed: both give the same hours."""
    in_batches, in_batches_token, _ = make_device(DeviceKind.METER)
    with_late, with_late_token, _ = make_device(DeviceKind.METER)
    rows = series(count=40)
    for first in range(0, len(rows), 7):
        assert post(in_batches_token, [meter_reading(in_batches, *row) for row in rows[first:first + 7]]).status_code == 200
    late = rows[17]
    assert post(with_late_token, [meter_reading(with_late, *row) for row in rows if row != late]).status_code == 200
    assert post(with_late_token, [meter_reading(with_late, *late)]).status_code == 200
    assert hourly(in_batches) == hourly(with_late)
    assert daily_total(in_batches) == daily_total(with_late) == round(rows[-1][2] - rows[0][2], 6)


def test_the_first_reading_books_nothing(make_device):
    device, token, _ = make_device(DeviceKind.METER)
    post(token, [meter_reading(device, 1, 30, 5000.0)])
    assert daily_total(device) == 0
    post(token, [meter_reading(device, 2, 45, 5000.4)])
    assert daily_total(device) == 0.4


def test_a_decrease_is_not_consumption_and_a_replacement_restarts_from_zero(make_device, city_regulator):
    plain, plain_token, _ = make_device(DeviceKind.METER)
    replaced, replaced_token, _ = make_device(DeviceKind.METER)
    services.record_work_order(city_regulator, replaced, kind=WorkOrderKind.METER_REPLACEMENT,
                               time=T0 + dt.timedelta(minutes=40))
    for device, token in ((plain, plain_token), (replaced, replaced_token)):
        post(token, [meter_reading(device, 1, 15, 800.0), meter_reading(device, 2, 30, 800.5),
                     meter_reading(device, 3, 45, 0.3), meter_reading(device, 4, 60, 0.9)])
    assert daily_total(plain) == 0.5 + 0.6  # the step down books nothing
    assert daily_total(replaced) == 0.5 + 0.3 + 0.6  # the new meter used 0.3 since it was fitted
    resets = sum(Rollup.objects.filter(device_id=plain.pk, period=RollupPeriod.HOUR).values_list("resets", flat=True))
    assert resets == 1


def test_an_impossible_jump_is_not_booked(make_device):
    device, token, _ = make_device(DeviceKind.METER, medium="water", attributes={"qmax": 2.5})
    post(token, [meter_reading(device, 1, 0, 10.0), meter_reading(device, 2, 60, 11.0),
                 meter_reading(device, 3, 120, 511.0)])
    assert daily_total(device) == 1.0
    unbooked = sum(Rollup.objects.filter(device_id=device.pk, period=RollupPeriod.HOUR).values_list("unbooked", flat=True))
    assert unbooked == 500.0


def test_long_window_meter_rules_read_the_daily_rollups_with_the_raw_readings_result(make_device):
    """MT-01 and MT-07 look back up to 400 days: the clock gives them daily rollups, which yield the
    same measured days (and findings) as the raw readings, and keep working once old raw rows are gone."""
    from dataclasses import replace

    from jiliang.monitoring import engine
    from jiliang.monitoring.models import Alert, Reading
    from jiliang.monitoring.rules import meters
    from jiliang.monitoring.rules.common import CHINA_STANDARD_TIME
    from jiliang.monitoring.rules.thresholds import load_rulebook

    meter, token, _ = make_device(DeviceKind.METER, medium="electricity",
                                  attributes={"qmax": 13.8, "report_interval_s": 3 * 3600, "register_resolution": 0.01})
    local_midnight = dt.datetime.now(CHINA_STANDARD_TIME).replace(hour=0, minute=0, second=0, microsecond=0)
    start = local_midnight - dt.timedelta(days=40)
    rng, register, messages = random.Random(5), 2000.0, []
    for seq in range(1, 36 * 8 + 1):  # every 3 hours for 36 days; use drops from 10 to 3 kWh a day after day 20
        register += (10.0 if seq <= 20 * 8 else 3.0) / 8 * rng.uniform(0.8, 1.2)
        moment = start + dt.timedelta(hours=3 * seq)
        messages.append({"device": meter.code, "seq": seq, "time": moment.isoformat(), "type": "meter.reading",
                         "register": round(register, 2)})
    random.Random(8).shuffle(messages)
    for first in range(0, len(messages), 50):
        assert post(token, messages[first:first + 50]).status_code == 200
    now = start + dt.timedelta(days=36, hours=1)
    site = meter.site_id
    from_rollups = engine.build_windows({site: now - dt.timedelta(days=400)}, now, {"daily_use"})[site]
    raw = engine.build_windows({site: now - dt.timedelta(days=400)}, now, {"meter_readings", "work_orders"})[site]
    from_raw = replace(raw, daily_use=meters.daily_use_of(raw))
    assert from_rollups.meter_readings == () and len(from_rollups.daily_use) >= 36

    def rounded(window):
        return {d: [(day, round(use, 6)) for day, use in days] for d, days in meters.measured_days(window).items()}

    assert rounded(from_rollups) == rounded(from_raw) and len(rounded(from_raw)[meter.code]) == 35
    thresholds = load_rulebook().for_rule("MT-07")
    found = meters.consumption_drop(from_rollups, thresholds)
    assert [f.evidence["change_day"] for f in found] == [f.evidence["change_day"] for f in meters.consumption_drop(from_raw, thresholds)]
    assert len(found) == 1 and found[0].evidence["days_after"] >= 14

    Reading.objects.filter(device_id=meter.pk, time__lt=now - dt.timedelta(days=8)).delete()  # old raw rows gone
    engine.tick(now, since=now - dt.timedelta(hours=3))
    assert Alert.objects.filter(device=meter, rule_code="MT-07", active=True).exists()


def test_mt01_fires_on_the_clock_path(make_device):
    """Issue 15: the clock gave MT-01 its 14 days plus one step of daily rollups; a day counts only
    with readings on the days either side, so at most 13 counted and it never fired on the clock."""
    from jiliang.monitoring import engine
    from jiliang.monitoring.models import Alert
    from jiliang.monitoring.rules.common import CHINA_STANDARD_TIME

    meter, token, _ = make_device(DeviceKind.METER, medium="water", attributes={
        "qmax": 2.5, "report_interval_s": 3 * 3600, "register_resolution": 0.01, "account_active": True})
    local_midnight = dt.datetime.now(CHINA_STANDARD_TIME).replace(hour=0, minute=0, second=0, microsecond=0)
    start = local_midnight - dt.timedelta(days=21)
    messages = [{"device": meter.code, "seq": seq, "time": (start + dt.timedelta(hours=3 * seq)).isoformat(),
                 "type": "meter.reading", "register": 500.0} for seq in range(1, 20 * 8 + 4)]
    assert post(token, messages).status_code == 200
    now = start + dt.timedelta(days=20, hours=10)  # a turn at 10:00 local, the last reading an hour ago
    engine.tick(now, since=now - dt.timedelta(hours=1))
    assert Alert.objects.filter(device=meter, rule_code="MT-01", active=True).exists()


def test_a_late_batch_of_meters_days_apart_recomputes_each_meters_own_hours(make_device, make_site):
    """A head-end's batch can carry late readings of meters whose clocks are days apart: each
    meter's stored hours are read over its own span and it ends as if its readings came in order."""
    site = make_site()
    _, gateway_token, _ = make_device(DeviceKind.GATEWAY, site=site)
    rows = series(count=40)
    days_apart = (-3 * 24 * 60, 0)  # minutes after T0, which is recent: none in the future
    in_order = [make_device(DeviceKind.METER) for _ in days_apart]
    with_late = [make_device(DeviceKind.METER, site=site)[0] for _ in days_apart]
    for (device, token, _), offset in zip(in_order, days_apart):
        assert post(token, [meter_reading(device, seq, minutes + offset, register)
                            for seq, minutes, register in rows]).status_code == 200
    late = {17, 18, 30}
    for wanted in (lambda n: n not in late, lambda n: n in late):
        batch = [meter_reading(device, seq, minutes + offset, register)
                 for device, offset in zip(with_late, days_apart)
                 for n, (seq, minutes, register) in enumerate(rows) if wanted(n)]
        assert post(gateway_token, batch).status_code == 200
    for (reference, _, _), device in zip(in_order, with_late):
        assert hourly(device) == hourly(reference)
        assert daily_total(device) == daily_total(reference) == round(rows[-1][2] - rows[0][2], 6)
