"""The demo's remote monitoring: a simulated day of a small part of the demo city (gas stations with
tanks and nozzles, charging sites, household meters), with faults from the labelled catalogue on a
quarter of the devices, streamed through the ingest and the rule clock as `jiliang simulate` does,
so that the alert inbox, the station view and device status have something to show. Loaded once:
with devices registered already it changes nothing."""

import datetime as dt

from django.utils import timezone

from jiliang.accounts.models import Role, User
from jiliang.monitoring import simulating
from jiliang.monitoring.models import Alert, Device
from jiliang.monitoring.simulation import SimulationConfig, simulate


def demo_config(end: dt.datetime) -> SimulationConfig:
    day = dt.timedelta(days=1)
    return SimulationConfig(seed=2025, start=end - day, duration=day, stations=3, dispensers=9, charging_sites=2,
                            meters=60, meter_interval=dt.timedelta(minutes=60), fault_rate=0.25,
                            clock=dt.timedelta(hours=2))


def load(out) -> None:
    if Device.objects.exists():
        out.write("Remote monitoring: devices already registered.")
        return
    actor = User.objects.filter(is_active=True, role=Role.CITY_REGULATOR).order_by("id").first()
    config = demo_config(timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0))
    simulation = simulate(config)
    gateways = simulating.register_city(actor, simulation)
    sent = simulating.stream(simulation, simulating.Transport("direct", gateways), actor, tick_every=config.clock,
                             batch=500, progress=lambda moment, count: None)
    out.write(f"Remote monitoring: {len(simulation.profiles)} devices, {sent:,} messages of a simulated day, "
              f"{Alert.objects.count()} alerts.")
