"""The labelled fault catalogue: one fault kind per rule whose condition can be seen in data.

Planning picks devices at the configured rate, gives each one fault kind (balanced over the
kinds that fit the device and the simulated period) and writes a label per fault: the device,
the rule code that should fire, and the time span of the fault.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from random import Random
from typing import Callable, Iterable, TextIO

from jiliang.monitoring.rules.chargers import CHARGER_MAIN_METER
from jiliang.monitoring.rules.common import CHINA_STANDARD_TIME, add_months
from jiliang.monitoring.rules.thresholds import load_rulebook
from jiliang.monitoring.rules.types import DeviceKind, DeviceProfile, MeterMedium
from jiliang.monitoring.simulation.city import City, SimulationConfig

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Label:
    """Ground truth: `rule_code` should fire on `device_id` between start and end.

    `related` names rules that see the same fault legitimately (a water meter that stops also
    drops by more than half), so their alerts on it are not false alarms.
    """

    device_id: str
    rule_code: str
    start: datetime
    end: datetime
    related: tuple[str, ...] = ()
    # Other devices on which the related rules see it (the tank of a nozzle that delivers short).
    related_devices: tuple[str, ...] = ()


@dataclass(frozen=True)
class FaultKind:
    code: str  # the rule that should detect it
    description: str
    device_kind: DeviceKind
    shortest: timedelta  # duration range of the fault
    longest: timedelta
    lead: timedelta  # how long the rule needs to see it before the period ends
    fits: Callable[[DeviceProfile, City, SimulationConfig], bool] = lambda profile, city, config: True
    related: tuple[str, ...] = ()
    busy_hours: bool = False  # only seen in fills or in opening hours: start it in the day, when the station sells
    silent: bool = False  # the device sends nothing: the silence lasts until its next message after the fault


def _medium(*media: str) -> Callable[[DeviceProfile, City, SimulationConfig], bool]:
    return lambda profile, city, config: profile.medium in media and profile.role != CHARGER_MAIN_METER


def _hourly(*media: str) -> Callable[[DeviceProfile, City, SimulationConfig], bool]:
    return lambda profile, city, config: _medium(*media)(profile, city, config) and config.meter_interval <= HOUR


def _in_sibling_group(profile: DeviceProfile, city: City, config: SimulationConfig) -> bool:
    siblings = [p for p in city.profiles.values() if p.kind == DeviceKind.NOZZLE and p.site_id == profile.site_id and p.product == profile.product]
    return len(siblings) >= 5  # a robust z needs a handful of siblings besides the faulty one


def _main_meter(profile: DeviceProfile, city: City, config: SimulationConfig) -> bool:
    return profile.role == CHARGER_MAIN_METER

UNTIL_END = timedelta(days=10_000)

CATALOGUE: dict[str, FaultKind] = {k.code: k for k in (
    FaultKind("FD-01", "pulse equivalent lowered 1 % without a work order, restored hours later", DeviceKind.NOZZLE, 2 * HOUR, 6 * HOUR, 7 * HOUR, busy_hours=True),
    FaultKind("FD-02", "display shows 0.8 % more than the encoder pulses", DeviceKind.NOZZLE, DAY, 2 * DAY, 2 * DAY, busy_hours=True),
    FaultKind("FD-03", "encoder replaced without regulator initialisation", DeviceKind.NOZZLE, UNTIL_END, UNTIL_END, 2 * DAY),
    FaultKind("FD-04", "pulse injection: 60 % more volume in the same time", DeviceKind.NOZZLE, 2 * HOUR, 3 * HOUR, 12 * HOUR,
              related=("FD-09",), busy_hours=True),
    FaultKind("FD-05", "fills not reported while the totaliser advances", DeviceKind.NOZZLE, 3 * HOUR, 6 * HOUR, DAY, busy_hours=True),
    FaultKind("FD-06", "amount 0.50 yuan above price × volume", DeviceKind.NOZZLE, 3 * HOUR, 8 * HOUR, 12 * HOUR, busy_hours=True),
    FaultKind("FD-07", "tank leaks 25 L/h", DeviceKind.TANK, UNTIL_END, UNTIL_END, 2 * DAY),
    FaultKind("FD-08", "nozzle delivers 1 % less than it displays", DeviceKind.NOZZLE, UNTIL_END, UNTIL_END, 15 * DAY),
    FaultKind("FD-09", "nozzle flow 30 % slower than its siblings", DeviceKind.NOZZLE, UNTIL_END, UNTIL_END, 2 * DAY, _in_sibling_group),
    FaultKind("FD-10", "verification certificate expired", DeviceKind.NOZZLE, UNTIL_END, UNTIL_END, timedelta(0)),
    FaultKind("FD-11", "seal broken", DeviceKind.NOZZLE, timedelta(0), timedelta(0), HOUR),
    FaultKind("FD-12", "nozzle offline in opening hours (no messages, no sales)", DeviceKind.NOZZLE, HOUR, 4 * HOUR, 5 * HOUR,
              busy_hours=True, silent=True),
    FaultKind("FD-13", "fuel temperature sensor reads 85 °C", DeviceKind.NOZZLE, 3 * HOUR, 8 * HOUR, 12 * HOUR, busy_hours=True),
    FaultKind("MT-01", "water or gas meter bypassed: register stands still while electricity is used", DeviceKind.METER,
              UNTIL_END, UNTIL_END, 16 * DAY, _medium(MeterMedium.WATER, MeterMedium.GAS), related=("MT-07",)),
    FaultKind("MT-02", "register runs back by 0.5 units", DeviceKind.METER, timedelta(0), timedelta(0), DAY, _medium(MeterMedium.WATER, MeterMedium.GAS, MeterMedium.ELECTRICITY)),
    FaultKind("MT-03", "magnetic field detected", DeviceKind.METER, timedelta(0), timedelta(0), DAY, _medium(MeterMedium.WATER, MeterMedium.GAS, MeterMedium.ELECTRICITY)),
    FaultKind("MT-04", "meter clock 8 min fast", DeviceKind.METER, UNTIL_END, UNTIL_END, 2 * DAY, _medium(MeterMedium.WATER, MeterMedium.GAS, MeterMedium.ELECTRICITY)),
    FaultKind("MT-05", "continuous small flow (leak)", DeviceKind.METER, UNTIL_END, UNTIL_END, 4 * DAY, _hourly(MeterMedium.WATER, MeterMedium.GAS)),
    FaultKind("MT-06", "register jumps by far more than Qmax allows", DeviceKind.METER, timedelta(0), timedelta(0), DAY, _medium(MeterMedium.WATER, MeterMedium.GAS, MeterMedium.ELECTRICITY)),
    FaultKind("MT-07", "use drops to 30 % (bypass)", DeviceKind.METER, UNTIL_END, UNTIL_END, 9 * DAY, _medium(MeterMedium.WATER, MeterMedium.ELECTRICITY)),
    FaultKind("MT-08", "neutral bypass: phase current 40 % below neutral", DeviceKind.METER, 6 * HOUR, DAY, DAY, _hourly(MeterMedium.ELECTRICITY)),
    FaultKind("MT-09", "meter silent for several report intervals", DeviceKind.METER, timedelta(0), timedelta(0), DAY,
              _medium(MeterMedium.WATER, MeterMedium.GAS, MeterMedium.ELECTRICITY), silent=True),
    FaultKind("MT-10", "meter past its service life", DeviceKind.METER, UNTIL_END, UNTIL_END, timedelta(0), _medium(MeterMedium.WATER, MeterMedium.GAS, MeterMedium.ELECTRICITY)),
    FaultKind("MT-11", "battery worn: every report flags it low", DeviceKind.METER, UNTIL_END, UNTIL_END, HOUR,
              _medium(MeterMedium.WATER, MeterMedium.GAS)),
    FaultKind("CP-01", "operator bills 3 % more energy than the module measured", DeviceKind.CHARGER, DAY, 2 * DAY, 2 * DAY),
    FaultKind("CP-02", "amount 0.50 yuan above the tariff", DeviceKind.CHARGER, DAY, 2 * DAY, 2 * DAY),
    FaultKind("CP-03", "pile clock 4 min slow", DeviceKind.CHARGER, UNTIL_END, UNTIL_END, HOUR),
    FaultKind("CP-04", "session start reported 70 % of the way into the session", DeviceKind.CHARGER, DAY, 2 * DAY, 2 * DAY),
    FaultKind("CP-05", "unbilled load of 15 kW behind the station main meter", DeviceKind.METER, UNTIL_END, UNTIL_END, 3 * DAY, _main_meter),
    FaultKind("CP-06", "meter values stop for 10–20 min during sessions", DeviceKind.CHARGER, DAY, 2 * DAY, 2 * DAY),
    FaultKind("CP-07", "energy register reset without a firmware update", DeviceKind.CHARGER, timedelta(0), timedelta(0), DAY),
    FaultKind("CP-08", "verification certificate expired", DeviceKind.CHARGER, UNTIL_END, UNTIL_END, timedelta(0)),
)}

# Faults present from the first moment (expired certificates, ended service lives) change the profile instead.
_PROFILE_FAULTS = {"FD-10", "CP-08", "MT-10"}


@dataclass(frozen=True)
class Fault:
    code: str
    device_id: str
    start: datetime
    end: datetime

    def active(self, moment: datetime) -> bool:
        return self.start <= moment < self.end or moment == self.start


def meter_silence(config: SimulationConfig) -> timedelta:
    """MT-09 outage: one report more than the rule tolerates (3 daily reports, 4 interval reads) and
    a turn of the rule clock, in whole report intervals. A silence is seen only by the clock (nothing
    arrives to trigger a rule): shorter, it could fall between two turns and go unseen."""
    t = load_rulebook().for_rule("MT-09")
    allowed = t.missed_daily_reports if config.meter_interval >= DAY else t.missed_interval_reads
    reports = max(allowed + 1, math.ceil(t.minimum_silence / config.meter_interval) + 1)
    return config.meter_interval * (reports + math.ceil(config.clock / config.meter_interval))


def nozzle_silence(config: SimulationConfig) -> timedelta:
    """FD-12 outage in opening hours: beyond the warning silence for at least a clock turn."""
    return load_rulebook().for_rule("FD-12").warning_silence + config.tick + config.clock


def sized(kind: FaultKind, config: SimulationConfig) -> FaultKind:
    """The kind with durations that depend on the configuration filled in."""
    if kind.code == "MT-09":
        silence = meter_silence(config)
        return replace(kind, shortest=silence, longest=silence, lead=silence + config.meter_interval)
    if kind.code == "MT-11":  # two reports flag it
        return replace(kind, lead=2 * config.meter_interval + HOUR)
    if kind.code == "FD-12":
        silence = nozzle_silence(config)
        return replace(kind, shortest=silence, longest=silence + 2 * HOUR, lead=silence + 3 * HOUR)
    return kind


def observable_kinds(config: SimulationConfig) -> list[FaultKind]:
    """Fault kinds the period is long enough for (and that the configuration enables)."""
    return [k for k in (sized(kind, config) for kind in CATALOGUE.values())
            if k.lead < config.duration and (config.fault_codes is None or k.code in config.fault_codes)]


def _age_profile(code: str, profile: DeviceProfile, start: datetime, rng: Random) -> DeviceProfile:
    expired = start.date() - timedelta(days=rng.randint(1, 20))
    if code == "MT-10":
        years = {MeterMedium.WATER: 6, MeterMedium.GAS: 10, MeterMedium.ELECTRICITY: 8}[profile.medium]
        return replace(profile, installed_on=add_months(expired, -12 * years))
    return replace(profile, valid_until=expired, last_verified=add_months(expired, -6 if code == "FD-10" else -36))


def plan_faults(city: City, config: SimulationConfig) -> tuple[City, list[Fault], list[Label]]:
    """Choose faulty devices and their faults; returns the city with aged profiles, the faults and their labels."""
    rng = Random(f"faults:{config.seed}")
    kinds = observable_kinds(config)
    assigned = {k.code: 0 for k in kinds}
    profiles = dict(city.profiles)
    faults, labels = [], []
    # Exactly the configured share of each kind of device (a station main meter is not a household meter).
    groups: dict[tuple[str, str | None], list[str]] = {}
    for device_id, profile in sorted(city.profiles.items()):
        groups.setdefault((profile.kind, profile.role), []).append(device_id)
    chosen: list[str] = []
    for _, members in sorted(groups.items(), key=lambda item: (item[0][0], item[0][1] or "")):
        rng.shuffle(members)
        chosen += members[: round(config.fault_rate * len(members))]
    for device_id in chosen:
        profile = city.profiles[device_id]
        fitting = [k for k in kinds if k.device_kind == profile.kind and k.fits(profile, city, config)]
        if not fitting:
            continue
        kind = min(fitting, key=lambda k: (assigned[k.code], rng.random()))
        assigned[kind.code] += 1
        latest_start = config.end - kind.lead
        start = config.start if kind.code in _PROFILE_FAULTS else config.start + (latest_start - config.start) * rng.uniform(0.15, 1.0)
        if kind.busy_hours:
            local = start.astimezone(CHINA_STANDARD_TIME)
            start = local.replace(hour=9 + local.hour % 8, microsecond=0)
        start = start.replace(microsecond=0)
        end = min(config.end, start + kind.shortest + (kind.longest - kind.shortest) * rng.random())
        if kind.code in _PROFILE_FAULTS:
            profiles[device_id] = _age_profile(kind.code, profile, config.start, rng)
        faults.append(Fault(kind.code, device_id, start, end))
        # A silent device is heard of again only with its next message after the fault.
        seen_again = min(config.end, end + profile.report_interval) if kind.silent else end
        labels.append(Label(device_id, kind.code, start, seen_again, kind.related))
    return City(city.sites, profiles), faults, labels


def run_record_path(labels_path: str | Path) -> Path:
    """Where the configuration of the run that wrote a labels file is kept: beside it, as JSON."""
    return Path(labels_path).with_suffix(".json")


def write_labels(labels: Iterable[Label], out: TextIO) -> None:
    """Labels as CSV: device_id, rule_code, start, end, related, related_devices (space-separated)."""
    writer = csv.writer(out)
    writer.writerow(["device_id", "rule_code", "start", "end", "related", "related_devices"])
    for label in labels:
        writer.writerow([label.device_id, label.rule_code, label.start.isoformat(), label.end.isoformat(), " ".join(label.related),
                         " ".join(label.related_devices)])


def read_labels(source: TextIO) -> list[Label]:
    return [
        Label(row["device_id"], row["rule_code"], datetime.fromisoformat(row["start"]), datetime.fromisoformat(row["end"]),
              tuple(row["related"].split()), tuple((row.get("related_devices") or "").split()))
        for row in csv.DictReader(source)
    ]
