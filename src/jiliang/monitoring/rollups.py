"""Hourly and daily rollups, kept current inside each ingest transaction.

Consumption is computed by the pure register arithmetic of rules/registers.py (steps between
consecutive readings, decreases and impossible jumps not booked, each step spread over the hours it
covers). For every device with new register readings, the hours touched by the steps around the new
readings are recomputed from the stored readings, and each local day is moved by the change of its
hours. The ingest transaction holds the device rows locked, so two writers never recompute one
device at once; the result does not depend on arrival order or batching.

The common case is cheaper: when a device's new readings all come after everything stored for it
(readings in order, one batch after another), they add steps after the last stored reading and
take none away, so their steps are added to the hours and days as they are. The device row keeps
its latest register reading (``Device.last_register*``, updated with ``last_seen_at``), so that
case reads no stored reading at all.
"""

import datetime as dt
from collections import defaultdict

from django.conf import settings

from jiliang.monitoring import sql
from jiliang.monitoring.models import Rollup, RollupPeriod, WorkOrder, WorkOrderKind
from jiliang.monitoring.rules import registers
from jiliang.monitoring.rules.common import ordered
from jiliang.monitoring.rules.types import MeterReading
from jiliang.monitoring.storage import TABLE, read_ranges

HOUR = dt.timedelta(hours=1)
TICK = dt.timedelta(microseconds=1)
_ROLLUP = Rollup._meta.db_table
_WORK_ORDER = WorkOrder._meta.db_table


def hour_of(moment: dt.datetime) -> dt.datetime:
    """registers.bucket_start(moment, HOUR) in UTC: China's offset is whole hours, so the hour
    buckets are the UTC hours."""
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _bounds(windows: list[tuple[int, dt.datetime, dt.datetime]], horizon: dt.timedelta) -> dict:
    """Per device: the last stored reading before ``lo`` and the first after ``hi`` (within the horizon)."""
    rows = [(device, lo, lo - horizon, hi, hi + horizon) for device, lo, hi in windows]
    source, params = sql.rows_source(rows, ("bigint", "timestamptz", "timestamptz", "timestamptz", "timestamptz"))
    query = f"""
        WITH w(device_id, lo, lo_gap, hi, hi_gap) AS ({source})
        SELECT w.device_id,
          (SELECT MAX(r.time) FROM {TABLE} r WHERE r.device_id = w.device_id AND r.register IS NOT NULL
             AND r.time < w.lo AND r.time >= w.lo_gap),
          (SELECT MIN(r.time) FROM {TABLE} r WHERE r.device_id = w.device_id AND r.register IS NOT NULL
             AND r.time > w.hi AND r.time <= w.hi_gap)
        FROM w"""
    with sql.cursor() as cursor:
        cursor.execute(query, params)
        return {
            device: (sql.time_of(before), sql.time_of(after))
            for device, before, after in cursor.fetchall()
        }


def _points(ranges: list[tuple[int, dt.datetime, dt.datetime]]) -> dict[int, list[MeterReading]]:
    points: dict[int, list[MeterReading]] = defaultdict(list)
    with sql.cursor() as cursor:
        cursor.execute(*read_ranges("r.device_id, r.sequence, r.time, r.register", ranges, "r.register IS NOT NULL"))
        for device, sequence, time, register in cursor.fetchall():
            points[device].append(MeterReading(device_id=str(device), sequence=sequence, time=sql.time_of(time),
                                               register=register))
    return points


def _replacements(devices: list[int], since: dt.datetime) -> dict[int, list[dt.datetime]]:
    found: dict[int, list[dt.datetime]] = defaultdict(list)
    with sql.cursor() as cursor:
        cursor.execute(
            f"SELECT device_id, time FROM {_WORK_ORDER} WHERE {sql.in_list('device_id', 'bigint')} "
            "AND kind = %s AND time >= %s",
            [sql.list_param(devices), WorkOrderKind.METER_REPLACEMENT, sql.param(since)],
        )
        for device, time in cursor.fetchall():
            found[device].append(sql.time_of(time))
    return found


def _stored_hours(spans: list[tuple[int, dt.datetime, dt.datetime]]) -> dict[tuple[int, dt.datetime], list]:
    """[consumption, readings, resets, unbooked] of the stored hourly rollups of each (device, first,
    last) span: each device's own span, since devices of different sites can be days apart."""
    source, params = sql.rows_source(spans, ("bigint", "timestamptz", "timestamptz"))
    with sql.cursor() as cursor:
        cursor.execute(
            f"""WITH w(device_id, lo, hi) AS ({source})
            SELECT r.device_id, r.start, r.consumption, r.readings, r.resets, r.unbooked FROM {_ROLLUP} r
            JOIN w ON r.device_id = w.device_id AND r.start >= w.lo AND r.start <= w.hi WHERE r.period = %s""",
            [*params, RollupPeriod.HOUR],
        )
        return {(device, sql.time_of(start)): [consumption, readings, resets, unbooked]
                for device, start, consumption, readings, resets, unbooked in cursor.fetchall()}


def _hour_totals(steps: list[registers.RegisterStep], counted: list[MeterReading],
                 hours: list[dt.datetime]) -> dict[dt.datetime, list]:
    """[consumption, readings, resets, unbooked] of each hour from the steps and the readings counted."""
    spread = registers.consumption_by_bucket(steps, HOUR)
    totals = {hour: [spread.get(hour, 0.0), 0, 0, 0.0] for hour in hours}
    for reading in counted:
        total = totals.get(hour_of(reading.time))
        if total is not None:
            total[1] += 1
    for step in steps:
        total = totals.get(hour_of(step.after.time))
        if total is None:
            continue
        if step.status in {"decrease", "replacement"}:
            total[2] += 1
        elif step.status == "over_range":
            total[3] += step.delta
    return totals


def _hours(first: dt.datetime, last: dt.datetime) -> list[dt.datetime]:
    first_hour, last_hour = hour_of(first), hour_of(last)
    return [first_hour + n * HOUR for n in range(int((last_hour - first_hour) / HOUR) + 1)]


def qmax_per_hour(device) -> float | None:
    """The most a register can advance in an hour: a meter's Qmax (m³/h or kW), a nozzle's Qmax in
    L/min × 60, a charger's rated power (kW); None when the device's parameters do not say."""
    attributes = device.attributes or {}
    if device.kind == "nozzle":
        return attributes["qmax"] * 60 if attributes.get("qmax") else None
    if device.kind == "charger":
        return attributes.get("rated_power_kw")
    return attributes.get("qmax")


def _key(reading: MeterReading) -> tuple[dt.datetime, int]:
    return reading.time, reading.sequence


def update(new_points: dict[int, list[MeterReading]], qmax: dict[int, float | None],
           latest: dict[int, MeterReading | None]) -> int:
    """Bring the hours and days up to date with the new register readings of each device (device id
    -> readings, already stored); ``latest`` is each device's latest register reading stored before
    them (Device.last_register*). Returns the number of hourly rows written."""
    if not new_points:
        return 0
    horizon = dt.timedelta(hours=settings.JILIANG_MONITORING_ROLLUP_MAX_GAP_HOURS)
    appended, before = {}, {}
    for device, new in new_points.items():
        last = latest.get(device)
        if last is None or _key(last) < min(map(_key, new)):
            appended[device] = new
            before[device] = last if last is not None and last.time >= min(r.time for r in new) - horizon else None
    late = {d: new for d, new in new_points.items() if d not in appended}
    bounds = _bounds([(d, min(r.time for r in new), max(r.time for r in new)) for d, new in late.items()], horizon) if late else {}
    # Far enough back for every step either path looks at (the recomputed hours' outer readings).
    starts = [before[d].time if before[d] else min(r.time for r in new) for d, new in appended.items()]
    starts += [bounds[d][0] or min(r.time for r in new) for d, new in late.items()]
    replaced = _replacements(list(new_points), hour_of(min(starts)) - horizon)
    hour_adds = _appended_hours(appended, before, qmax, replaced)
    hour_sets, day_moves = _recomputed_hours(late, bounds, qmax, replaced, horizon)
    for (device, hour), add in hour_adds.items():
        move = day_moves[(device, _day_start(hour))]
        for index in range(4):
            move[index] += add[index]
    _upsert(RollupPeriod.HOUR, hour_adds, add=True)
    _upsert(RollupPeriod.HOUR, hour_sets, add=False)
    _upsert(RollupPeriod.DAY, {key: move for key, move in day_moves.items() if any(move)}, add=True)
    return len(hour_adds) + len(hour_sets)


def _appended_hours(appended: dict[int, list[MeterReading]], before: dict[int, MeterReading | None],
                    qmax: dict[int, float | None], replaced: dict[int, list[dt.datetime]]) -> dict:
    """What readings after every stored one add to each hour: their steps from the last stored reading."""
    adds: dict[tuple[int, dt.datetime], list] = {}
    for device, new in appended.items():
        new = ordered(new)
        first = before[device]
        steps = registers.register_steps(([first] if first else []) + new, qmax.get(device), replaced.get(device, []))
        totals = _hour_totals(steps, new, _hours((first or new[0]).time, new[-1].time))
        adds.update(((device, hour), total) for hour, total in totals.items() if any(total))
    return adds


def _recomputed_hours(devices: dict[int, list[MeterReading]], bounds: dict, qmax: dict[int, float | None],
                      replaced: dict[int, list[dt.datetime]], horizon: dt.timedelta) -> tuple[dict, dict]:
    """The hours touched by readings that arrived out of order, recomputed from the stored readings
    around them, and how much each day moves."""
    day_moves: dict[tuple[int, dt.datetime], list] = defaultdict(lambda: [0.0, 0, 0, 0.0])
    if not devices:
        return {}, day_moves
    hours_of: dict[int, list[dt.datetime]] = {}
    spans = []
    for device, new in devices.items():
        before, after = bounds[device]
        hours_of[device] = _hours(before or min(r.time for r in new), after or max(r.time for r in new))
        spans.append((device, hours_of[device][0], hours_of[device][-1] + HOUR - TICK))
    outer = _bounds(spans, horizon)
    points = _points([(d, outer[d][0] or lo, outer[d][1] or hi) for d, lo, hi in spans])
    fresh: dict[tuple[int, dt.datetime], list] = {}
    for device, hours in hours_of.items():
        readings = points.get(device, [])
        steps = registers.register_steps(readings, qmax.get(device), replaced.get(device, []))
        fresh.update(((device, hour), total) for hour, total in _hour_totals(steps, ordered(readings), hours).items())
    old = _stored_hours(spans)
    for (device, hour), total in fresh.items():
        previous = old.get((device, hour), [0.0, 0, 0, 0.0])
        move = day_moves[(device, _day_start(hour))]
        for index in range(4):
            move[index] += total[index] - previous[index]
    return {key: total for key, total in fresh.items() if total != old.get(key, [0.0, 0, 0, 0.0])}, day_moves


def _day_start(hour: dt.datetime) -> dt.datetime:
    return registers.bucket_start(hour, dt.timedelta(days=1)).astimezone(dt.UTC)


def _upsert(period: str, rows: dict[tuple[int, dt.datetime], list], *, add: bool) -> None:
    """Write rollup rows: replace the values (hours, recomputed) or add to them (days, moved)."""
    values = [(device, period, start, *totals) for (device, start), totals in rows.items()]
    update = ", ".join(
        f"{column} = {_ROLLUP}.{column} + excluded.{column}" if add else f"{column} = excluded.{column}"
        for column in ("consumption", "readings", "resets", "unbooked")
    )
    for chunk in sql.chunks(values, 500):
        source, params = sql.rows_source(
            chunk, ("bigint", "varchar", "timestamptz", "double precision", "integer", "integer", "double precision"),
        )
        with sql.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {_ROLLUP} (device_id, period, start, consumption, readings, resets, unbooked)
                SELECT * FROM ({source}) AS v WHERE true
                ON CONFLICT (device_id, period, start) DO UPDATE SET {update}""",
                params,
            )
