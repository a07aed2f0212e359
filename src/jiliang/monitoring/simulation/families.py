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
- TK  stations whose nozzles draw from tanks with an automatic tank gauge read every 5–30 minutes
      (gross volume at the fuel's temperature): the fuel warms and cools with the day, deliveries of
      a tanker compartment take half an hour while the station goes on selling, and each
      dispenser's meter is off by a little within its tolerance.
- CH  charging piles: sessions (fast DC piles in the day, slow AC piles overnight, busier over the
      holidays) with meter values every few minutes and a session record with its tariff periods,
      an hourly heartbeat with the pile's clock, idle at night, now and then a firmware update that
      restarts the energy register; the site's main meter every 15 minutes measures what the piles
      draw (conversion losses included), their standby and the canopy lights at night.

Event-driven dispensers report their components' identities (main board, encoder, software hash)
with the daily heartbeat, and a change of K-factor (pulse equivalent) when it is set.

Consumption follows the hour of day, the season and the statutory holidays (households away).
Benign anomalies, which must raise nothing: a station closed over a statutory holiday, a pump price
change at midnight, a power cut of 1–8 hours with recovery, a meter whose cadence changes, a batch
uploaded up to a day late, a delivery while the station sells, a pile's firmware update, a meter
exchanged by the utility (its register restarts, the work order is recorded), one battery-low flag
on a cold night, an appliance's earth leakage, a meter due for exchange a month after the run, a
verifier re-adjusting a drifted K-factor under a verification work order, an encoder replaced by the
service company and initialised by the regulator, a car that takes a fast pile's full rated power. Faults
(labelled with the rule that should see them): a collector or meter offline for days (FD-12, MT-09),
a batch upload that stops (MT-09), a pulse/volume mismatch (FD-02), an amount above price × volume
(FD-06), a clock that jumps (MT-04), a water meter that stands still while the building lives
(MT-01), a meter bypassed so that it sees a fraction of the use (MT-07), water siphoned back through a
failed check valve at night or an electricity meter's wires swapped (MT-02), a magnet on the meter on
some nights (MT-03), a leak (MT-05), a corrupted register digit (MT-06), a bridged phase wire (MT-08), a
service life that ended (MT-10), a worn battery (MT-11), a leaking tank (FD-07), a
dispenser that delivers less than it shows (FD-08), a pile billing more energy than its module
measured (CP-01) or charging a service fee above the posted one (CP-02), a pile clock that lost its
time sync (CP-03), meter values that stop during sessions (CP-06), an energy register that restarts
with no firmware update (CP-07); a K-factor lowered for some hours with no work order (FD-01), an
encoder swapped with no initialisation (FD-03), a pulse injector (FD-04), sales kept off the record
while the totaliser counts them (FD-05), a clogging filter (FD-09), a dispenser's certificate that
runs out in the run (FD-10), a seal broken (FD-11), a fuel temperature sensor stuck at the end of
its range (FD-13), a pile whose session record gives a late start (CP-04), a load nobody bills behind
a charging site's main meter (CP-05), a pile's certificate run out or running out (CP-08). The long-window faults (MT-01, MT-07, FD-08) last until the end of
the run, as such faults do; whether the run is long enough to see them is the report's to say.

Physics, not rules: the tank side converts volumes with the 20 °C volume correction of the
standard's data file (references.volume_correction, GB/T 1885), the way the fuel itself expands.

Items come out in arrival order: a late batch is yielded when it arrives, with its readings' own
times, which is how the ingest meets it.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from random import Random
from typing import Iterator

from jiliang.monitoring.rules.chargers import CHARGER_MAIN_METER
from jiliang.monitoring.rules.common import CHINA_STANDARD_TIME, add_months
from jiliang.monitoring.rules.holidays import is_statutory_holiday
from jiliang.monitoring.rules.thresholds import load_document
from jiliang.monitoring.rules.types import (
    ChargerMeterValue,
    ChargerSession,
    ComponentIdentity,
    DeviceEvent,
    DeviceKind,
    DeviceProfile,
    DispenserTransaction,
    Heartbeat,
    MeterMedium,
    MeterReading,
    ParameterChange,
    Reading,
    TankDelivery,
    TankReading,
    TariffPeriod,
    EventCode,
    WorkOrder,
    WorkOrderKind,
)
from jiliang.monitoring.rules.volume_correction import VolumeCorrection
from jiliang.monitoring.simulation.city import BAZHONG_DIVISIONS, City, Site, SimulationConfig
from jiliang.monitoring.simulation.faults import Label

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
FAMILIES = {"EH": "event-driven + daily heartbeat", "FC": "fixed cadence 1-60 min",
            "BL": "hourly reads, batch upload hours late", "DC": "drifting clocks",
            "TK": "tank gauges 5-30 min, deliveries while selling", "CH": "charging piles, sessions + meter values"}
PRICES = {"92#": 7.38, "95#": 7.86, "0#": 7.05}
NOZZLE_PRODUCTS = ("92#", "92#", "95#", "0#")
# Relative sales (and household activity) per local hour; a 24-hour station sells little at night.
HOUSEHOLD_WATER_M3_H = 1.0
METERS_PER_BUILDING = 10  # households of a building behind one concentrator (the site's gateway)
# Density at 20 °C of the grades (kg/m³), and the 20 °C volume correction of GB/T 1885: how fuel expands.
DENSITY_20 = {"92#": 725.0, "95#": 737.0, "0#": 835.0}
CORRECTION = VolumeCorrection.from_reference(load_document()["references"]["volume_correction"])
# Time-of-use energy prices (yuan/kWh) of the charging sites: valley 23–7, peak 10–12 and 14–19, flat otherwise.
ENERGY_PRICE = {h: 0.30 if h >= 23 or h < 7 else 0.95 if 10 <= h < 12 or 14 <= h < 19 else 0.62 for h in range(24)}
# Faults of an event-driven station's nozzles and of a pile, planted in turn (FD-10 and CP-08 are a
# certificate that runs out; FD-09 a clogged filter, on the grade most nozzles sell).
NOZZLE_FAULTS = ("FD-12", "FD-02", "FD-06", "FD-01", "FD-03", "FD-04", "FD-05", "FD-09", "FD-10", "FD-11", "FD-13")
PILE_FAULTS = ("CP-01", "CP-02", "CP-03", "CP-04", "CP-06", "CP-07", "CP-08")
# Rules that see the same fault legitimately: injected pulses speed the nozzle up against its
# siblings; a tampered K shows in the pulses once the verified K is known; a pile that bills more
# energy than it measured can bill more than its rated power allows.
FAULT_RELATED = {"FD-04": ("FD-09",), "FD-01": ("FD-02",), "CP-01": ("CP-04",)}
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


def _sale_times(rng: Random, start: datetime, end: datetime, rate: float, opening_hours) -> list[datetime]:
    """Sales of one nozzle: a thinned Poisson process at `rate` sales an hour times the hour's shape."""
    times, moment = [], start
    while True:
        moment += timedelta(hours=rng.expovariate(rate * 1.7))
        if moment >= end:
            return times
        local = _local(moment)
        if opening_hours is not None and not opening_hours[0] <= local.hour < opening_hours[1]:
            continue
        if rng.random() <= DAY_SHAPE[local.hour] / 1.7:
            times.append(moment)


def _inside(spans: list[tuple[datetime, datetime]], moment: datetime) -> bool:
    return any(a <= moment < b for a, b in spans)


@dataclass
class _MeterPlan:
    """What happens to one meter over the period: its fault (labelled) and its benign anomalies."""

    leakage_a: float = 0.0  # an appliance's earth leakage, under the 30 mA of the home's residual-current device
    outages: list = field(default_factory=list)  # power cuts: readings kept, sent after
    fault: str | None = None
    span: tuple | None = None  # the fault's span
    share: float = 1.0  # the part of the use the register sees (MT-01, MT-07 in the span; MT-03 under the magnet)
    clock_jump_s: float = 0.0  # MT-04
    magnets: list = field(default_factory=list)  # MT-03: (start, end) of each night the magnet is on
    leak_m3_h: float = 0.0  # MT-05
    backflows: list = field(default_factory=list)  # MT-02 (water): (start, end, m³ drawn back)
    corruption: float = 0.0  # MT-06: the value of the corrupted digit
    corruption_stays: bool = False  # in the stored register, or in one sent reading
    bypass_share: float = 1.0  # MT-08: the part of the phase current that still passes the meter
    exchange: datetime | None = None  # benign: the utility exchanges the meter and records a work order
    battery_glitch: datetime | None = None  # benign: one report's battery sag


@dataclass
class _MeterState:
    register: float
    reverse: float | None  # the reverse register of an electricity meter


# Service lives by law, not by the rules' data (JJG 162-2019 water meters; class 2 electricity meters).
SERVICE_LIFE_YEARS = {MeterMedium.WATER: 6, MeterMedium.ELECTRICITY: 8}


def _meter_faults(family: str, medium: str) -> tuple[str, ...]:
    """What can go wrong with a meter of the family: any meter can be tampered with, corrupt its register
    or outlive its service life; only water meters leak, stand still unnoticed or run on batteries, only
    electricity meters have a phase wire to bridge."""
    own = {"FC": ("MT-09", "MT-07"), "BL": ("MT-09",), "DC": ("MT-04",)}[family]
    water = ("MT-05", "MT-11", "MT-01") if family == "FC" else ("MT-05", "MT-11")
    return own + ("MT-02", "MT-03", "MT-06", "MT-10") + (water if medium == MeterMedium.WATER else ("MT-08",))


def _years_before(day, years: int):
    return add_months(day, -12 * years)


def _measured_current(amperes: float, rng: Random) -> float:
    """A meter's current reading: about 0.5 % of the value and a couple of milliamperes off."""
    return round(max(0.0, amperes * (1 + rng.gauss(0, 0.005)) + rng.gauss(0, 0.002)), 3)


@dataclass
class _Plan:
    """What happens to one nozzle over the period: spans (start, end) of its anomalies and faults."""

    offline: list  # the collector is down: sales go on, are kept and sent when it is back
    closed: list  # closed for a holiday, or a power cut: no sales, no heartbeat
    fault: str | None = None
    span: tuple | None = None  # (start, end) of the fault
    adjustment: datetime | None = None  # a verifier re-adjusts the K-factor under a work order
    repair: datetime | None = None  # the encoder replaced, the regulator initialises it


class FamilySimulation:
    """Same shape as simulation.Simulation: config, city, profiles, labels, readings()."""

    def __init__(self, config: SimulationConfig):
        self.config = config
        self.faults = ()
        self.labels: list[Label] = []
        self._makers: list = []
        self._planted: dict[str, int] = {}
        sites: list[Site] = []
        profiles: dict[str, DeviceProfile] = {}
        rng = Random(f"families:{config.seed}")
        tank_stations = config.stations // 2
        for s in range(config.stations - tank_stations):
            site_id = f"EH{s:03d}"
            sites.append(Site(site_id, "station", BAZHONG_DIVISIONS[s % len(BAZHONG_DIVISIONS)]))
            self._station(site_id, rng, profiles)
        for s in range(tank_stations):
            site_id = f"TK{s:03d}"
            sites.append(Site(site_id, "station", BAZHONG_DIVISIONS[s % len(BAZHONG_DIVISIONS)]))
            self._tank_station(site_id, profiles)
        for s in range(config.charging_sites):
            site_id = f"CH{s:03d}"
            sites.append(Site(site_id, "charging", BAZHONG_DIVISIONS[s % len(BAZHONG_DIVISIONS)]))
            self._charging_site(site_id, profiles)
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

    def _calendar(self, rng: Random) -> tuple[tuple[int, int] | None, list, list]:
        """A station's opening hours (None: day and night), its holiday closures and power cuts."""
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
        return hours, closed, power_cuts

    def _planted_kind(self, rng: Random, kinds: tuple[str, ...]) -> str:
        """The kind planted least so far (ties drawn): a small run gets each kind in turn."""
        kind = min(kinds, key=lambda k: (self._planted.get(k, 0), rng.random()))
        self._planted[kind] = self._planted.get(kind, 0) + 1
        return kind

    def _station(self, site_id: str, rng: Random, profiles: dict) -> None:
        c = self.config
        hours, closed, power_cuts = self._calendar(rng)
        price_change = _midnight(c.start + (c.end - c.start) * rng.uniform(0.2, 0.8)) if rng.random() < 0.5 else None
        price_step = rng.choice([-0.12, -0.08, 0.07, 0.11])
        flow_model = rng.uniform(30, 42)  # L/min of the dispensers' pump model
        for d in range(rng.randint(2, 4)):
            nozzles, overdue = [], False
            for n, product in enumerate(NOZZLE_PRODUCTS):
                code = f"{site_id}-D{d}N{n}"
                last = c.start.date() - timedelta(days=rng.randint(20, 120))  # six-monthly, not due in the run
                profiles[code] = DeviceProfile(
                    code, DeviceKind.NOZZLE, site_id, product=product, qmax=50.0, qmin=5.0, opening_hours=hours,
                    report_interval=DAY, last_verified=last, valid_until=last + timedelta(days=182))
                nrng = Random(f"{c.seed}:{code}")
                # A clogged filter shows only against nozzles of the same grade: the grade most nozzles sell.
                kinds = NOZZLE_FAULTS if product == "92#" else tuple(k for k in NOZZLE_FAULTS if k != "FD-09")
                # Eleven kinds on the few event-driven stations of a run: most of their nozzles have one.
                fault = self._planted_kind(nrng, kinds) if nrng.random() < c.fault_rate * 5 else None
                overdue = overdue or fault == "FD-10"
                plan = self._nozzle_plan(code, nrng, None if fault == "FD-10" else fault, closed, power_cuts)
                nozzles.append(code)
                self._makers.append(lambda code=code, nrng=nrng, plan=plan, product=product,
                                    flow=flow_model * nrng.uniform(0.97, 1.03), rate=nrng.uniform(1.0, 5.0):
                                    self._nozzle(code, nrng, profiles[code], plan, product, flow, rate, price_change, price_step))
            if overdue:
                self._overdue_dispenser(nozzles, rng, profiles)

    def _overdue_dispenser(self, nozzles: list[str], rng: Random, profiles: dict) -> None:
        """FD-10: the dispenser's six-monthly certificate runs out in the run and no verification is
        booked; its nozzles are one instrument, so all of them are overdue from the next day."""
        c = self.config
        due = c.start.date() + timedelta(days=rng.randint(1, max(1, (c.end - c.start).days - 2)))
        overdue_from = datetime.combine(due + timedelta(days=1), datetime.min.time(), CHINA_STANDARD_TIME)
        for code in nozzles:
            profiles[code] = replace(profiles[code], last_verified=due - timedelta(days=182), valid_until=due)
            self.labels.append(Label(code, "FD-10", overdue_from, c.end))

    def _nozzle_plan(self, code: str, rng: Random, fault: str | None, closed: list, power_cuts: list) -> _Plan:
        """When the nozzle's fault acts (labelled), and its benign visits: a verifier re-adjusting the
        K-factor under a work order, the service company replacing the encoder that the regulator
        then initialises."""
        c = self.config
        offline, span, label = [], None, None
        if fault == "FD-12":
            span = _operating_span(rng, c.start, c.end - 2 * DAY, 3 * DAY, 6 * DAY, closed)
            offline.append(span)
        elif fault in ("FD-03", "FD-09"):  # a swapped encoder, a clogging filter: until someone acts
            span = (_operating_span(rng, c.start + DAY, c.end - 3 * DAY, HOUR, HOUR, closed)[0], c.end)
        elif fault == "FD-11":
            moment = _operating_span(rng, c.start + DAY, c.end - DAY, timedelta(0), timedelta(0), closed + power_cuts)[0]
            span = (moment, moment)
        elif fault in ("FD-01", "FD-04", "FD-05", "FD-13"):  # hours of a working day, while the station sells
            start, _ = _operating_span(rng, c.start + DAY, c.end - DAY, timedelta(0), timedelta(0), closed + power_cuts)
            start = _local(start).replace(hour=9 + rng.randint(0, 7), microsecond=0)
            span = (start, (start + timedelta(hours=rng.uniform(2, 6))).replace(microsecond=0))
        elif fault:
            span = _operating_span(rng, c.start + DAY, c.end - DAY, DAY, 3 * DAY, closed)
        if fault:
            label = Label(code, fault, *span, related=FAULT_RELATED.get(fault, ()))
            self.labels.append(label)
        visit = _operating_span(rng, c.start + DAY, c.end - DAY, timedelta(0), timedelta(0), closed + power_cuts)[0]
        visit = _local(visit).replace(hour=9 + rng.randint(0, 6), microsecond=0)
        adjustment = visit if fault != "FD-01" and rng.random() < 0.2 else None
        repair = visit if fault != "FD-03" and adjustment is None and rng.random() < 0.15 else None
        return _Plan(offline=offline, closed=closed + power_cuts, fault=fault, span=span, adjustment=adjustment, repair=repair)

    def _nozzle_events(self, rng: Random, profile: DeviceProfile, plan: _Plan, rate: float, price_change) -> list:
        """(kind, time, detail) of a nozzle in time order: sales, daily heartbeats (with the
        components' identities), a price change, K-factor changes, work orders, a seal broken."""
        c = self.config
        next_beat = _midnight(c.start) + timedelta(hours=rng.uniform(0, 24))
        while next_beat < c.start:
            next_beat += DAY
        events: list = [("sale", moment, None) for moment in _sale_times(rng, c.start, c.end, rate, profile.opening_hours)]
        while next_beat < c.end:
            events.append(("beat", next_beat, None))
            next_beat += DAY
        if price_change is not None:
            events.append(("price", price_change, None))
        if plan.fault == "FD-01":  # the pulse equivalent lowered (more litres shown per pulse), put back later
            events += [("k", plan.span[0], rng.uniform(0.97, 0.99)), ("k", plan.span[1], None)]
        elif plan.fault == "FD-11":
            events.append(("seal", plan.span[0], EventCode.SEAL_BROKEN))
        elif plan.fault == "FD-03":
            events.append(("swap", plan.span[0], "X"))  # a part from elsewhere, no regulator called
        if plan.adjustment is not None:  # the verifier opens the work order on arrival, adjusts after testing
            events += [("order", plan.adjustment - timedelta(minutes=rng.randint(20, 90)), WorkOrderKind.VERIFICATION),
                       ("k", plan.adjustment, None)]
        if plan.repair is not None:
            events += [("swap", plan.repair, "R"),
                       ("order", plan.repair + timedelta(minutes=rng.randint(20, 90)), WorkOrderKind.INITIALISATION)]
        events.sort(key=lambda e: e[1])
        return events

    def _nozzle(self, code, rng, profile, plan: _Plan, product, flow, rate, price_change, price_step):
        """(arrival, order, item) of one nozzle: Poisson sales, a daily heartbeat, buffered while offline.

        The encoder gives k pulses a litre; the dispenser shows pulses / its set K-factor, and reports
        that K. A nozzle a verifier will visit has drifted a little from k; the visit sets k again."""
        k = round(rng.uniform(98, 102), 2)
        k_set = k if plan.adjustment is None else round(k * (1 + rng.choice([-1, 1]) * rng.uniform(0.002, 0.004)), 2)
        totaliser, sequence, order = round(rng.uniform(1e5, 1e6), 2), 0, 0
        fault, span = plan.fault, plan.span
        injection, hidden, stuck_at = rng.uniform(1.5, 2.2), rng.uniform(0.3, 0.7), rng.choice([-50.0, 99.9, 150.0])
        clogged = rng.uniform(0.6, 0.8)  # of the flow the pump gives through a clean filter
        encoder = f"ENC-{rng.randrange(16**8):08X}"
        board, software = f"MB-{rng.randrange(16**6):06X}", f"{rng.randrange(16**16):016x}"
        held: list = []
        price = PRICES[product]
        for kind, moment, detail in self._nozzle_events(rng, profile, plan, rate, price_change):
            if kind == "price":
                price = round(price + price_step, 2)
                continue
            if kind == "swap":
                encoder = f"ENC-{detail}{rng.randrange(16**7):07X}"
                continue
            offline = next((o for o in plan.offline if o[0] <= moment < o[1]), None)
            if kind == "order":
                items = [WorkOrder(code, moment.replace(microsecond=0), detail)]
            elif _inside(plan.closed, moment) or (kind == "beat" and offline is not None):
                continue
            elif kind == "beat":
                items = [Heartbeat(code, 0, moment, moment)] + [
                    ComponentIdentity(code, 0, moment, component, identity)
                    for component, identity in (("main_board", board), ("encoder", encoder), ("software", software))]
            elif kind == "k":
                new = round(k * detail, 2) if detail is not None else k
                items, k_set = [ParameterChange(code, 0, moment.replace(microsecond=0), "k_factor", k_set, new)], new
            elif kind == "seal":
                items = [DeviceEvent(code, 0, moment.replace(microsecond=0), detail)]
            else:
                in_fault = fault is not None and span[0] <= moment < span[1]
                delivered = round(min(max(rng.lognormvariate(3.3, 0.55), 2.0), 120.0), 2)
                speed = flow * (clogged if fault == "FD-09" and in_fault else 1.0)
                duration = round(delivered / (speed * (1 + rng.gauss(0, 0.04))) * 60, 1)
                shown = delivered * k / k_set * (injection if in_fault and fault == "FD-04" else 1.0)
                volume = round(shown, 2)
                pulses = round(volume * k_set / (1.01 if in_fault and fault == "FD-02" else 1.0))
                amount = round(price * volume * (1.012 if in_fault and fault == "FD-06" else 1.0), 2)
                start, totaliser = totaliser, round(totaliser + volume, 2)
                temperature = stuck_at if in_fault and fault == "FD-13" else round(rng.gauss(18, 3), 1)
                if in_fault and fault == "FD-05" and rng.random() < hidden:
                    continue  # a sale kept off the record: the totaliser counts it all the same
                items = [DispenserTransaction(code, 0, moment, duration, volume, pulses, k_set, price, amount, start, totaliser,
                                              temperature)]
            for item in items:
                order += 1
                if not isinstance(item, WorkOrder):
                    sequence += 1
                    item = _with_sequence(item, sequence)
                if offline is not None and not isinstance(item, WorkOrder):
                    held.append((offline[1], order, item))  # sent when the collector is back
                    continue
                while held and held[0][0] <= moment:
                    yield held.pop(0)
                yield moment, order, item
        yield from held

    # Stations with tank gauges ------------------------------------------------------------------

    def _tank_station(self, site_id: str, profiles: dict) -> None:
        """Tanks with an automatic gauge, each feeding two to four nozzles of its product."""
        c = self.config
        srng = Random(f"{c.seed}:{site_id}")
        hours, closed, power_cuts = self._calendar(srng)
        cadence = timedelta(minutes=srng.choice([5, 10, 15, 30]))  # the station's gauge polling
        flow_model = srng.uniform(30, 42)  # L/min of the dispensers' pump model
        tanks, flows = [], {}
        for product in srng.sample(sorted(PRICES), srng.randint(2, 3)):
            tank = f"{site_id}-T{product.rstrip('#')}"
            profiles[tank] = DeviceProfile(tank, DeviceKind.TANK, site_id, product=product,
                                           density_20_kg_m3=DENSITY_20[product] + srng.uniform(-4, 4), report_interval=cadence)
            nozzles = []
            for n in range(srng.randint(2, 4)):
                code = f"{tank}-N{n}"
                last = c.start.date() - timedelta(days=srng.randint(20, 120))
                profiles[code] = DeviceProfile(
                    code, DeviceKind.NOZZLE, site_id, product=product, tank_id=tank, qmax=50.0, qmin=5.0, opening_hours=hours,
                    report_interval=DAY, last_verified=last, valid_until=last + timedelta(days=182))
                nozzles.append(code)
                flows[code] = flow_model * srng.uniform(0.97, 1.03)
            tanks.append((tank, nozzles, self._tank_fault(tank, nozzles)))
        self._makers.append(lambda: self._tank_station_items(profiles, tanks, flows, cadence, closed + power_cuts, power_cuts))

    def _tank_fault(self, tank: str, nozzles: list[str]) -> tuple[Random, datetime | None, float | None, dict[str, float]]:
        """The tank's own random generator and its fault, labelled: a leak (from, litres an hour) or a
        nozzle that delivers short of what it shows (nozzle -> share)."""
        c = self.config
        trng = Random(f"{c.seed}:{tank}")
        fault = trng.choice(["FD-07", "FD-08"]) if trng.random() < c.fault_rate * 4 else None
        leak_from = leak_rate = None
        short = {}
        if fault == "FD-07":
            leak_from = _operating_span(trng, c.start + DAY, c.end - 2 * DAY, DAY, DAY, [])[0]
            leak_rate = trng.uniform(8, 40)  # L/h: a corroded fill pipe, a loose fitting under the pump
            self.labels.append(Label(tank, "FD-07", leak_from, c.end))
        elif fault == "FD-08":
            tampered = trng.choice(nozzles)
            short[tampered] = trng.uniform(0.015, 0.04)  # adjusted before the run, stays so
            # The tank gains against its book what the nozzle keeps back: FD-07 may see it there.
            self.labels.append(Label(tampered, "FD-08", c.start, c.end, related=("FD-07",), related_devices=(tank,)))
        return trng, leak_from, leak_rate, short

    def _tank_station_items(self, profiles, tanks, flows, cadence, closed, power_cuts):
        """(arrival, order, item) of a tank station: every sale, heartbeat, gauge reading and delivery.

        The tank holds litres at 20 °C; a sale takes what the nozzle really delivered (its meter is off
        by a little), a leak takes its litres an hour, a delivery adds a tanker compartment over half
        an hour at the air's temperature; the gauge reads the gross volume at the fuel's temperature."""
        c, items = self.config, []
        for tank, nozzles, (trng, leak_from, leak_rate, short) in tanks:
            sales = []  # (time, nozzle, displayed volume, delivered volume, fuel temperature offset)
            for code in nozzles:
                nrng = Random(f"{c.seed}:{code}")
                bias = nrng.uniform(-0.0015, 0.0015) - short.get(code, 0.0)  # within the dispenser's tolerance
                rate = nrng.uniform(1.0, 4.0)
                for moment in _sale_times(nrng, c.start, c.end, rate, profiles[code].opening_hours):
                    if not _inside(closed, moment):
                        volume = round(min(max(nrng.lognormvariate(3.3, 0.55), 2.0), 120.0), 2)
                        sales.append((moment, code, volume, volume * (1 + bias), nrng.gauss(0.3, 0.3)))
            sales.sort(key=lambda sale: sale[0])
            gauged, temperatures = self._tank_items(tank, trng, profiles[tank], sales, cadence, power_cuts, leak_from, leak_rate)
            items += gauged + self._tank_nozzle_items(nozzles, flows, profiles[tank].product, sales, temperatures, closed)
        items.sort(key=lambda item: item.time)
        for order, item in enumerate(items):
            yield item.time, order, _with_sequence(item, order + 1)

    def _tank_items(self, tank, rng, profile, sales, cadence, power_cuts, leak_from, leak_rate) -> tuple[list, list]:
        """The gauge's readings and delivery records, and the fuel's temperature at each sale."""
        c, rho20 = self.config, profile.density_20_kg_m3
        capacity = rng.choice([20_000.0, 30_000.0, 40_000.0])
        reorder_at = capacity * rng.uniform(0.25, 0.35)
        ground = rng.uniform(16, 20)
        stock, temperature = capacity * rng.uniform(0.5, 0.9), ground  # litres at 20 °C, °C
        items, temperatures, sale = [], [], 0
        delivery = None  # (start, end, litres at 20 °C, temperature of the delivered fuel)
        moment = (c.start + cadence * rng.random()).replace(microsecond=0)  # the gauge stamps whole seconds
        step = timedelta(minutes=1)
        cursor = c.start
        while moment < c.end:
            # Everything between the last reading and this one, a minute at a time.
            while cursor < moment:
                nxt = min(cursor + step, moment)
                while sale < len(sales) and sales[sale][0] < nxt:
                    _time, _code, _shown, delivered, warmer = sales[sale]
                    temperatures.append(round(temperature + warmer, 1))
                    stock -= CORRECTION.volume_at_20(delivered, temperature + warmer, rho20)
                    sale += 1
                hours = (nxt - cursor) / HOUR
                if leak_from is not None and nxt > leak_from:
                    stock -= leak_rate * hours
                swing = 0.3 * math.sin(2 * math.pi * (_local(cursor).hour - 10) / 24)
                temperature += (ground + swing - temperature) * (1 - math.exp(-hours / 36))
                if delivery is None and stock < reorder_at:
                    arrives = (cursor + timedelta(hours=rng.uniform(2, 6))).replace(microsecond=0)
                    litres = round(min(capacity - stock - 1000, rng.choice([8_000.0, 10_000.0, 12_000.0, 15_000.0])))
                    unloading = timedelta(seconds=round(rng.uniform(20, 45) * 60))
                    delivery = (arrives, arrives + unloading, litres, ground + rng.gauss(3, 3))
                if delivery is not None and cursor < delivery[1] and nxt > delivery[0]:
                    share = (min(nxt, delivery[1]) - max(cursor, delivery[0])) / (delivery[1] - delivery[0])
                    added = delivery[2] * share
                    temperature = (stock * temperature + added * delivery[3]) / (stock + added)
                    stock += added
                    if nxt >= delivery[1]:
                        # The gauge's delivery record, with the note's volume at 20 °C.
                        note = round(delivery[2] * (1 + rng.gauss(0, 0.0005)))
                        items.append(TankDelivery(tank, 0, delivery[1], note))
                        delivery = None
                cursor = nxt
            if not _inside(power_cuts, moment):
                gross = stock / CORRECTION.vcf20(temperature, rho20)
                items.append(TankReading(tank, 0, moment, round(gross + rng.gauss(0, 0.5), 1),
                                         round(temperature + rng.gauss(0, 0.02), 2)))
            moment += cadence
        while sale < len(sales):  # sales after the last reading
            temperatures.append(round(temperature + sales[sale][4], 1))
            sale += 1
        return items, temperatures

    def _tank_nozzle_items(self, nozzles, flows, product, sales, temperatures, closed) -> list:
        """The nozzles' side of the same sales: what each one displays, and a daily heartbeat."""
        c, items = self.config, []
        for code in nozzles:
            nrng = Random(f"{c.seed}:{code}:reports")
            k, flow = round(nrng.uniform(98, 102), 2), flows[code]
            totaliser = round(nrng.uniform(1e5, 1e6), 2)
            beat = _midnight(c.start) + timedelta(hours=nrng.uniform(0, 24))
            events = [(moment, volume, fuel) for (moment, nozzle, volume, _delivered, _warmer), fuel in zip(sales, temperatures)
                      if nozzle == code]
            while beat < c.end:
                if beat >= c.start and not _inside(closed, beat):
                    events.append((beat, None, None))
                beat += DAY
            events.sort(key=lambda e: e[0])
            price = PRICES[product]
            for moment, volume, fuel in events:
                if volume is None:
                    items.append(Heartbeat(code, 0, moment, moment))
                    continue
                start, totaliser = totaliser, round(totaliser + volume, 2)
                items.append(DispenserTransaction(
                    code, 0, moment, round(volume / (flow * (1 + nrng.gauss(0, 0.04))) * 60, 1), volume,
                    round(volume * k), k, price, round(price * volume, 2), start, totaliser, fuel))
        return items

    # Charging piles -----------------------------------------------------------------------------

    def _charging_site(self, site_id: str, profiles: dict) -> None:
        """A public fast-charging site (DC piles, busy in the day) or a residential one (AC piles
        overnight), fed through the grid company's main meter."""
        c = self.config
        srng = Random(f"{c.seed}:{site_id}")
        fast = srng.random() < 0.6
        fee = round(srng.uniform(0.4, 0.8), 2)  # the posted service fee, yuan/kWh
        piles = []
        for p in range(c.chargers_per_site):
            code = f"{site_id}-P{p:02d}"
            last = c.start.date() - timedelta(days=srng.randint(60, 300))
            profiles[code] = DeviceProfile(
                code, DeviceKind.CHARGER, site_id, rated_power_kw=srng.choice([60.0, 120.0]) if fast else 7.0,
                accuracy_class="1" if fast else "2", report_interval=HOUR, last_verified=last, valid_until=last + timedelta(days=365))
            rng = Random(f"{c.seed}:{code}")
            fault = self._planted_kind(rng, PILE_FAULTS) if rng.random() < c.fault_rate * 3 else None
            span = None
            if fault == "CP-07":
                reset = (c.start + (c.end - c.start - 2 * DAY) * rng.uniform(0.1, 0.9)).replace(microsecond=0)
                span = (reset, reset + 2 * DAY)
            elif fault == "CP-08":  # the certificate ran out or runs out within the month; no verification booked
                due = c.start.date() + timedelta(days=rng.randint(-40, max(0, (c.end - c.start).days - 1)))
                profiles[code] = replace(profiles[code], last_verified=due - timedelta(days=365), valid_until=due)
                span = (c.start, c.end)
            elif fault:
                span = _interval(rng, c.start + DAY, c.end - DAY, DAY, 3 * DAY)
            if span:
                self.labels.append(Label(code, fault, *span, related=FAULT_RELATED.get(fault, ())))
            piles.append((code, rng, fault, span))
        main = f"{site_id}-MM"
        rated = sum(profiles[code].rated_power_kw for code, *_ in piles)
        profiles[main] = DeviceProfile(
            main, DeviceKind.METER, site_id, medium=MeterMedium.ELECTRICITY, role=CHARGER_MAIN_METER, accuracy_class="1",
            qmax=round(1.5 * rated + 50, 1), register_resolution=0.01, report_interval=15 * MINUTE,
            installed_on=c.start.date() - timedelta(days=srng.randint(200, 1500)))
        unbilled = None
        if srng.random() < c.fault_rate * 4:  # a neighbour's workshop or the operator's own fleet on the site's supply
            since = (c.start + (c.end - c.start - 5 * DAY) * srng.uniform(0.1, 0.9)).replace(microsecond=0)
            unbilled = (since, srng.uniform(8, 20))
            self.labels.append(Label(main, "CP-05", since, c.end))
        self._makers.append(lambda: self._charging_site_items(profiles, piles, fast, fee, main, unbilled, srng))

    def _charging_site_items(self, profiles, piles, fast: bool, fee: float, main: str, unbilled, rng: Random):
        """(arrival, order, item) of a charging site: its piles' items and its main meter's readings."""
        items, draws = [], []
        efficiency = rng.uniform(0.94, 0.96) if fast else rng.uniform(0.98, 0.99)  # AC/DC conversion, cables
        standby = len(piles) * (rng.uniform(0.03, 0.08) if fast else rng.uniform(0.005, 0.01))  # kW: fans, screens
        for code, prng, fault, span in piles:
            pile_items, sessions = self._pile_items(code, prng, profiles[code], fast, fee, fault, span)
            items += pile_items
            draws += [(start, end, kw / efficiency) for start, end, kw in sessions]
        items += self._main_meter_items(main, rng, draws, standby, unbilled)
        items.sort(key=lambda item: item.time)
        for order, item in enumerate(items):
            yield item.time, order, _with_sequence(item, order + 1)

    def _main_meter_items(self, code: str, rng: Random, draws: list, standby_kw: float, unbilled) -> list:
        """The main meter every 15 minutes: what the piles draw while they charge, their standby,
        the canopy lights at night, and a load nobody bills when there is one."""
        c, step = self.config, 15 * MINUTE
        lights_kw = rng.uniform(0.2, 0.6)
        register, moment = round(rng.uniform(1e4, 1e6), 2), (c.start + step * rng.random()).replace(microsecond=0)
        draws = sorted(draws)
        done, active, index, items = 0.0, [], 0, []
        while moment < c.end:
            while index < len(draws) and draws[index][0] < moment:
                active.append(draws[index])
                index += 1
            done += sum(kw * (end - start) / HOUR for start, end, kw in active if end <= moment)
            active = [draw for draw in active if draw[1] > moment]
            running = sum(kw * (moment - start) / HOUR for start, end, kw in active)
            hour = _local(moment).hour
            register += (standby_kw + (lights_kw if hour >= 18 or hour < 7 else 0.0)
                         + (unbilled[1] if unbilled and moment > unbilled[0] else 0.0)) * step / HOUR
            items.append(MeterReading(code, 0, moment, round(register + done + running, 2)))
            moment += step
        return items

    def _pile_items(self, code: str, rng: Random, profile: DeviceProfile, fast: bool, fee: float, fault, span) -> tuple[list, list]:
        """A pile's items and its sessions as (start, end, kW delivered)."""
        c = self.config
        update = c.start + (c.end - c.start) * rng.random() if rng.random() < 0.3 else None  # a firmware update, register restarts
        sample = timedelta(seconds=rng.choice([120, 300]))  # the pile's meter value interval
        behind = timedelta(seconds=rng.uniform(300, 3600))  # how far its clock falls when it loses time sync
        reset = span[0] if fault == "CP-07" else None
        register, items, charged = round(rng.uniform(1e3, 5e4), 3), [], []
        moment, sessions = c.start, 0
        while True:
            moment += timedelta(hours=rng.expovariate(1.0))
            if moment >= c.end:
                break
            local = _local(moment)
            busy = (DAY_SHAPE[local.hour] / 1.7 * (1.4 if is_statutory_holiday(local.date()) else 1.0)) if fast \
                else (0.9 if local.hour >= 19 or local.hour < 1 else 0.05)
            if rng.random() > busy * (0.5 if fast else 0.25):
                continue
            if reset is not None and reset <= moment:
                register, reset = 0.0, None  # the metering module restarted from zero; nothing says why
            if update is not None and update <= moment:
                items.append(DeviceEvent(code, 0, moment.replace(microsecond=0), EventCode.FIRMWARE_UPDATE))
                register, update = 0.0, None
            # Now and then a car that takes all a fast pile gives.
            share = rng.uniform(0.97, 1.0) if fast and rng.random() < 0.1 else rng.uniform(0.45, 0.85) if fast else rng.uniform(0.85, 0.97)
            power = profile.rated_power_kw * share
            energy = rng.uniform(10, 45) if fast else rng.uniform(8, 40)
            end = moment + timedelta(hours=energy / power)
            if end >= c.end:
                break
            sessions += 1
            session_id = f"{code}-{sessions}"
            started, start_register = moment.replace(microsecond=0), register
            by_hour: dict[datetime, float] = {}
            stops = fault == "CP-06" and span[0] <= moment < span[1]
            value_at, values = started + sample, 0
            while value_at < end:
                register = round(start_register + power * ((value_at - started) / HOUR), 3)
                values += 1
                if not (stops and values > 2):  # a failing link drops the values after the first ones
                    items.append(ChargerMeterValue(code, 0, value_at, session_id, register))
                value_at += sample
            cursor = started
            while cursor < end:
                upto = min(end, cursor.replace(minute=0, second=0, microsecond=0) + HOUR)
                hour = _local(cursor).replace(minute=0, second=0, microsecond=0)
                by_hour[hour] = by_hour.get(hour, 0.0) + power * ((upto - cursor) / HOUR)
                cursor = upto
            end = end.replace(microsecond=0)
            charged.append((started, end, power))
            register = round(start_register + power * ((end - started) / HOUR), 3)
            module = round(register - start_register, 3)
            periods = _tariff_periods(by_hour, fee)
            faulty = fault is not None and span[0] <= end < span[1]
            charged_fee = fee + (rng.uniform(0.05, 0.3) if fault == "CP-02" and faulty else 0.0)
            amount = round(sum(p.energy_kwh * (p.energy_price + charged_fee) for p in periods), 2)
            billed = round(module * (rng.uniform(1.03, 1.08) if fault == "CP-01" and faulty else 1.0), 2)
            # A firmware fault opens the session record again when the car renegotiates: its start is late.
            reported = (started + (end - started) * rng.uniform(0.6, 0.85)).replace(microsecond=0) \
                if fault == "CP-04" and faulty else started
            items.append(ChargerSession(code, 0, end, session_id, reported, billed, module, amount, periods))
            moment = end
        beat = c.start + timedelta(minutes=rng.uniform(0, 60))
        offset = 0.0
        while beat < c.end:
            offset = (offset + rng.gauss(0, 0.3)) if _local(beat).hour else 0.0  # synced by the platform each midnight
            clock = beat + timedelta(seconds=offset) - (behind if fault == "CP-03" and span[0] <= beat < span[1] else timedelta(0))
            items.append(Heartbeat(code, 0, beat.replace(microsecond=0), clock.replace(microsecond=0)))
            beat += HOUR
        return items, charged

    # Meters -----------------------------------------------------------------------------------

    def _meter(self, family: str, site_id: str, code: str, profiles: dict) -> None:
        c = self.config
        mrng = Random(f"{c.seed}:{code}")
        medium = MeterMedium.ELECTRICITY if mrng.random() < 0.6 else MeterMedium.WATER
        cadence = {"FC": timedelta(minutes=mrng.randint(1, 60)), "BL": HOUR, "DC": 15 * MINUTE}[family]
        declared = DAY if family == "BL" else cadence
        installed = c.start.date() - timedelta(days=mrng.randint(100, 1500))
        plan = _MeterPlan(leakage_a=mrng.uniform(0.01, 0.028) if medium == MeterMedium.ELECTRICITY and mrng.random() < 0.3 else 0.0)
        if mrng.random() < 0.3:
            plan.outages.append(_interval(mrng, c.start, c.end, HOUR, 8 * HOUR))  # power cut: readings kept, sent after
        if mrng.random() < c.fault_rate * 3:
            plan.fault = mrng.choice(_meter_faults(family, medium))
        if plan.fault == "MT-10":  # the meter reached the end of its service life before or early in the run
            installed = _years_before(c.start.date() + timedelta(days=mrng.randint(-700, 20)), SERVICE_LIFE_YEARS[medium])
        elif mrng.random() < 0.1:  # benign: due for exchange a month or more after the run
            installed = _years_before(c.end.date() + timedelta(days=mrng.randint(35, 150)), SERVICE_LIFE_YEARS[medium])
        profiles[code] = DeviceProfile(
            code, DeviceKind.METER, site_id, medium=medium, accuracy_class="2" if medium == MeterMedium.ELECTRICITY else None,
            qmax=13.8 if medium == MeterMedium.ELECTRICITY else 3.125,
            register_resolution=0.01 if medium == MeterMedium.ELECTRICITY else 0.001, report_interval=declared,
            installed_on=installed)
        self.labels += self._plan_meter_fault(plan, mrng, code, family, medium, cadence)
        if plan.fault in (None, "MT-04", "MT-08") and mrng.random() < 0.12:  # benign: the utility exchanges the meter
            plan.exchange = _interval(mrng, c.start + DAY, c.end - DAY, timedelta(0), timedelta(0))[0].replace(hour=3)
        if medium == MeterMedium.WATER and plan.fault != "MT-11" and mrng.random() < 0.25:
            plan.battery_glitch = _interval(mrng, c.start, c.end, timedelta(0), timedelta(0))[0]  # one cold night's sag
        self._makers.append(lambda: self._meter_items(code, family, mrng, profiles[code], cadence, plan))

    def _plan_meter_fault(self, plan: "_MeterPlan", rng: Random, code: str, family: str, medium: str, cadence: timedelta) -> list[Label]:
        """The fault's parameters on the plan, and its labels (several for separate events)."""
        c, fault = self.config, plan.fault
        late = c.start + (c.end - c.start) * rng.uniform(0.15, 0.45)
        if fault == "MT-01":  # the register stands still (stuck or bypassed) until someone notices
            plan.span, plan.share = ((_midnight(c.start) + DAY * rng.uniform(1, 3)).replace(microsecond=0), c.end), 0.0
            return [Label(code, "MT-01", *plan.span, related=("MT-07",))]
        if fault == "MT-07":  # a bypass that lets most of the use past the meter, until the end
            plan.span, plan.share = (late.replace(microsecond=0), c.end), rng.uniform(0.15, 0.4)
            return [Label(code, "MT-07", *plan.span, related=("MT-01",))]
        if fault == "MT-09":  # a batch upload that stops stays stopped for days
            batched = family == "BL"
            plan.span = _interval(rng, c.start + DAY, c.end - DAY, 4 * DAY if batched else DAY, 6 * DAY if batched else 4 * DAY)
        elif fault == "MT-04":
            plan.span = ((c.start + DAY + (c.end - c.start - 3 * DAY) * rng.random()).replace(microsecond=0), c.end)
            plan.clock_jump_s = rng.uniform(600, 2400)
        elif fault == "MT-02":
            return self._plan_reverse_flow(plan, rng, code, medium, cadence)
        elif fault == "MT-03":  # a magnet on the meter on a few nights; its Hall sensor raises the flag each time
            first = _midnight(late) + timedelta(hours=rng.uniform(21, 23))
            plan.magnets = [(first + n * DAY, first + n * DAY + timedelta(hours=rng.uniform(2, 8))) for n in sorted(rng.sample(range(4), rng.randint(1, 3)))]
            plan.share = rng.uniform(0.0, 0.3)
            plan.span = (plan.magnets[0][0].replace(microsecond=0), plan.magnets[-1][1].replace(microsecond=0))
        elif fault == "MT-05":  # a running cistern or a dripping pipe, never repaired in the run
            plan.span, plan.leak_m3_h = (late.replace(microsecond=0), c.end), rng.uniform(0.003, 0.03)
        elif fault == "MT-06":  # a corrupted register digit: for good (the stored register) or in one sent reading
            at = _interval(rng, c.start + DAY, c.end - DAY, timedelta(0), timedelta(0))[0]
            plan.corruption, plan.corruption_stays = 10.0 ** rng.randint(3, 4), rng.random() < 0.5
            plan.span = (at, at + 4 * cadence)
            return [Label(code, "MT-06", *plan.span, related=() if plan.corruption_stays else ("MT-02",))]
        elif fault == "MT-08":  # the phase wire bridged past the meter: it sees a part of the phase current, all the neutral
            plan.span, plan.bypass_share = _interval(rng, c.start + DAY, c.end - DAY, 2 * DAY, 5 * DAY), rng.uniform(0.2, 0.6)
        elif fault == "MT-10":
            plan.span = (c.start, c.end)
        elif fault == "MT-11":  # a worn battery: every report from then on flags it
            plan.span = (late.replace(microsecond=0), c.end)
        return [Label(code, fault, *plan.span)] if fault else []

    def _plan_reverse_flow(self, plan: "_MeterPlan", rng: Random, code: str, medium: str, cadence: timedelta) -> list[Label]:
        """MT-02. Water: a failed check valve lets the building's pressure drops at night siphon water back
        through the meter, turning its register back. Electricity: the meter's wires swapped, so the use
        runs into the reverse register for a few days."""
        c = self.config
        if medium == MeterMedium.ELECTRICITY:
            plan.span = _interval(rng, c.start + DAY, c.end - DAY, DAY, 3 * DAY)
            return [Label(code, "MT-02", *plan.span, related=("MT-07",))]
        labels = []
        nights = range(1, max(2, round(c.duration / DAY) - 1))
        for night in sorted(rng.sample(nights, min(len(nights), rng.randint(1, 2)))):
            start = (_midnight(c.start) + night * DAY + timedelta(hours=rng.uniform(1, 4.5))).replace(microsecond=0)
            end = start + timedelta(minutes=rng.uniform(10, 40))
            plan.backflows.append((start, end, rng.uniform(0.01, 0.08)))
            labels.append(Label(code, "MT-02", start, (end + 4 * cadence).replace(microsecond=0)))
        plan.span = (labels[0].start, labels[-1].end)
        return labels

    def _meter_items(self, code, family, rng, profile, cadence, plan: "_MeterPlan"):
        c = self.config
        away = rng.random() < 0.4  # household away over statutory holidays
        activity = rng.uniform(0.5, 1.6)
        cadence_change = c.start + (c.end - c.start) * rng.uniform(0.3, 0.7) if family == "FC" and rng.random() < 0.2 else None
        upload_hour = rng.uniform(1, 5)
        drift_per_day = rng.uniform(-3, 3)  # seconds a day, reset by the weekly time sync
        meter = _MeterState(register=round(rng.uniform(10, 5000), 2),
                            reverse=0.0 if profile.medium == MeterMedium.ELECTRICITY else None)
        moment = c.start + cadence * rng.random()
        beat = _midnight(c.start) + timedelta(hours=rng.uniform(0, 24))
        sequence, order, batch = 0, 0, []
        next_upload = _midnight(c.start) + timedelta(hours=upload_hour)
        lost = [plan.span] if plan.fault == "MT-09" else []
        late_day = _midnight(c.start + (c.end - c.start) * rng.random()) if family == "BL" and rng.random() < 0.3 else None
        while moment < c.end or beat < c.end:
            sent_now: list = []  # alarms and work orders: sent at their time, never batched
            if beat <= moment:
                when, beat = beat, beat + DAY
                if when >= c.end:
                    continue
                offset = drift_per_day * ((when - c.start) % (7 * DAY)) / DAY
                if plan.fault == "MT-04" and when >= plan.span[0]:
                    offset += plan.clock_jump_s
                items: list = [Heartbeat(code, 0, when, when + timedelta(seconds=offset))]
            else:
                when = moment
                step = cadence * (4 if cadence_change and moment >= cadence_change else 1)
                used = self._use(profile.medium, moment, step, activity, away, rng)
                items, sent_now = self._meter_report(profile, plan, meter, moment, step, used, rng)
                moment += step
            for item in sent_now:
                order += 1
                if not isinstance(item, WorkOrder):
                    sequence += 1
                    item = _with_sequence(item, sequence)
                yield item.time, order, item
            for item in items:
                if _inside(lost, when):
                    continue
                sequence += 1
                item = _with_sequence(item, sequence)
                order += 1
                if family == "BL" and not isinstance(item, Heartbeat):
                    while when >= next_upload:
                        yield from self._upload(batch, next_upload, late_day)
                        batch, next_upload = [], next_upload + DAY
                    batch.append((order, item))
                    continue
                outage = next((o for o in plan.outages if o[0] <= when < o[1]), None)
                yield (outage[1] if outage else when), order, item
        if batch and next_upload < c.end:
            yield from self._upload(batch, next_upload, late_day)

    def _meter_report(self, profile, plan: "_MeterPlan", meter: "_MeterState", moment, step, used, rng) -> tuple[list, list]:
        """The reading (and status flags) at `moment` after `used` went through the meter's pipe or wires
        since the last one, and the alarms and work orders the step raised."""
        since, electricity = moment - step, profile.medium == MeterMedium.ELECTRICITY
        in_span = plan.span is not None and plan.span[0] <= moment < plan.span[1]
        sent: list = []
        load_a = used / (step / HOUR) * 1000 / 230 * rng.uniform(0.7, 1.3) if electricity else 0.0
        seen = used * (plan.share if plan.fault in ("MT-01", "MT-07") and in_span else 1.0)
        for start, end in plan.magnets:
            if since < end and start <= moment:
                seen = used * plan.share
                if since < start:
                    sent.append(DeviceEvent(profile.device_id, 0, start.replace(microsecond=0), EventCode.MAGNETIC_FIELD))
        if plan.fault == "MT-05" and moment >= plan.span[0]:
            seen += plan.leak_m3_h * step / HOUR
        seen -= sum(volume for start, _end, volume in plan.backflows if since < start <= moment)
        if plan.fault == "MT-02" and electricity and in_span:
            meter.reverse += seen
            seen = 0.0
        meter.register += seen
        if plan.exchange is not None and since < plan.exchange <= moment:
            meter.register = rng.uniform(0.0, 0.02) + seen * (moment - plan.exchange) / step  # the new meter, from zero
            sent.append(WorkOrder(profile.device_id, plan.exchange, WorkOrderKind.METER_REPLACEMENT))
        corrupt = plan.fault == "MT-06" and since < plan.span[0] <= moment
        if corrupt and plan.corruption_stays:
            meter.register += plan.corruption
        shown = meter.register + (plan.corruption if corrupt and not plan.corruption_stays else 0.0)
        resolution = profile.register_resolution
        reading = MeterReading(profile.device_id, 0, moment, round(round(shown / resolution) * resolution, 6),
                               reverse_register=None if meter.reverse is None else round(meter.reverse, 2))
        if electricity:
            phase = (load_a + plan.leakage_a) * (plan.bypass_share if plan.fault == "MT-08" and in_span else 1.0)
            reading = replace(reading, phase_current_a=_measured_current(phase, rng), neutral_current_a=_measured_current(load_a, rng))
        items: list = [reading]
        worn = plan.fault == "MT-11" and moment >= plan.span[0] and moment.replace(minute=0, second=0, microsecond=0) > since
        if worn or plan.battery_glitch is not None and since < plan.battery_glitch <= moment:
            items.append(DeviceEvent(profile.device_id, 0, moment, EventCode.BATTERY_LOW))  # in the hour's first report
        return items, sent

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
        # Draws of 5–30 L, no faster than a household's taps run together (about 1 m³/h), drawn per
        # quarter of an hour at most: the household's use does not depend on how often its meter reads.
        parts = max(1, math.ceil(hours * 4))
        chance = min(1.0, DAY_SHAPE[local.hour] * 0.6 * hours / parts)
        drawn = sum(rng.uniform(0.005, 0.03) * factor for _ in range(parts) if rng.random() < chance)
        return min(drawn, HOUSEHOLD_WATER_M3_H * hours)


def _tariff_periods(by_hour: dict[datetime, float], fee: float) -> tuple[TariffPeriod, ...]:
    """A session's energy per time-of-use price, as its session record lists it."""
    by_price: dict[float, float] = {}
    for hour, energy in by_hour.items():
        by_price[ENERGY_PRICE[hour.hour]] = by_price.get(ENERGY_PRICE[hour.hour], 0.0) + energy
    return tuple(TariffPeriod(round(energy, 3), price, fee) for price, energy in sorted(by_price.items()))


def _with_sequence(item: Reading, sequence: int) -> Reading:
    return replace(item, sequence=sequence)


def simulate_families(config: SimulationConfig) -> FamilySimulation:
    return FamilySimulation(config)
