"""The demo city's monitoring points: stations with dispensers, nozzles and tanks, charging sites
with piles and a main meter, and households with their meters. Deterministic for a seed."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, timedelta
from random import Random

from jiliang.monitoring.rules.chargers import CHARGER_MAIN_METER
from jiliang.monitoring.rules.common import CHINA_STANDARD_TIME
from jiliang.monitoring.rules.types import DeviceKind, DeviceProfile, MeterMedium

# Bazhong's counties and districts (GB/T 2260): sites are spread over them for county inboxes.
BAZHONG_DIVISIONS = ("511902", "511903", "511921", "511922", "511923")

# Per-product facts of the demo: density at 20 °C (monitoring.md §2.1 test vectors) and pump price.
PRODUCTS = {"92#": (737.0, 7.50), "95#": (745.0, 8.00), "0#": (835.0, 7.20)}
NOZZLE_PRODUCTS = ("92#", "92#", "95#", "0#")  # the four hoses of a demo dispenser


@dataclass(frozen=True)
class SimulationConfig:
    seed: int = 2025
    start: datetime = datetime(2025, 3, 3, tzinfo=CHINA_STANDARD_TIME)
    duration: timedelta = timedelta(days=7)
    stations: int = 200
    dispensers: int = 700
    charging_sites: int = 75
    chargers_per_site: int = 8
    meters: int = 100_000
    meter_interval: timedelta = timedelta(minutes=15)
    tank_interval: timedelta = timedelta(minutes=15)
    tick: timedelta = timedelta(minutes=5)  # heartbeat period and the stream's time step
    clock: timedelta = timedelta(hours=1)  # how often the rule clock runs over the stream (`simulate --tick-minutes`)
    fault_rate: float = 0.02  # share of devices that get one fault from the catalogue
    fault_codes: tuple[str, ...] | None = None  # None: every observable fault kind
    generator: str = "city"  # "city": the demo city (stream.py); "families": behaviour families (families.py)

    @property
    def end(self) -> datetime:
        return self.start + self.duration

    def as_json(self) -> dict:
        """The configuration as JSON values (times in ISO 8601, durations in seconds), for the run's record."""
        values = {}
        for name, value in asdict(self).items():
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, timedelta):
                value = value.total_seconds()
            values[name] = value
        return values

    @classmethod
    def from_json(cls, values: dict) -> "SimulationConfig":
        kinds = {f.name: f.type for f in fields(cls)}
        converted = {}
        for name, value in values.items():
            if kinds.get(name) == "datetime":
                value = datetime.fromisoformat(value)
            elif kinds.get(name) == "timedelta":
                value = timedelta(seconds=value)
            elif name == "fault_codes" and value is not None:
                value = tuple(value)
            converted[name] = value
        return cls(**converted)


@dataclass(frozen=True)
class Site:
    site_id: str
    kind: str  # station, charging, premises
    division_code: str


@dataclass(frozen=True)
class City:
    sites: tuple[Site, ...]
    profiles: dict[str, DeviceProfile]


def _verified(rng: Random, today: date, months: int) -> tuple[date, date]:
    """Last verification within the interval, valid until well beyond the simulated period."""
    last = today - timedelta(days=rng.randint(10, 60))
    return last, today + timedelta(days=months * 30 - rng.randint(0, 30) + 60)


def build_city(config: SimulationConfig) -> City:
    rng = Random(f"city:{config.seed}")
    today = config.start.date()
    sites: list[Site] = []
    profiles: dict[str, DeviceProfile] = {}

    def add(profile: DeviceProfile) -> None:
        profiles[profile.device_id] = profile

    dispensers_left = config.dispensers
    for s in range(config.stations):
        site_id = f"ST{s:04d}"
        sites.append(Site(site_id, "station", BAZHONG_DIVISIONS[s % len(BAZHONG_DIVISIONS)]))
        hours = None if rng.random() < 0.7 else (6, 22)
        for product, (rho20, _) in PRODUCTS.items():
            add(DeviceProfile(f"{site_id}-T{product.rstrip('#')}", DeviceKind.TANK, site_id, product=product,
                              density_20_kg_m3=rho20, report_interval=config.tank_interval))
        count = dispensers_left // (config.stations - s)
        dispensers_left -= count
        for d in range(count):
            last, valid = _verified(rng, today, 6)
            for n, product in enumerate(NOZZLE_PRODUCTS):
                add(DeviceProfile(
                    f"{site_id}-D{d:02d}N{n}", DeviceKind.NOZZLE, site_id, product=product,
                    tank_id=f"{site_id}-T{product.rstrip('#')}", qmax=50.0, qmin=5.0, opening_hours=hours,
                    report_interval=config.tick, last_verified=last, valid_until=valid,
                ))
    for c in range(config.charging_sites):
        site_id = f"CS{c:04d}"
        sites.append(Site(site_id, "charging", BAZHONG_DIVISIONS[c % len(BAZHONG_DIVISIONS)]))
        add(DeviceProfile(f"{site_id}-M", DeviceKind.METER, site_id, medium=MeterMedium.ELECTRICITY, accuracy_class="0.5S",
                          qmax=1000.0, register_resolution=0.01, report_interval=timedelta(minutes=15),
                          role=CHARGER_MAIN_METER, installed_on=today - timedelta(days=rng.randint(100, 1000))))
        for p in range(config.chargers_per_site):
            last, valid = _verified(rng, today, 36)
            dc = rng.random() < 0.7
            add(DeviceProfile(f"{site_id}-P{p:02d}", DeviceKind.CHARGER, site_id, rated_power_kw=60.0 if dc else 7.0,
                              accuracy_class="1" if dc else "2", report_interval=config.tick, last_verified=last, valid_until=valid))
    meters_left, h = config.meters, 0
    while meters_left > 0:
        site_id = f"H{h:06d}"
        sites.append(Site(site_id, "premises", BAZHONG_DIVISIONS[h % len(BAZHONG_DIVISIONS)]))
        media = [MeterMedium.ELECTRICITY] + [m for m, share in ((MeterMedium.WATER, 0.6), (MeterMedium.GAS, 0.35)) if rng.random() < share]
        for medium in media[:meters_left]:
            life_years = {MeterMedium.WATER: 6, MeterMedium.GAS: 10, MeterMedium.ELECTRICITY: 8}[medium]
            add(DeviceProfile(
                f"{site_id}-{medium[0].upper()}", DeviceKind.METER, site_id, medium=medium,
                accuracy_class="2" if medium == MeterMedium.ELECTRICITY else None,
                qmax={MeterMedium.WATER: 3.125, MeterMedium.GAS: 4.0, MeterMedium.ELECTRICITY: 13.8}[medium],
                register_resolution=0.01 if medium == MeterMedium.ELECTRICITY else 0.001,
                report_interval=config.meter_interval,
                installed_on=today - timedelta(days=rng.randint(30, int(life_years * 365 * 0.8))),
            ))
        meters_left -= len(media[:meters_left])
        h += 1
    return City(tuple(sites), profiles)
