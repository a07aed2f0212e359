"""A second simulator that does not share the rules' assumptions (issue 15, item 5).

The demo city's simulator (stream.py, faults.py) sizes each fault from the rule that should see it
(an outage is "one report more than MT-09 tolerates"), so the rules score 1.000 against it by
construction. Here devices behave as device families do, and faults and benign anomalies last as
long as such things last in the field; nothing below reads a rule threshold.

Behaviour families (the first letters of a device code name its family):

- EH  event-driven dispensers with a daily heartbeat: a sale every few to many minutes in opening
      hours (some stations are open day and night, quieter at night), a heartbeat once a day;
      transactions buffered while the collector is offline and sent when it is back.
- FC  meters with a fixed cadence of 1–60 minutes and a daily heartbeat.
- BL  meters that read hourly and upload the day's readings in one batch, hours late, at night.
- DC  meters every 15 minutes whose clocks drift a few seconds a day, reset by a weekly time sync.

Consumption follows the hour of day, the season and the statutory holidays (households away).
Benign anomalies, which must raise nothing: a station closed over a statutory holiday, a pump price
change at midnight, a power cut of 1–8 hours with recovery, a meter whose cadence changes, a batch
uploaded up to a day late. Faults (labelled with the rule that should see them): a collector or
meter offline for days (FD-12, MT-09), a batch upload that stops (MT-09), a pulse/volume mismatch
(FD-02), an amount above price × volume (FD-06), a clock that jumps (MT-04).

Items come out in arrival order: a late batch is yielded when it arrives, with its readings' own
times, which is how the ingest meets it.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random
from typing import Iterator

from jiliang.monitoring.rules.common import CHINA_STANDARD_TIME
from jiliang.monitoring.rules.holidays import is_statutory_holiday
from jiliang.monitoring.rules.types import (
    DeviceKind,
    DeviceProfile,
    DispenserTransaction,
    Heartbeat,
    MeterMedium,
    MeterReading,
    ParameterChange,
    Reading,
)
from jiliang.monitoring.simulation.city import BAZHONG_DIVISIONS, City, Site, SimulationConfig
from jiliang.monitoring.simulation.faults import Label

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
FAMILIES = {"EH": "event-driven + daily heartbeat", "FC": "fixed cadence 1-60 min",
            "BL": "hourly reads, batch upload hours late", "DC": "drifting clocks"}
PRICES = {"92#": 7.38, "95#": 7.86, "0#": 7.05}
NOZZLE_PRODUCTS = ("92#", "92#", "95#", "0#")
# Relative sales (and household activity) per local hour; a 24-hour station sells little at night.
HOUSEHOLD_WATER_M3_H = 1.0
METERS_PER_BUILDING = 10  # households of a building behind one concentrator (the site's gateway)
DAY_SHAPE = [0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 1.4, 1.6, 1.3, 1.1, 1.2, 1.3, 1.1, 1.0, 1.1, 1.3, 1.6, 1.7, 1.4, 1.0, 0.7, 0.4, 0.2]


def family_of(device_id: str) -> str | None:
    return device_id[:2] if device_id[:2] in FAMILIES else None


def _local(moment: datetime) -> datetime:
    return moment.astimezone(CHINA_STANDARD_TIME)


def _midnight(moment: datetime) -> datetime:
    return _local(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def _season(moment: datetime) -> float:
    """Household use over the year: higher in winter and high summer (heating, cooling)."""
    day = _local(moment).timetuple().tm_yday
    return 1.0 + 0.25 * math.cos(2 * math.pi * (day - 15) / 365) + 0.15 * math.cos(4 * math.pi * (day - 200) / 365)


def _interval(rng: Random, start: datetime, end: datetime, shortest: timedelta, longest: timedelta) -> tuple[datetime, datetime]:
    """A span of random length between shortest and longest starting at a random time of the period."""
    length = shortest + (longest - shortest) * rng.random()
    begin = start + (end - length - start) * rng.random()
    return begin.replace(microsecond=0), (begin + length).replace(microsecond=0)


def _operating_span(rng: Random, start: datetime, end: datetime, shortest: timedelta, longest: timedelta,
                    closed: list[tuple[datetime, datetime]]) -> tuple[datetime, datetime]:
    """A fault span on days the station operates: a fault while it is closed for a holiday shows in
    nothing (no sale, no silence that closing would not explain), so it is no fault to label."""
    for _attempt in range(100):
        span = _interval(rng, start, end, shortest, longest)
        if not any(a < span[1] and span[0] < b for a, b in closed):
            return span
    return span


def _inside(spans: list[tuple[datetime, datetime]], moment: datetime) -> bool:
    return any(a <= moment < b for a, b in spans)


@dataclass
class _Plan:
    """What happens to one nozzle over the period: spans (start, end) of its anomalies and faults."""

    offline: list  # the collector is down: sales go on, are kept and sent when it is back
    closed: list  # closed for a holiday, or a power cut: no sales, no heartbeat


class FamilySimulation:
    """Same shape as simulation.Simulation: config, city, profiles, labels, readings()."""

    def __init__(self, config: SimulationConfig):
        self.config = config
        self.faults = ()
        self.labels: list[Label] = []
        self._makers: list = []
        sites: list[Site] = []
        profiles: dict[str, DeviceProfile] = {}
        rng = Random(f"families:{config.seed}")
        for s in range(config.stations):
            site_id = f"EH{s:03d}"
            sites.append(Site(site_id, "station", BAZHONG_DIVISIONS[s % len(BAZHONG_DIVISIONS)]))
            self._station(site_id, rng, profiles)
        per_family = config.meters // 3
        for family, count in (("FC", config.meters - 2 * per_family), ("BL", per_family), ("DC", per_family)):
            for m in range(count):
                site_id = f"{family}B{m // METERS_PER_BUILDING:03d}"
                if m % METERS_PER_BUILDING == 0:
                    sites.append(Site(site_id, "premises", BAZHONG_DIVISIONS[m % len(BAZHONG_DIVISIONS)]))
                self._meter(family, site_id, f"{family}{m:04d}-M", profiles)
        self.city = City(tuple(sites), profiles)

    @property
    def profiles(self) -> dict[str, DeviceProfile]:
        return self.city.profiles

    def readings(self) -> Iterator[Reading]:
        """Every device's items merged in arrival order."""
        for _arrival, _order, item in heapq.merge(*(maker() for maker in self._makers), key=lambda e: (e[0], e[1])):
            yield item

    # Stations ---------------------------------------------------------------------------------

    def _station(self, site_id: str, rng: Random, profiles: dict) -> None:
        c = self.config
        hours = None if rng.random() < 0.3 else rng.choice([(6, 22), (7, 21), (6, 23)])
        closes_for_holidays = hours is not None and rng.random() < 0.5
        closed = []
        day = _midnight(c.start)
        while day < c.end:
            if closes_for_holidays and is_statutory_holiday(day.date()):
                closed.append((day, day + DAY))
            day += DAY
        power_cuts = [_interval(rng, c.start, c.end, HOUR, 8 * HOUR)] if rng.random() < 0.3 else []
        price_change = _midnight(c.start + (c.end - c.start) * rng.uniform(0.2, 0.8)) if rng.random() < 0.5 else None
        price_step = rng.choice([-0.12, -0.08, 0.07, 0.11])
        flow_model = rng.uniform(30, 42)  # L/min of the dispensers' pump model
        for d in range(rng.randint(2, 4)):
            for n, product in enumerate(NOZZLE_PRODUCTS):
                code = f"{site_id}-D{d}N{n}"
                last = c.start.date() - timedelta(days=rng.randint(20, 120))  # six-monthly, not due in the run
                profiles[code] = DeviceProfile(
                    code, DeviceKind.NOZZLE, site_id, product=product, qmax=50.0, qmin=5.0, opening_hours=hours,
                    report_interval=DAY, last_verified=last, valid_until=last + timedelta(days=182))
                nrng = Random(f"{c.seed}:{code}")
                offline = []
                fault = None
                if nrng.random() < c.fault_rate * 3:
                    fault = nrng.choice(["FD-12", "FD-12", "FD-02", "FD-06"])
                if fault == "FD-12":
                    span = _operating_span(nrng, c.start, c.end - 2 * DAY, 3 * DAY, 6 * DAY, closed)
                    offline.append(span)
                    self.labels.append(Label(code, "FD-12", span[0], span[1]))
                    fault_span = None
                elif fault:
                    fault_span = _operating_span(nrng, c.start + DAY, c.end - DAY, DAY, 3 * DAY, closed)
                    self.labels.append(Label(code, fault, *fault_span))
                else:
                    fault_span = None
                plan = _Plan(offline=offline, closed=closed + power_cuts)
                self._makers.append(lambda code=code, nrng=nrng, plan=plan, fault=fault, fault_span=fault_span, product=product,
                                    flow=flow_model * nrng.uniform(0.97, 1.03), rate=nrng.uniform(1.0, 5.0):
                                    self._nozzle(code, nrng, profiles[code], plan, fault, fault_span, product, flow, rate,
                                                 price_change, price_step))

    def _nozzle(self, code, rng, profile, plan: _Plan, fault, fault_span, product, flow, rate, price_change, price_step):
        """(arrival, order, item) of one nozzle: Poisson sales, a daily heartbeat, buffered while offline."""
        c, k = self.config, round(rng.uniform(98, 102), 2)
        totaliser, sequence, order = round(rng.uniform(1e5, 1e6), 2), 0, 0
        held: list = []
        heartbeat_at = timedelta(hours=rng.uniform(0, 24))
        moment = c.start
        next_beat = _midnight(c.start) + heartbeat_at
        while next_beat < c.start:
            next_beat += DAY
        events: list = []
        # Sales: a thinned Poisson process at `rate` sales an hour times the hour's shape.
        while True:
            moment += timedelta(hours=rng.expovariate(rate * 1.7))
            if moment >= c.end:
                break
            local = _local(moment)
            hours = profile.opening_hours
            if hours is not None and not hours[0] <= local.hour < hours[1]:
                continue
            if rng.random() <= DAY_SHAPE[local.hour] / 1.7:
                events.append(("sale", moment))
        while next_beat < c.end:
            events.append(("beat", next_beat))
            next_beat += DAY
        if price_change is not None:
            events.append(("price", price_change))
        events.sort(key=lambda e: e[1])
        price = PRICES[product]
        for kind, moment in events:
            if kind == "price":
                price = round(price + price_step, 2)
                continue
            offline = next((o for o in plan.offline if o[0] <= moment < o[1]), None)
            if _inside(plan.closed, moment) or (kind == "beat" and offline is not None):
                continue
            sequence += 1
            if kind == "beat":
                item = Heartbeat(code, sequence, moment, moment)
            else:
                volume = round(min(max(rng.lognormvariate(3.3, 0.55), 2.0), 120.0), 2)
                duration = round(volume / (flow * (1 + rng.gauss(0, 0.04))) * 60, 1)
                in_fault = fault_span is not None and fault_span[0] <= moment < fault_span[1]
                pulses = round(volume * k / (1.01 if in_fault and fault == "FD-02" else 1.0))
                amount = round(price * volume * (1.012 if in_fault and fault == "FD-06" else 1.0), 2)
                start, totaliser = totaliser, round(totaliser + volume, 2)
                item = DispenserTransaction(code, sequence, moment, duration, volume, pulses, k, price, amount, start, totaliser,
                                            round(rng.gauss(18, 3), 1))
            order += 1
            if offline is not None:
                held.append((offline[1], order, item))  # sent when the collector is back
            else:
                while held and held[0][0] <= moment:
                    yield held.pop(0)
                yield moment, order, item
        yield from held

    # Meters -----------------------------------------------------------------------------------

    def _meter(self, family: str, site_id: str, code: str, profiles: dict) -> None:
        c = self.config
        mrng = Random(f"{c.seed}:{code}")
        medium = MeterMedium.ELECTRICITY if mrng.random() < 0.6 else MeterMedium.WATER
        cadence = {"FC": timedelta(minutes=mrng.randint(1, 60)), "BL": HOUR, "DC": 15 * MINUTE}[family]
        declared = DAY if family == "BL" else cadence
        profiles[code] = DeviceProfile(
            code, DeviceKind.METER, site_id, medium=medium, accuracy_class="2" if medium == MeterMedium.ELECTRICITY else None,
            qmax=13.8 if medium == MeterMedium.ELECTRICITY else 3.125,
            register_resolution=0.01 if medium == MeterMedium.ELECTRICITY else 0.001, report_interval=declared,
            installed_on=c.start.date() - timedelta(days=mrng.randint(100, 1500)))
        outages: list = []
        if mrng.random() < 0.3:
            outages.append(_interval(mrng, c.start, c.end, HOUR, 8 * HOUR))  # power cut: readings kept, sent after
        fault = None
        if mrng.random() < c.fault_rate * 3:
            fault = "MT-04" if family == "DC" else "MT-09"
        label_span = None
        if fault == "MT-09":
            label_span = _interval(mrng, c.start + DAY, c.end - DAY, 4 * DAY if family == "BL" else DAY, 6 * DAY if family == "BL" else 4 * DAY)
            self.labels.append(Label(code, "MT-09", *label_span))
        elif fault == "MT-04":
            jump = c.start + DAY + (c.end - c.start - 3 * DAY) * mrng.random()
            label_span = (jump.replace(microsecond=0), c.end)
            self.labels.append(Label(code, "MT-04", *label_span))
        jump_s = mrng.uniform(600, 2400)
        self._makers.append(lambda: self._meter_items(code, family, mrng, profiles[code], cadence, outages, fault, label_span, jump_s))

    def _meter_items(self, code, family, rng, profile, cadence, outages, fault, fault_span, jump_s):
        c = self.config
        away = rng.random() < 0.4  # household away over statutory holidays
        activity = rng.uniform(0.5, 1.6)
        cadence_change = c.start + (c.end - c.start) * rng.uniform(0.3, 0.7) if family == "FC" and rng.random() < 0.2 else None
        upload_hour = rng.uniform(1, 5)
        drift_per_day = rng.uniform(-3, 3)  # seconds a day, reset by the weekly time sync
        register = round(rng.uniform(10, 5000), 2)
        moment = c.start + cadence * rng.random()
        beat = _midnight(c.start) + timedelta(hours=rng.uniform(0, 24))
        sequence, order, batch = 0, 0, []
        next_upload = _midnight(c.start) + timedelta(hours=upload_hour)
        lost = [fault_span] if fault == "MT-09" else []
        late_day = _midnight(c.start + (c.end - c.start) * rng.random()) if family == "BL" and rng.random() < 0.3 else None
        while moment < c.end or beat < c.end:
            if beat <= moment:
                when, beat = beat, beat + DAY
                if when >= c.end:
                    continue
                offset = drift_per_day * ((when - c.start) % (7 * DAY)) / DAY
                if fault == "MT-04" and when >= fault_span[0]:
                    offset += jump_s
                item: Reading = Heartbeat(code, 0, when, when + timedelta(seconds=offset))
            else:
                when = moment
                step = cadence * (4 if cadence_change and moment >= cadence_change else 1)
                register += self._use(profile.medium, moment, step, activity, away, rng)
                moment += step
                resolution = profile.register_resolution
                item = MeterReading(code, 0, when, round(round(register / resolution) * resolution, 6))
            if _inside(lost, when):
                continue
            sequence += 1
            item = _with_sequence(item, sequence)
            order += 1
            if family == "BL" and isinstance(item, MeterReading):
                while when >= next_upload:
                    yield from self._upload(batch, next_upload, late_day)
                    batch, next_upload = [], next_upload + DAY
                batch.append((order, item))
                continue
            outage = next((o for o in outages if o[0] <= when < o[1]), None)
            yield (outage[1] if outage else when), order, item
        if batch and next_upload < c.end:
            yield from self._upload(batch, next_upload, late_day)

    def _upload(self, batch, at: datetime, late_day):
        delay = timedelta(hours=18) if late_day is not None and _midnight(at) == late_day else timedelta(0)
        for order, item in batch:
            if at + delay < self.config.end:
                yield at + delay, order, item

    @staticmethod
    def _use(medium: str, moment: datetime, step: timedelta, activity: float, away: bool, rng: Random) -> float:
        local = _local(moment)
        hours = step / HOUR
        factor = activity * _season(moment) * (0.15 if away and is_statutory_holiday(local.date()) else 1.0)
        if medium == MeterMedium.ELECTRICITY:
            return (0.15 + 0.8 * DAY_SHAPE[local.hour]) * factor * hours * rng.uniform(0.8, 1.2)
        # Draws of 5–30 L, no faster than a household's taps run together (about 1 m³/h).
        chance = min(1.0, DAY_SHAPE[local.hour] * 0.6 * hours)
        return min(rng.uniform(0.005, 0.03) * factor, HOUSEHOLD_WATER_M3_H * hours) if rng.random() < chance else 0.0


def _with_sequence(item: Reading, sequence: int) -> Reading:
    from dataclasses import replace

    return replace(item, sequence=sequence)


def simulate_families(config: SimulationConfig) -> FamilySimulation:
    return FamilySimulation(config)
