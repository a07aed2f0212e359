"""`jiliang serve [HOST:PORT]`: serve the platform for a trial or the demo, with the scheduled jobs
(the log's sequencer, the rule clock, reminders: jiliang.jobs) running in the same process, so that
new certificates reach the transparency log while it serves. On PostgreSQL, when a `jiliang jobs`
process already holds the jobs lock, it serves without them and says so.

Production runs behind a WSGI/ASGI server instead (see README: gunicorn jiliang.wsgi) with
`jiliang jobs` as its own service (docs/operations.md).
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from jiliang.jobs import scheduler
from jiliang.jobs.lock import JobsLock


class Command(BaseCommand):
    help = "Serve the platform on HOST:PORT (default 127.0.0.1:8000) for a trial or the demo, with the scheduled jobs."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-jobs", action="store_true", help="serve without running the scheduled jobs")

    def handle(self, *args, addrport: str, no_jobs: bool, **options):
        lock = JobsLock()
        jobs = None
        if no_jobs:
            self.stdout.write("Scheduled jobs: not run (--no-jobs).")
        elif lock.acquire():
            jobs = scheduler.start_in_background()
            self.stdout.write(f"Scheduled jobs: {len(jobs.get_jobs())} running in this process (jiliang jobs --list).")
        else:
            self.stdout.write("Scheduled jobs: another `jiliang jobs` process runs them.")
        try:
            call_command("runserver", addrport, use_reloader=False, use_threading=True)
        finally:
            if jobs is not None:
                jobs.shutdown()  # lets a running job finish its transaction
            lock.release()
