"""Time-ordered stream of readings for the demo city, with the planned faults acted out.

The stream advances in ticks (the heartbeat period); each tick's messages are produced, sorted
and yielded, so memory holds one tick plus a small state per device, however long the period.
Every device draws from its own seeded random generator: the same seed gives the same data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random
from typing import Iterator

from jiliang.monitoring.rules.chargers import CHARGER_MAIN_METER
from jiliang.monitoring.rules.common import CHINA_STANDARD_TIME
from jiliang.monitoring.rules.thresholds import load_rulebook
from jiliang.monitoring.rules.types import (
    ChargerMeterValue,
    ChargerSession,
    ComponentIdentity,
    DeviceEvent,
    DeviceKind,
    DeviceProfile,
    DispenserTransaction,
    EventCode,
    Heartbeat,
    MeterMedium,
    MeterReading,
    ParameterChange,
    Reading,
    TankDelivery,
    TankReading,
    TariffPeriod,
    WorkOrder,
    WorkOrderKind,
)
from jiliang.monitoring.simulation.city import PRODUCTS, City, SimulationConfig
from jiliang.monitoring.simulation.faults import Fault

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)

TANK_CAPACITY_L = 30_000.0
DELIVERY_L = 15_000.0
FILLS_PER_NOZZLE_DAY = 21.0  # ≈ 300 fills a day at a 14-nozzle station (monitoring.md §4.2)
SESSIONS_PER_CHARGER_DAY = 4.0
CHARGER_EFFICIENCY = 0.97  # share of the main meter's energy that reaches the piles' modules
STATION_AUXILIARY_KW = 0.5
SERVICE_FEE = 0.60
# Time-of-use energy prices (yuan/kWh) by local hour: valley 23–7, peak 10–15 and 18–21, flat otherwise.
TARIFF = {h: 0.35 if h >= 23 or h < 7 else 1.05 if 10 <= h < 15 or 18 <= h < 21 else 0.65 for h in range(24)}
FILL_SHARE_BY_HOUR = [0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 1.6, 1.8, 1.5, 1.3, 1.4, 1.5, 1.3, 1.2, 1.3, 1.5, 1.8, 1.9, 1.6, 1.2, 0.8, 0.5, 0.3]
# Everyday slips the platform must not mistake for faults, per device per day.
K_ADJUSTMENT_RATE = 0.002  # a verification visit re-adjusts the pulse equivalent, with its work order
ENCODER_SWAP_RATE = 0.002  # encoder replaced and initialised by the regulator
FIRMWARE_UPDATE_RATE = 0.003  # pile firmware updated; its register restarts
METER_REPLACEMENT_RATE = 0.001  # meter swapped by the utility; the register restarts


def local_hour(moment: datetime) -> int:
    return moment.astimezone(CHINA_STANDARD_TIME).hour


def is_open(profile: DeviceProfile, hour: int) -> bool:
    if profile.opening_hours is None:
        return True
    opens, closes = profile.opening_hours
    return opens <= hour < closes


@dataclass
class _Device:
    """What every simulated device keeps: profile, own random generator, message counter, its fault."""

    profile: DeviceProfile
    rng: Random
    fault: Fault | None
    phase: timedelta  # offset of its periodic messages inside a tick
    sequence: int = 0

    def next_sequence(self) -> int:
        self.sequence += 1
        return self.sequence

    def faulty(self, code: str, moment: datetime) -> bool:
        return self.fault is not None and self.fault.code == code and self.fault.active(moment)

    def fault_starts_in(self, code: str, start: datetime, end: datetime) -> bool:
        return self.fault is not None and self.fault.code == code and start <= self.fault.start < end


@dataclass
class _Nozzle(_Device):
    k_factor: float = 100.0
    base_flow: float = 36.0
    bias: float = 0.0
    totaliser: float = 0.0
    encoder: str = ""


@dataclass
class _Tank(_Device):
    volume_20: float = 0.0
    temperature: float = 15.0
    ground_temperature: float = 15.0


@dataclass
class _Charger(_Device):
    register: float = 0.0
    clock_offset_s: float = 0.0
    session: dict | None = None
    sessions: int = 0
    reset_pending: bool = False


@dataclass
class _Meter(_Device):
    register: float = 0.0
    activity: float = 1.0  # household's use relative to the average; 0 for a vacant home
    next_report: datetime | None = None
    last_report: datetime | None = None
    pending_energy: float = 0.0  # main meters: energy drawn since the last tick


@dataclass
class _Tick:
    start: datetime
    end: datetime
    out: list = field(default_factory=list)
    site_energy: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        local = self.start.astimezone(CHINA_STANDARD_TIME)
        self.hour = local.hour
        self.first_of_hour = local.minute * 60 + local.second < (self.end - self.start).total_seconds()


class CityStream:
    def __init__(self, config: SimulationConfig, city: City, faults: list[Fault]):
        self.config = config
        self.correction = load_rulebook().for_rule("FD-07").volume_correction
        by_device = {f.device_id: f for f in faults}
        self.nozzles, self.tanks, self.chargers, self.meters = {}, {}, {}, {}
        for device_id, profile in sorted(city.profiles.items()):
            rng = Random(f"{config.seed}:{device_id}")
            common = dict(profile=profile, rng=rng, fault=by_device.get(device_id),
                          phase=timedelta(seconds=rng.randrange(1, int(config.tick.total_seconds()))))
            if profile.kind == DeviceKind.NOZZLE:
                self.nozzles[device_id] = _Nozzle(**common, k_factor=round(rng.uniform(95, 105), 2), base_flow=36 * (1 + rng.gauss(0, 0.01)),
                                                  bias=rng.uniform(-0.001, 0.001), totaliser=round(rng.uniform(1e5, 1e6), 2),
                                                  encoder=f"ENC-{rng.randrange(10**8):08d}")
            elif profile.kind == DeviceKind.TANK:
                ground = rng.uniform(13, 19)
                self.tanks[device_id] = _Tank(**common, volume_20=TANK_CAPACITY_L * rng.uniform(0.5, 0.9), temperature=ground, ground_temperature=ground)
            elif profile.kind == DeviceKind.CHARGER:
                self.chargers[device_id] = _Charger(**common, register=round(rng.uniform(1e3, 1e5), 3), clock_offset_s=rng.uniform(-2, 2))
            elif profile.kind == DeviceKind.METER:
                meter = _Meter(**common, register=round(rng.uniform(10, 5000), 2), activity=self._household_activity(profile))
                meter.next_report = self._first_report(meter)
                meter.last_report = meter.next_report - meter.profile.report_interval
                self.meters[device_id] = meter
        self.nozzles_of_tank: dict[str, list[_Nozzle]] = {}
        for nozzle in self.nozzles.values():
            self.nozzles_of_tank.setdefault(nozzle.profile.tank_id, []).append(nozzle)

    def _household_activity(self, profile: DeviceProfile) -> float:
        """How much a household uses relative to the average, shared by its meters; 0 for a vacant home."""
        if profile.role == CHARGER_MAIN_METER:
            return 1.0
        household = Random(f"{self.config.seed}:{profile.site_id}")
        return 0.0 if household.random() < 0.05 else household.uniform(0.6, 1.5)

    def _first_report(self, meter: _Meter) -> datetime:
        interval = meter.profile.report_interval
        if interval >= DAY:  # daily meters report at their own time of night
            return self.config.start + timedelta(hours=1) + timedelta(seconds=meter.rng.randrange(0, 4 * 3600))
        return self.config.start + meter.phase % interval

    def __iter__(self) -> Iterator[Reading | WorkOrder]:
        moment = self.config.start
        while moment < self.config.end:
            tick = _Tick(moment, moment + self.config.tick)
            for tank in self.tanks.values():
                self._tank(tank, tick)
            for nozzle in self.nozzles.values():
                self._nozzle(nozzle, tick)
            for charger in self.chargers.values():
                self._charger(charger, tick)
            for meter in self.meters.values():
                self._meter(meter, tick)
            tick.out.sort(key=lambda item: item.time)
            yield from tick.out
            moment = tick.end

    # Dispensers -------------------------------------------------------------------------------

    def _nozzle(self, n: _Nozzle, tick: _Tick) -> None:
        if n.faulty("FD-12", tick.start):
            return  # offline: no messages and no sales
        rng, device_id = n.rng, n.profile.device_id
        out = tick.out
        out.append(Heartbeat(device_id, n.next_sequence(), tick.start + n.phase))
        self._nozzle_parameters(n, tick)
        if tick.hour == 3 and tick.first_of_hour:
            if rng.random() < ENCODER_SWAP_RATE:
                n.encoder = f"ENC-{rng.randrange(10**8):08d}"
                out.append(WorkOrder(device_id, tick.start, WorkOrderKind.INITIALISATION))
            out.append(ComponentIdentity(device_id, n.next_sequence(), tick.start + n.phase, "encoder", n.encoder))
        if n.fault_starts_in("FD-03", tick.start, tick.end):
            n.encoder = f"ENC-{rng.randrange(10**8):08d}"
        if n.fault_starts_in("FD-11", tick.start, tick.end):
            out.append(DeviceEvent(device_id, n.next_sequence(), n.fault.start, EventCode.SEAL_BROKEN))
        if not is_open(n.profile, tick.hour):
            return
        expected = FILLS_PER_NOZZLE_DAY * FILL_SHARE_BY_HOUR[tick.hour] / 24 * (self.config.tick / HOUR)
        hidden_starts = n.fault_starts_in("FD-05", tick.start, tick.end)
        if rng.random() < expected or hidden_starts:
            self._fill(n, tick, tick.start + (tick.end - tick.start) * rng.uniform(0.01, 0.99))

    def _nozzle_parameters(self, n: _Nozzle, tick: _Tick) -> None:
        device_id = n.profile.device_id
        if n.fault is not None and n.fault.code == "FD-01":
            for moment, factor in ((n.fault.start, 0.99), (n.fault.end, 1 / 0.99)):
                if tick.start <= moment < tick.end:
                    new = round(n.k_factor * factor, 4)
                    tick.out.append(ParameterChange(device_id, n.next_sequence(), moment, "k_factor", n.k_factor, new))
                    n.k_factor = new
        if n.rng.random() < K_ADJUSTMENT_RATE * (self.config.tick / DAY) and n.fault is None:
            moment = tick.start + n.phase
            tick.out.append(WorkOrder(device_id, moment - HOUR, WorkOrderKind.VERIFICATION))
            new = round(n.k_factor * (1 + n.rng.uniform(-0.001, 0.001)), 4)
            tick.out.append(ParameterChange(device_id, n.next_sequence(), moment, "k_factor", n.k_factor, new))
            n.k_factor = new

    def _fill(self, n: _Nozzle, tick: _Tick, moment: datetime) -> None:
        rng, profile = n.rng, n.profile
        tank = self.tanks[profile.tank_id]
        displayed = round(min(max(rng.lognormvariate(3.4, 0.5), 3.0), 150.0), 2)
        flow = n.base_flow * (1 + rng.gauss(0, 0.04)) * (0.7 if n.faulty("FD-09", moment) else 1.0)
        duration = round(displayed / flow * 60, 1)
        pulse_volume = displayed  # volume the encoder pulses stand for
        delivered = displayed * (1 + n.bias)  # what really leaves the tank
        if n.faulty("FD-01", moment):
            # A lowered pulse equivalent shows each pulse as more litres than it is.
            delivered = displayed * 0.99 * (1 + n.bias)
        if n.faulty("FD-02", moment):
            pulse_volume = displayed / 1.008
            delivered = pulse_volume * (1 + n.bias)
        if n.faulty("FD-04", moment):
            displayed = round(displayed * 1.6, 2)  # injected pulses reach display and encoder alike
            pulse_volume = displayed
        if n.faulty("FD-08", moment):
            delivered = displayed * 0.99
        temperature = 85.0 if n.faulty("FD-13", moment) else round(tank.temperature + rng.gauss(0, 0.3), 1)
        rho20, price = PRODUCTS[profile.product]
        amount = round(price * displayed + (0.5 if n.faulty("FD-06", moment) else 0.0), 2)
        tank.volume_20 -= self.correction.volume_at_20(delivered, tank.temperature, rho20)
        start = n.totaliser
        n.totaliser = round(n.totaliser + displayed, 2)
        if n.faulty("FD-05", moment):
            n.sequence += 1  # the collector counts the fill but never sends it
            return
        tick.out.append(DispenserTransaction(
            profile.device_id, n.next_sequence(), moment, duration, displayed, round(pulse_volume * n.k_factor), n.k_factor, price, amount,
            start, n.totaliser, temperature,
        ))

    # Tanks ------------------------------------------------------------------------------------

    def _tank(self, t: _Tank, tick: _Tick) -> None:
        rng, profile = t.rng, t.profile
        rho20 = profile.density_20_kg_m3
        if (tick.start - self.config.start) % self.config.tank_interval == timedelta(0):
            observed = t.volume_20 / self.correction.vcf20(t.temperature, rho20)
            # Short-term repeatability of a magnetostrictive gauge: a few tenths of a litre, 0.01 °C.
            tick.out.append(TankReading(profile.device_id, t.next_sequence(), tick.start,
                                        round(observed + rng.gauss(0, 0.2), 2), round(t.temperature + rng.gauss(0, 0.005), 3)))
        if t.volume_20 < 0.3 * TANK_CAPACITY_L:
            delivered_temperature = t.ground_temperature + rng.gauss(0, 3)
            t.temperature = (t.volume_20 * t.temperature + DELIVERY_L * delivered_temperature) / (t.volume_20 + DELIVERY_L)
            t.volume_20 += DELIVERY_L
            tick.out.append(TankDelivery(profile.device_id, t.next_sequence(), tick.start + self.config.tick / 2, DELIVERY_L))
        hours = self.config.tick / HOUR
        daily_swing = 0.5 * math.sin(2 * math.pi * (tick.hour - 9) / 24)
        t.temperature += (t.ground_temperature + daily_swing - t.temperature) * (1 - math.exp(-hours / 12))
        if t.faulty("FD-07", tick.start):
            t.volume_20 -= 25.0 * hours

    # Chargers ---------------------------------------------------------------------------------

    def _charger(self, c: _Charger, tick: _Tick) -> None:
        rng, profile = c.rng, c.profile
        device_id = profile.device_id
        offset = -240.0 if c.faulty("CP-03", tick.start) else c.clock_offset_s
        beat = tick.start + c.phase
        tick.out.append(Heartbeat(device_id, c.next_sequence(), beat, beat + timedelta(seconds=offset)))
        if c.fault_starts_in("CP-07", tick.start, tick.end):
            c.reset_pending = True
        if c.session is None:
            if c.reset_pending:  # the register restarts between sessions, and no firmware update says why
                c.register, c.reset_pending = 0.0, False
            if rng.random() < FIRMWARE_UPDATE_RATE * (self.config.tick / DAY):
                c.register = 0.0
                tick.out.append(DeviceEvent(device_id, c.next_sequence(), tick.start + c.phase, EventCode.FIRMWARE_UPDATE))
            share = FILL_SHARE_BY_HOUR[tick.hour]
            if rng.random() < SESSIONS_PER_CHARGER_DAY * share / 24 * (self.config.tick / HOUR):
                c.sessions += 1
                target = rng.uniform(20, 50) if profile.rated_power_kw > 10 else rng.uniform(5, 20)
                started = tick.start + MINUTE * rng.randrange(0, int(self.config.tick / MINUTE))
                c.session = {"id": f"{device_id}-{c.sessions}", "started": started, "target": target, "energy": 0.0,
                             "power": profile.rated_power_kw * rng.uniform(0.75, 0.95), "register_start": c.register,
                             "periods": {}, "next_value": started + MINUTE, "gap_from": started + 5 * MINUTE,
                             "gap_minutes": rng.randint(12, 18)}
        if c.session is not None:
            self._charge(c, tick)

    def _charge(self, c: _Charger, tick: _Tick) -> None:
        s, device_id = c.session, c.profile.device_id
        site_energy = tick.site_energy
        while s["next_value"] < tick.end:
            moment = s["next_value"]
            step = min(s["power"] / 60, s["target"] - s["energy"])
            s["energy"] += step
            c.register = round(c.register + step, 3)
            hour = local_hour(moment - MINUTE)
            s["periods"][hour] = s["periods"].get(hour, 0.0) + step
            site_energy[c.profile.site_id] = site_energy.get(c.profile.site_id, 0.0) + step
            in_gap = c.faulty("CP-06", moment) and s["gap_from"] <= moment < s["gap_from"] + MINUTE * s["gap_minutes"]
            if not in_gap:
                tick.out.append(ChargerMeterValue(device_id, c.next_sequence(), moment, s["id"], c.register))
            s["next_value"] = moment + MINUTE
            if s["energy"] >= s["target"] - 1e-9:
                self._end_session(c, tick, moment)
                return

    def _end_session(self, c: _Charger, tick: _Tick, moment: datetime) -> None:
        s = c.session
        module = round(c.register - s["register_start"], 3)
        periods = _tariff_periods(s["periods"])
        billed = round(module * (1.03 if c.faulty("CP-01", moment) else 1.0), 2)
        amount = round(sum(p.energy_kwh * (p.energy_price + p.service_fee) for p in periods) + (0.5 if c.faulty("CP-02", moment) else 0.0), 2)
        started = s["started"]
        if c.faulty("CP-04", moment):
            started = started + (moment - started) * 0.7
        tick.out.append(ChargerSession(c.profile.device_id, c.next_sequence(), moment, s["id"], started, billed, module, amount, periods))
        c.session = None

    # Meters -----------------------------------------------------------------------------------

    def _meter(self, m: _Meter, tick: _Tick) -> None:
        profile = m.profile
        if profile.role == CHARGER_MAIN_METER:
            drawn = tick.site_energy.get(profile.site_id, 0.0) / CHARGER_EFFICIENCY
            extra = 15.0 if m.faulty("CP-05", tick.start) else 0.0
            m.pending_energy += drawn + (STATION_AUXILIARY_KW + extra) * (self.config.tick / HOUR)
        if tick.hour == 0 and tick.first_of_hour and profile.role != CHARGER_MAIN_METER:
            if not m.faulty("MT-09", tick.start):
                beat = tick.start + m.phase
                drift = timedelta(minutes=8) if m.faulty("MT-04", beat) else timedelta(seconds=m.rng.uniform(-30, 30))
                tick.out.append(Heartbeat(profile.device_id, m.next_sequence(), beat, beat + drift))
        if m.fault_starts_in("MT-03", tick.start, tick.end):
            tick.out.append(DeviceEvent(profile.device_id, m.next_sequence(), m.fault.start, EventCode.MAGNETIC_FIELD))
        while m.next_report < tick.end:
            self._report(m, tick, m.next_report)
            m.next_report += profile.report_interval

    def _report(self, m: _Meter, tick: _Tick, moment: datetime) -> None:
        profile, rng = m.profile, m.rng
        used, power_kw = self._usage(m, m.last_report, moment)
        m.last_report = moment
        mismatch = profile.medium == MeterMedium.ELECTRICITY and m.faulty("MT-08", moment)
        if mismatch:
            used *= 0.6  # the meter only sees the phase current
        m.register += used
        if rng.random() < METER_REPLACEMENT_RATE * (profile.report_interval / DAY) and m.fault is None:
            m.register = 0.0
            tick.out.append(WorkOrder(profile.device_id, moment - MINUTE, WorkOrderKind.METER_REPLACEMENT))
        if m.fault_starts_in("MT-02", moment - profile.report_interval, moment):
            m.register = max(m.register - used - 0.5, 0.0)
        if m.fault_starts_in("MT-06", moment - profile.report_interval, moment):
            m.register += profile.qmax * (profile.report_interval / HOUR) * 3 + 10
        if m.faulty("MT-09", moment):
            return
        resolution = profile.register_resolution
        reading = MeterReading(profile.device_id, m.next_sequence(), moment, round(round(m.register / resolution) * resolution, 6))
        if profile.medium == MeterMedium.ELECTRICITY and profile.report_interval <= HOUR and profile.role != CHARGER_MAIN_METER:
            neutral = round(power_kw * 1000 / 230 * (1 + rng.gauss(0, 0.01)), 2)
            phase = round(neutral * (0.6 if mismatch else 1 + rng.gauss(0, 0.01)), 2)
            reading = MeterReading(reading.device_id, reading.sequence, moment, reading.register, phase_current_a=phase, neutral_current_a=neutral)
        tick.out.append(reading)
        if m.faulty("MT-11", moment):  # a worn battery: every report flags it
            tick.out.append(DeviceEvent(profile.device_id, m.next_sequence(), moment, EventCode.BATTERY_LOW))

    def _usage(self, m: _Meter, start: datetime, end: datetime) -> tuple[float, float]:
        """Use between two reports and the mean power (electricity) over them."""
        profile, rng = m.profile, m.rng
        if profile.role == CHARGER_MAIN_METER:
            used, m.pending_energy = m.pending_energy, 0.0
            return used, used / max((end - start) / HOUR, 1e-9)
        total, cursor = 0.0, start
        while cursor < end:
            segment_end = min(end, cursor.replace(minute=0, second=0, microsecond=0) + HOUR)
            hours, hour = (segment_end - cursor) / HOUR, local_hour(cursor)
            total += _hourly_use(profile.medium, hour, hours, m.activity, rng)
            if m.faulty("MT-05", cursor):
                total += (0.01 if profile.medium == MeterMedium.WATER else 0.05) * hours
            cursor = segment_end
        if m.faulty("MT-01", end):
            total = 0.0
        if m.faulty("MT-07", end):
            total *= 0.3
        return total, total / max((end - start) / HOUR, 1e-9)


def _hourly_use(medium: str, hour: int, hours: float, activity: float, rng: Random) -> float:
    if activity == 0.0:
        return 0.02 * hours if medium == MeterMedium.ELECTRICITY else 0.0
    if medium == MeterMedium.ELECTRICITY:
        load = 0.2 + (1.0 if 18 <= hour < 23 else 0.4 if 7 <= hour < 18 else 0.0)
        return load * activity * hours * rng.uniform(0.7, 1.3)
    if medium == MeterMedium.WATER:
        chance = 0.05 if hour < 6 else 0.8 if hour in (7, 8, 19, 20, 21) else 0.5
        amount = rng.uniform(0.005, 0.04)
    else:
        chance = 0.0 if hour < 6 or hour >= 22 else 0.7 if hour in (6, 7, 11, 12, 17, 18, 19) else 0.1
        amount = rng.uniform(0.05, 0.3)
    return amount * activity if rng.random() < chance * hours else 0.0


def _tariff_periods(energy_by_hour: dict[int, float]) -> tuple[TariffPeriod, ...]:
    by_price: dict[float, float] = {}
    for hour, energy in energy_by_hour.items():
        by_price[TARIFF[hour]] = by_price.get(TARIFF[hour], 0.0) + energy
    return tuple(TariffPeriod(round(energy, 3), price, SERVICE_FEE) for price, energy in sorted(by_price.items()))
