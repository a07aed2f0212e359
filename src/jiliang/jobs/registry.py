"""The one list of scheduled jobs. An app with periodic work adds a ``Job`` to ``jobs()``: a name,
a schedule (every N seconds, or daily at a Beijing time) and the dotted path of a callable that takes
no argument, does one round of the work in its own transactions (auditing what it writes, as every
service does); what it returns is ignored."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from django.conf import settings


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    target: str  # "package.module:function"
    every: dt.timedelta | None = None
    daily_at: dt.time | None = None  # in settings.TIME_ZONE (Beijing time)
    frequent: bool = False  # runs every few seconds: a successful run is logged at DEBUG, not INFO
    at_start: bool = False  # also runs once as soon as the jobs process starts

    def __post_init__(self):
        if (self.every is None) == (self.daily_at is None):
            raise ValueError(f"job {self.name}: give exactly one of every= and daily_at=")

    def function(self) -> Callable[[], object]:
        module, _, attribute = self.target.partition(":")
        return getattr(importlib.import_module(module), attribute)

    def trigger(self) -> BaseTrigger:
        if self.every is not None:
            return IntervalTrigger(seconds=self.every.total_seconds(), timezone=settings.TIME_ZONE)
        return CronTrigger(hour=self.daily_at.hour, minute=self.daily_at.minute, timezone=settings.TIME_ZONE)

    def schedule(self) -> str:
        if self.every is not None:
            when = f"every {self.every.total_seconds():g} s"
        else:
            when = f"daily at {self.daily_at:%H:%M} ({settings.TIME_ZONE})"
        return f"at start and {when}" if self.at_start else when


def jobs() -> list[Job]:
    """Every scheduled job, in the order `jiliang jobs --list` shows them."""
    return [
        Job("ledger.sequence", "integrate pending log entries, sign and witness a checkpoint",
            "jiliang.ledger.sequencer:publish",
            every=dt.timedelta(milliseconds=settings.JILIANG_LEDGER_SEQUENCE_INTERVAL_MS), frequent=True),
        Job("monitoring.tick", "the monitoring rule clock (communication loss, overdue, long-window rules)",
            "jiliang.monitoring.engine:tick", every=dt.timedelta(seconds=settings.JILIANG_MONITORING_TICK_SECONDS)),
        Job("monitoring.partitions", "create the readings' daily partitions a week ahead (PostgreSQL)",
            "jiliang.monitoring.services:create_partitions_ahead", daily_at=dt.time(0, 30)),
        Job("monitoring.learn_intervals", "learn each device's reporting interval from its last 14 days of messages",
            "jiliang.monitoring.services:learn_intervals", daily_at=dt.time(2, 10)),
        *([Job("monitoring.demo_feed", "the demo's devices and gateways send a heartbeat (only with JILIANG_MONITORING_DEMO_FEED, "
               "which `jiliang demo` turns on)", "jiliang.monitoring.demo:keep_alive", every=dt.timedelta(minutes=5), at_start=True)]
          if settings.JILIANG_MONITORING_DEMO_FEED else []),
        Job("monitoring.purge", "delete monitoring data older than JILIANG_MONITORING_RETENTION_DAYS",
            "jiliang.monitoring.services:purge_expired", daily_at=dt.time(3, 30)),
        Job("verification.reminders", "store and send today's due-soon and overdue verification reminders",
            "jiliang.verification.reminders:run", daily_at=dt.time(7, 15)),
        Job("monitoring.followup", "tell assignees of alert deadlines nearing and passed (escalating the passed ones)",
            "jiliang.monitoring.followup:run", every=dt.timedelta(minutes=10)),
        Job("credit.nightly", "record credit events from overdue instruments and failed verifications, recompute every grade",
            "jiliang.credit.collect:run", daily_at=dt.time(2, 30)),
        Job("tasks.run", "run the queued background tasks (large imports and exports), oldest first",
            "jiliang.jobs.services:run_queued", every=dt.timedelta(seconds=2), frequent=True),
        Job("supervision.publish_due", "publish inspection results whose 20 working days end today",
            "jiliang.supervision.services:publish_due_results", daily_at=dt.time(6, 0)),
        Job("enforcement.reminders", "remind complaint handlers of deadlines near, escalate overdue ones to the city",
            "jiliang.enforcement.reminders:run", daily_at=dt.time(7, 30)),
        Job("enforcement.sharing", "export yesterday's cases and inspection results for the national platforms",
            "jiliang.enforcement.sharing:run", daily_at=dt.time(1, 30)),
        Job("dashboard.refresh", "count the dashboard's and the statistics page's figures per county and month",
            "jiliang.dashboard.refresh:run", every=dt.timedelta(minutes=settings.JILIANG_DASHBOARD_REFRESH_MINUTES),
            at_start=True),
        Job("tmp.sweep", "remove temporary files a killed process left in JILIANG_TMP_DIR (older than 6 h) and expired task files",
            "jiliang.tmpfiles:sweep", daily_at=dt.time(4, 0), at_start=True),
    ]


def find(name: str, registered: list[Job] | None = None) -> Job | None:
    return next((job for job in registered or jobs() if job.name == name), None)
