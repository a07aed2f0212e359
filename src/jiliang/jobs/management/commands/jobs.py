"""`jiliang jobs`: run every scheduled job on its schedule, in one supervised process (stop it with
Ctrl-C or SIGTERM; run it under systemd with ``Restart=always``). On PostgreSQL it holds the jobs
lock: a second one exits with one line, or waits as a standby with ``--wait``.

`jiliang jobs --list` shows the jobs and their schedules; `jiliang jobs --run-once NAME` runs one
job now, in this process, without the lock (every job is safe to run beside the scheduled one).
"""

import signal

from apscheduler.schedulers.blocking import BlockingScheduler
from django.core.management.base import BaseCommand, CommandError

from jiliang.jobs import registry, runner, scheduler
from jiliang.jobs.lock import JobsLock


class Command(BaseCommand):
    help = "Run the scheduled jobs (the log's sequencer, the rule clock, reminders, ...); see docs/operations.md."

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", help="list the jobs and their schedules")
        parser.add_argument("--run-once", metavar="NAME", help="run one job now and exit")
        parser.add_argument("--wait", action="store_true",
                            help="PostgreSQL: wait for the jobs lock instead of exiting when another process holds it")

    def handle(self, *args, list: bool, run_once: str | None, wait: bool, **options):
        if list:
            self._list()
        elif run_once:
            self._run_once(run_once)
        else:
            self._serve(wait)

    def _list(self) -> None:
        jobs = registry.jobs()
        width = max(len(job.name) for job in jobs)
        for job in jobs:
            self.stdout.write(f"{job.name.ljust(width)}  {job.schedule():<32}  {job.description}")

    def _run_once(self, name: str) -> None:
        job = registry.find(name)
        if job is None:
            known = ", ".join(job.name for job in registry.jobs())
            raise CommandError(f"No job named {name!r}; the jobs are: {known}.")
        if not runner.run(job):
            raise CommandError(f"Job {name} failed (the log above has the error).")
        self.stdout.write(self.style.SUCCESS(f"Job {name} done."))

    def _serve(self, wait: bool) -> None:
        lock = JobsLock()
        if not lock.acquire(wait=wait):
            raise CommandError("Another `jiliang jobs` process holds the jobs lock on this database; "
                               "this one exits (use --wait to stand by).")
        jobs = scheduler.build(BlockingScheduler)
        signal.signal(signal.SIGTERM, lambda *_: jobs.shutdown(wait=False))
        held = "holding the jobs lock" if lock.enforced else "SQLite: one jobs process assumed"
        self.stdout.write(f"jobs: {len(registry.jobs())} scheduled, {held}; Ctrl-C stops.", ending="\n")
        self.stdout.flush()
        try:
            jobs.start()
        except KeyboardInterrupt:
            jobs.shutdown(wait=False)
        finally:
            lock.release()
        self.stdout.write("jobs: stopped.")
