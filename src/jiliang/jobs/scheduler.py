"""The scheduler behind `jiliang jobs` (in the foreground) and `jiliang serve` (in the background):
APScheduler 3 with the registered jobs in memory (they are code, re-added at every start), run in a
small thread pool so that a slow job (the daily reminders) does not hold up the frequent ones. A
job never runs twice at once (``max_instances=1``); runs missed while it was busy or the process
was paused collapse into one (``coalesce``)."""

from __future__ import annotations

import datetime as dt

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from django.conf import settings

from . import registry, runner

WORKERS = 4


def build(scheduler_class: type[BaseScheduler], jobs: list[registry.Job] | None = None) -> BaseScheduler:
    scheduler = scheduler_class(
        timezone=settings.TIME_ZONE, executors={"default": ThreadPoolExecutor(WORKERS)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )
    for job in registry.jobs() if jobs is None else jobs:
        first = {"next_run_time": dt.datetime.now(dt.UTC)} if job.at_start else {}
        scheduler.add_job(runner.run, job.trigger(), args=[job], id=job.name, name=job.name, **first)
    return scheduler


def start_in_background(jobs: list[registry.Job] | None = None) -> BackgroundScheduler:
    """Start the jobs in threads of this process (`jiliang serve`); the caller holds the lock."""
    scheduler = build(BackgroundScheduler, jobs)
    scheduler.start()
    return scheduler
