"""`jiliang monitor worker|tick|partitions|purge|thresholds`: run and maintain the monitoring side.

- worker      subscribe to the MQTT broker and ingest (QoS 1, acknowledged after commit), with the
              rule clock every JILIANG_MONITORING_TICK_SECONDS; stop with Ctrl-C or SIGTERM
- tick        run the rule clock once (communication loss, overdue, long-window rules, clears,
              reminders); --at replays a past moment
- partitions  create the daily reading partitions ahead (PostgreSQL; nothing to do on SQLite)
- purge       remove readings, message keys, rollups and dead letters older than the retention
- thresholds  load the rules of the data file that have no threshold row yet
"""

import datetime as dt
import signal

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jiliang.monitoring import engine, services


class Command(BaseCommand):
    help = "Monitoring: worker, tick, partitions, purge, thresholds (see docs/monitoring.md)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        worker = sub.add_parser("worker", help="MQTT ingest worker with the rule clock")
        worker.add_argument("--client-id", default=None)
        worker.add_argument("--no-tick", action="store_true", help="leave the rule clock to another process")
        worker.add_argument("--share", default="", metavar="GROUP",
                            help="MQTT v5 shared subscription group: workers with the same group split the stream")
        tick = sub.add_parser("tick", help="run the rule clock once")
        tick.add_argument("--at", default=None, help="ISO time to evaluate at (default: now)")
        partitions = sub.add_parser("partitions", help="create daily partitions ahead")
        partitions.add_argument("--days", type=int, default=7)
        sub.add_parser("purge", help="delete data older than JILIANG_MONITORING_RETENTION_DAYS")
        sub.add_parser("thresholds", help="load missing rule thresholds from the data file")

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    def _worker(self, client_id, no_tick, share, **options):
        from jiliang.monitoring.worker import Worker, subscriptions

        worker = Worker(client_id=client_id, share_group=share)
        signal.signal(signal.SIGTERM, lambda *_: worker.stopping.set())
        topics = ", ".join(topic for topic, _ in subscriptions(share))
        self.stdout.write(f"ingest worker: mqtt://{worker.host}:{worker.port} topics {topics}")
        try:
            worker.run(tick=not no_tick)
        except KeyboardInterrupt:
            worker.stopping.set()
        self.stdout.write(f"stopped after storing {worker.stored} messages")

    def _tick(self, at, **options):
        try:
            now = dt.datetime.fromisoformat(at) if at else timezone.now()
        except ValueError as error:
            raise CommandError(f"--at: {error}") from error
        if timezone.is_naive(now):
            raise CommandError("--at needs a UTC offset, e.g. 2025-06-01T08:00:00+08:00")
        self.stdout.write(f"alerts touched: {engine.tick(now)}")

    def _partitions(self, days, **options):
        created = services.create_partitions_ahead(days)
        self.stdout.write(f"partitions created: {len(created)}" + (f" ({', '.join(created)})" if created else ""))

    def _purge(self, **options):
        counts = services.purge_expired()
        self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))

    def _thresholds(self, **options):
        self.stdout.write(f"threshold rows loaded: {services.ensure_default_thresholds()}")
