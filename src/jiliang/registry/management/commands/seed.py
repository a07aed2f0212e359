"""`jiliang seed --instruments 1000000`: a city-scale registry for benchmarks (SQLite or PostgreSQL).

Every kind of demo site scaled alike, with its own natural keys (it never collides with the demo
set). Bulk inserts in batches, one transaction and one ``seed.load`` audit event per batch;
stop it at any time and run it again to carry on where it stopped.
"""

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from jiliang.registry import synthetic


class Command(BaseCommand):
    help = "Build a city-scale registry (organizations, sites, instruments) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--instruments", type=int, default=1_000_000, help="about how many instruments")

    def handle(self, *args, instruments: int, **options):
        if settings.PRODUCTION:
            raise CommandError("Synthetic data is not for a production database (JILIANG_ENV=production).")
        if instruments < 1:
            raise CommandError("--instruments must be at least 1.")
        call_command("migrate", interactive=False, verbosity=0)
        scale = instruments / synthetic.DEMO_INSTRUMENTS
        started = time.monotonic()
        with Progress(TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn()) as bar:
            tasks: dict[str, int] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done, total=total)

            created = synthetic.load(synthetic.SEED, scale=scale, progress=progress)
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            f"Seeded {created['organizations']} organizations, {created['sites']} sites and "
            f"{created['instruments']} instruments in {elapsed:.1f} s "
            f"({created['instruments'] / elapsed if elapsed else 0:,.0f} instruments/s)."
        ))
