"""`jiliang simulate`: stream the demo city's device data with labelled faults through the ingest.

    jiliang simulate --days 7 --meters 2000 --labels var/labels.csv                  # in-process
    jiliang simulate --transport http --url http://127.0.0.1:8000 --days 1
    jiliang simulate --transport mqtt --days 1          # needs `jiliang monitor worker` running

Deterministic for a seed: a re-run finds the devices again and sends the same (device, seq), which
the ingest ignores as duplicates. The simulated period ends today at 00:00 (local time).
"""

import datetime as dt
import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jiliang.accounts.models import Role, User
from jiliang.monitoring import simulating
from jiliang.monitoring.simulation import SimulationConfig, run_record_path, simulate, write_labels
from jiliang.monitoring.simulation.families import simulate_families


class Command(BaseCommand):
    help = "Stream simulated monitoring data for the demo city (HTTP, MQTT or in-process) and write the fault labels."

    def add_arguments(self, parser):
        parser.add_argument("--transport", choices=["direct", "http", "mqtt"], default="direct")
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument("--days", type=float, default=7)
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument("--stations", type=int, default=200)
        parser.add_argument("--dispensers", type=int, default=700)
        parser.add_argument("--charging-sites", type=int, default=75)
        parser.add_argument("--meters", type=int, default=2000)
        parser.add_argument("--meter-interval-minutes", type=int, default=15)
        parser.add_argument("--fault-rate", type=float, default=0.02)
        parser.add_argument("--tick-minutes", type=int, default=60, help="simulated time between rule clock runs")
        parser.add_argument("--batch", type=int, default=500, help="messages per site batch")
        parser.add_argument("--generator", choices=["city", "families"], default="city",
                            help="families: device behaviour families that share no assumption with the rules")
        parser.add_argument("--start", type=dt.date.fromisoformat, default=None,
                            help="first simulated day (local), e.g. one before a statutory holiday; default: --days before today")
        parser.add_argument("--labels", default=str(settings.VAR_DIR / "simulation-labels.csv"))
        parser.add_argument("--as-user", default=None, help="city regulator who registers the devices")

    def handle(self, *args, **o):
        actor = self._actor(o["as_user"])
        end = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        duration = dt.timedelta(days=o["days"])
        start = end - duration
        if o["start"] is not None:
            start = timezone.make_aware(dt.datetime.combine(o["start"], dt.time()))
        config = SimulationConfig(seed=o["seed"], start=start, duration=duration, stations=o["stations"],
                                  dispensers=o["dispensers"], charging_sites=o["charging_sites"], meters=o["meters"],
                                  meter_interval=dt.timedelta(minutes=o["meter_interval_minutes"]),
                                  fault_rate=o["fault_rate"], clock=dt.timedelta(minutes=o["tick_minutes"]),
                                  generator=o["generator"])
        simulation = simulate_families(config) if config.generator == "families" else simulate(config)
        with open(o["labels"], "w", newline="", encoding="utf-8") as out:
            write_labels(simulation.labels, out)
        run_record_path(o["labels"]).write_text(json.dumps(config.as_json(), indent=1), encoding="utf-8")
        self.stdout.write(f"{len(simulation.profiles)} devices, {len(simulation.labels)} labelled faults -> {o['labels']}")
        gateways = simulating.register_city(actor, simulation)
        publisher = None
        if o["transport"] == "mqtt":
            publisher = simulating.SignedPublisher(settings.JILIANG_MONITORING_MQTT_HOST, settings.JILIANG_MONITORING_MQTT_PORT)
        transport = simulating.Transport(o["transport"], gateways, url=o["url"], mqtt_client=publisher)
        try:
            sent = simulating.stream(
                simulation, transport, actor, tick_every=dt.timedelta(minutes=o["tick_minutes"]), batch=o["batch"],
                progress=lambda moment, count: self.stdout.write(f"  {timezone.localtime(moment):%Y-%m-%d %H:%M}  {count:,} messages"),
            )
        finally:
            if publisher is not None:
                publisher.close()
        self.stdout.write(self.style.SUCCESS(f"sent {sent:,} messages over {o['transport']}"))

    def _actor(self, username: str | None) -> User:
        users = User.objects.filter(is_active=True, role=Role.CITY_REGULATOR)
        actor = users.filter(username=username).first() if username else users.order_by("id").first()
        if actor is None:
            raise CommandError("No active city regulator: create one (`jiliang createuser`) or run `jiliang demo` first.")
        return actor
