"""The demo's remote monitoring: the last 24 hours of a small part of the demo city, up to the
moment the demo loads, streamed through the ingest and the rule clock as `jiliang simulate` does.

The devices belong to the registered demo businesses: the fuel dispensers' nozzles and the tank
gauges of three registered gas stations (the first is the demo `owner` login's), the charging piles
and main meters of two registered charging stations, and household water, electricity and gas
meters as the meters of the registered utilities (each medium's meters at one site of its utility,
the site its meter-reading gateway serves). Nozzles, piles and household meters are bound to
registered instruments of their site. Every device has its credentials issued; the devices that
reported in the last hour are online, and the faults from the labelled catalogue on a quarter of
them raise the alerts of the inbox. Loaded once: with devices registered already it changes nothing.

While the demo serves, the job ``monitoring.demo_feed`` (registered only when
JILIANG_MONITORING_DEMO_FEED is on, which `jiliang demo` turns on) keeps its devices alive: every
five minutes each device and gateway sends a heartbeat with a right clock through its site's gateway
and the real ingest. It invents no reading: sales and consumption stop where the demo's day ended,
and the rules judge the heartbeats as they judge any device's.
"""

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from jiliang.accounts import audit
from jiliang.accounts.models import Role, User
from jiliang.monitoring import services, simulating
from jiliang.monitoring.ingest import Incoming, ingest
from jiliang.monitoring.messages import parse_item
from jiliang.monitoring.models import Alert, Device, DeviceKind, IngestSource, MessageKey
from jiliang.monitoring.rules import types as rt
from jiliang.monitoring.simulation import City, Simulation, SimulationConfig, Site
from jiliang.monitoring.simulation.city import build_city
from jiliang.monitoring.simulation.faults import plan_faults
from jiliang.registry.demo import DEMO_ORGANIZATIONS, OWNER_DEMO_ORGANIZATION
from jiliang.registry.models import Instrument, InstrumentStatus
from jiliang.registry.models import Site as RegisteredSite
from jiliang.registry.models import SiteKind

# Each medium's household meters report through one gateway at its utility: (simulated site, site kind, types).
UTILITIES = {
    rt.MeterMedium.WATER: ("UW", SiteKind.WATER_UTILITY, ("MI10", "MI11")),
    rt.MeterMedium.ELECTRICITY: ("UE", SiteKind.POWER_UTILITY, ("MI14",)),
    rt.MeterMedium.GAS: ("UG", SiteKind.GAS_UTILITY, ("MI13",)),
}
DISPENSER_TYPES = ("MI06",)
CHARGER_TYPES = ("MI29", "MI30")


def demo_config(end: dt.datetime) -> SimulationConfig:
    day = dt.timedelta(days=1)
    return SimulationConfig(seed=2025, start=end - day, duration=day, stations=3, dispensers=9, charging_sites=2,
                            meters=60, meter_interval=dt.timedelta(minutes=60), fault_rate=0.25,
                            clock=dt.timedelta(hours=2))


def demo_simulation(end: dt.datetime) -> Simulation:
    """The simulated day, its households' meters moved to their utilities' sites."""
    config = demo_config(end)
    city = build_city(config)
    profiles = {code: dataclasses.replace(profile, site_id=UTILITIES[profile.medium][0])
                if profile.site_id.startswith("H") else profile for code, profile in city.profiles.items()}
    sites = tuple(s for s in city.sites if s.kind != "premises") + tuple(
        Site(site_id, "premises", "511921") for site_id, _, _ in UTILITIES.values())
    city, faults, labels = plan_faults(City(sites, profiles), config)
    return Simulation(config, city, tuple(faults), tuple(labels))


def _registered_sites(kind: str, industry: str = "") -> list[RegisteredSite]:
    """The registered sites of a kind, the named demo businesses of ``industry`` first (the demo
    owner's before the others)."""
    named = [OWNER_DEMO_ORGANIZATION] + [name for _, name, trade, _ in DEMO_ORGANIZATIONS if trade == industry]
    rank = {name: position for position, name in reversed(list(enumerate(named)))}
    sites = RegisteredSite.objects.filter(kind=kind).select_related("organization").order_by("pk")
    return sorted(sites, key=lambda site: rank.get(site.organization.name, len(rank)))


def _instruments(site: RegisteredSite, codes: tuple[str, ...]) -> Iterator[Instrument]:
    return iter(Instrument.objects.filter(site=site, type__code__in=codes, status=InstrumentStatus.IN_USE)
                .select_related("site").order_by("pk"))


def placement(simulation: Simulation) -> simulating.Placement:
    """Which registered site each simulated site is, and which registered instrument each nozzle
    (one instrument per dispenser), charging pile and household meter is."""
    stations = iter(_registered_sites(SiteKind.GAS_STATION, "成品油零售"))
    charging = iter(_registered_sites(SiteKind.CHARGING_STATION, "充电设施"))
    utilities = {site_id: _registered_sites(kind, "供水")[0] for site_id, kind, _ in UTILITIES.values()}
    sites = {}
    for sim_site in simulation.city.sites:
        if sim_site.kind == "station":
            sites[sim_site.site_id] = next(stations)
        elif sim_site.kind == "charging":
            sites[sim_site.site_id] = next(charging)
        else:
            sites[sim_site.site_id] = utilities[sim_site.site_id]
    free: dict[tuple[str, tuple[str, ...]], Iterator[Instrument]] = {}
    dispensers: dict[str, Instrument | None] = {}
    instruments = {}
    for code, profile in sorted(simulation.profiles.items()):
        codes = _bound_types(profile)
        if codes is None:
            continue
        pool = free.setdefault((profile.site_id, codes), _instruments(sites[profile.site_id], codes))
        if profile.kind == rt.DeviceKind.NOZZLE:  # the four nozzles of a dispenser are one instrument
            dispenser = code.rsplit("N", 1)[0]
            if dispenser not in dispensers:
                dispensers[dispenser] = next(pool, None)
            instrument = dispensers[dispenser]
        else:
            instrument = next(pool, None)
        if instrument is not None:
            instruments[code] = instrument
    return simulating.Placement(sites, instruments)


def _bound_types(profile: rt.DeviceProfile) -> tuple[str, ...] | None:
    if profile.kind == rt.DeviceKind.NOZZLE:
        return DISPENSER_TYPES
    if profile.kind == rt.DeviceKind.CHARGER:
        return CHARGER_TYPES
    if profile.kind == rt.DeviceKind.METER and profile.site_id in {s for s, _, _ in UTILITIES.values()}:
        return UTILITIES[profile.medium][2]
    return None  # tank gauges and the charging sites' main meters watch the site


@transaction.atomic
def _issue_credentials(actor) -> int:
    """Every device's own credentials (the gateways got theirs when the city was registered)."""
    devices = list(Device.objects.filter(token_digest__isnull=True).exclude(kind=DeviceKind.GATEWAY))
    for device in devices:
        services.issue_credentials(actor, device)
    audit.record(actor, "demo.load", object_type=Device._meta.label, object_id="",
                 object_repr=f"credentials of {len(devices)} devices", after={"devices": len(devices)})
    return len(devices)


def load(out) -> None:
    if Device.objects.exists():
        out.write("Remote monitoring: devices already registered.")
        return
    actor = User.objects.filter(is_active=True, role=Role.CITY_REGULATOR).order_by("id").first()
    now = timezone.now()
    simulation = demo_simulation(now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0))
    gateways = simulating.register_city(actor, simulation, placement(simulation))
    _issue_credentials(actor)
    sent = simulating.stream(simulation, simulating.Transport("direct", gateways), actor,
                             tick_every=simulation.config.clock, batch=500, progress=lambda moment, count: None)
    out.write(f"Remote monitoring: {len(simulation.profiles)} devices at registered sites, {sent:,} messages of "
              f"the last 24 hours, {Alert.objects.count()} alerts.")


def keep_alive() -> int:
    """The job ``monitoring.demo_feed``: a heartbeat from every device and gateway of the demo, each
    through its site's gateway, numbered after the device's last stored message. Returns how many."""
    now = timezone.now().replace(microsecond=0)
    last = dict(MessageKey.objects.values("device").annotate(top=Max("sequence")).values_list("device", "top"))
    devices = list(Device.objects.filter(revoked_at__isnull=True, token_digest__isnull=False))
    gateways = {d.site_id: d for d in devices if d.kind == DeviceKind.GATEWAY}
    batches: dict[Device, list[Incoming]] = defaultdict(list)
    for device in devices:
        if device.site_id in gateways:
            batches[gateways[device.site_id]].append(Incoming(parse_item({
                "device": device.code, "seq": last.get(device.pk, 0) + 1, "time": now.isoformat(), "type": "heartbeat",
                "device_clock": now.isoformat()})))
    return sum(ingest(items, source=IngestSource.HTTP, sender=gateway, now=now).accepted for gateway, items in batches.items())
