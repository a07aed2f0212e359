"""`jiliang reminders`: the daily due/overdue reminder job (verification.reminders).

The jobs process runs it every day at 07:15 (job ``verification.reminders`` of `jiliang jobs`,
docs/operations.md); this runs it by hand. Running it again on the same day stores and sends
nothing new.
"""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError

from jiliang.verification import reminders


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--date {text!r} is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = "Store and send today's due-soon and overdue verification reminders (idempotent per day)."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=_date, default=None, help="the day to remind for (default: today)")
        parser.add_argument("--within-days", type=int, default=None,
                            help="due soon = expiring within this many days (default JILIANG_VERIFICATION_DUE_DAYS)")

    def handle(self, *args, date: datetime.date | None, within_days: int | None, **options):
        if within_days is not None and within_days < 1:
            raise CommandError("--within-days must be at least 1.")
        started = time.monotonic()
        result = reminders.run(date, within_days=within_days)
        self.stdout.write(self.style.SUCCESS(
            f"Reminders for {result.day} (due within {result.within_days} days): "
            f"{result.instruments.get(reminders.DUE_SOON, 0)} instruments due soon, "
            f"{result.instruments.get(reminders.OVERDUE, 0)} overdue; "
            f"{sum(result.created.values())} reminders stored ({result.already_there} already there), "
            f"{result.notices} notices, delivered {result.delivered} in {time.monotonic() - started:.1f} s."
        ))
