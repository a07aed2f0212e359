"""`jiliang simulate`: the simulator's city (monitoring/simulation) registered and streamed through
the real ingest, over HTTP, MQTT or in-process, with the rule clock run at simulated time."""

import datetime as dt
import json
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from jiliang.accounts import audit
from jiliang.accounts.models import Division
from jiliang.monitoring import credentials, engine, services
from jiliang.monitoring.ingest import Incoming, ingest
from jiliang.monitoring.messages import parse_item
from jiliang.monitoring.models import Device, DeviceKind, IngestSource, WorkOrder
from jiliang.monitoring.rules import types as rt
from jiliang.registry.codes import make_uscc
from jiliang.registry.models import Instrument, Organization, Site, SiteKind

KIND_OF = {rt.DeviceKind.NOZZLE: DeviceKind.NOZZLE, rt.DeviceKind.TANK: DeviceKind.TANK_GAUGE,
           rt.DeviceKind.METER: DeviceKind.METER, rt.DeviceKind.CHARGER: DeviceKind.CHARGER}
SITE_KIND = {"station": SiteKind.GAS_STATION, "charging": SiteKind.CHARGING_STATION, "premises": SiteKind.OTHER}


def _attributes(profile: rt.DeviceProfile) -> dict:
    values = {
        "product": profile.product, "density_20_kg_m3": profile.density_20_kg_m3, "qmax": profile.qmax,
        "qmin": profile.qmin, "rated_power_kw": profile.rated_power_kw, "accuracy_class": profile.accuracy_class,
        "register_resolution": profile.register_resolution, "role": profile.role,
        "account_active": profile.account_active or None,
        "report_interval_s": profile.report_interval.total_seconds() if profile.report_interval else None,
        "last_verified": profile.last_verified.isoformat() if profile.last_verified else None,
        "valid_until": profile.valid_until.isoformat() if profile.valid_until else None,
        "installed_on": profile.installed_on.isoformat() if profile.installed_on else None,
        "opening_hours": list(profile.opening_hours) if profile.opening_hours else None,
    }
    return {k: v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class Placement:
    """Where the simulated city lands in the registry: simulated site id -> registered site, and
    device code -> registered instrument (the device then sits at the instrument's site)."""

    sites: dict[str, Site]
    instruments: dict[str, Instrument]


def simulated_sites(simulation) -> dict[str, Site]:
    """A simulated business with a site per simulated site ("模拟单位"), created once."""
    divisions = {d.code: d for d in Division.objects.filter(code__in={s.division_code for s in simulation.city.sites})}
    sites: dict[str, Site] = {}
    for number, sim_site in enumerate(simulation.city.sites):
        division = divisions[sim_site.division_code]
        organization, _ = Organization.objects.get_or_create(
            uscc=make_uscc("91", division.code, f"JL{number:06d}"),
            defaults={"name": f"模拟单位 {sim_site.site_id}", "division": division})
        sites[sim_site.site_id], _ = Site.objects.get_or_create(
            organization=organization, name=f"模拟场所 {sim_site.site_id}",
            defaults={"kind": SITE_KIND.get(sim_site.kind, SiteKind.OTHER), "division": division})
    return sites


@transaction.atomic
def register_city(actor, simulation, placement: Placement | None = None) -> dict[str, tuple[Device, str]]:
    """Sites and devices of the simulated city (created once, found again on a re-run), each site
    with a gateway; returns site id -> (gateway, fresh HTTP token). One audit row for the setup.
    Without a ``placement`` the city gets simulated businesses of its own (``simulated_sites``)."""
    gateways: dict[str, tuple[Device, str]] = {}
    sites = placement.sites if placement else simulated_sites(simulation)
    instruments = placement.instruments if placement else {}
    existing = {d.code: d for d in Device.objects.filter(code__in=list(simulation.profiles))}
    for code, profile in sorted(simulation.profiles.items(), key=lambda item: item[1].kind != rt.DeviceKind.TANK):
        if code not in existing:
            feeds = existing.get(profile.tank_id) if profile.tank_id else None
            existing[code] = services.register_device(
                actor, code=code, kind=KIND_OF[profile.kind], site=sites[profile.site_id],
                instrument=instruments.get(code), feeds_from=feeds,
                medium=profile.medium or "", attributes=_attributes(profile))
    for site_id, site in sites.items():
        code = f"gw-{site_id}"
        gateway = Device.objects.filter(code=code).first() or services.register_device(
            actor, code=code, kind=DeviceKind.GATEWAY, site=site)
        token, _secret = services.issue_credentials(actor, gateway)
        gateway.refresh_from_db()
        gateways[site_id] = (gateway, token)
    audit.record(actor, "monitoring.simulate.setup", object_type="monitoring.Simulation", object_id="",
                 object_repr=f"seed {simulation.config.seed}", after={"devices": len(simulation.profiles),
                                                                   "sites": len(sites)})
    return gateways


class SignedPublisher:
    """An MQTT v5 publisher that sends QoS 1 with the ``sig`` user property."""

    def __init__(self, host: str, port: int):
        import paho.mqtt.client as mqtt

        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self.client.max_inflight_messages_set(500)
        self.client.connect(host, port)
        self.client.loop_start()

    def publish_signed(self, topic: str, payload: bytes, signature: str):
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        properties = Properties(PacketTypes.PUBLISH)
        properties.UserProperty = ("sig", signature)
        return self.client.publish(topic, payload, qos=1, properties=properties)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class Transport:
    """Delivers one site's batch of wire messages through the chosen path."""

    def __init__(self, kind: str, gateways: dict[str, tuple[Device, str]], *, url: str = "", mqtt_client=None):
        self.kind, self.gateways, self.url, self.mqtt = kind, gateways, url.rstrip("/"), mqtt_client
        self.pending: list = []
        # In-process, the platform's clock is the simulated one: a simulated period in the past (a
        # holiday last year) is received then, not refused as older than the retention.
        self.now: dt.datetime | None = None

    def send(self, site_id: str, messages: list[dict]) -> None:
        gateway, token = self.gateways[site_id]
        if self.kind == "direct":
            ingest([Incoming(parse_item(m)) for m in messages], source=IngestSource.HTTP, sender=gateway, now=self.now)
        elif self.kind == "http":
            self._post(token, messages)
        else:
            topic = f"jiliang/{gateway.code}/readings"
            payload = json.dumps(messages).encode()
            secret = credentials.mqtt_secret(gateway.code, gateway.secret_version)
            self.pending.append(self.mqtt.publish_signed(topic, payload, credentials.sign(secret, topic, payload)))

    def _post(self, token: str, messages: list[dict]) -> None:
        body = json.dumps(messages).encode()
        while True:
            request = urllib.request.Request(f"{self.url}/api/v1/monitoring/ingest", data=body, headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=120):
                    return
            except urllib.error.HTTPError as error:
                if error.code != 503:
                    raise
                time.sleep(float(error.headers.get("Retry-After", "1")))  # back-pressure: wait as asked

    def flush(self) -> None:
        for info in self.pending:
            info.wait_for_publish(timeout=120)
        self.pending = []


def stream(simulation, transport: Transport, actor, *, tick_every: dt.timedelta, batch: int,
           progress: Callable[[dt.datetime, int], None]) -> int:
    """Send the simulated period in time order; run the rule clock every ``tick_every`` of
    simulated time (direct transport; over HTTP/MQTT too, on this process's database connection)."""
    site_of = {code: profile.site_id for code, profile in simulation.profiles.items()}
    devices = {d.code: d for d in Device.objects.filter(code__in=list(site_of))}
    sequence: dict[str, int] = defaultdict(int)
    buffers: dict[str, list[dict]] = defaultdict(list)
    sent, next_tick, last_tick = 0, simulation.config.start + tick_every, simulation.config.start

    def flush_all():
        for site_id, messages in buffers.items():
            if messages:
                transport.send(site_id, messages)
        buffers.clear()
        transport.flush()

    for item in simulation.readings():
        # Items come in arrival order; a late one (a batch upload) arrives at the latest time so far.
        transport.now = max(transport.now or item.time, item.time)
        if item.time >= next_tick:
            flush_all()
            if timezone.localtime(next_tick).date() != timezone.localtime(last_tick).date():
                services.learn_intervals(next_tick)  # the daily job, at simulated midnight
            engine.tick(next_tick, since=last_tick)
            progress(next_tick, sent)
            last_tick, next_tick = next_tick, next_tick + tick_every
        if isinstance(item, rt.WorkOrder):
            if not WorkOrder.objects.filter(device=devices[item.device_id], kind=item.kind, time=item.time).exists():
                services.record_work_order(actor, devices[item.device_id], kind=item.kind, time=item.time)
            continue
        sequence[item.device_id] += 1
        site_id = site_of[item.device_id]
        buffers[site_id].append(engine.message_of(item, sequence[item.device_id]))
        sent += 1
        if len(buffers[site_id]) >= batch:
            transport.send(site_id, buffers.pop(site_id))
    flush_all()
    engine.tick(simulation.config.end, since=last_tick)
    return sent
