"""`jiliang demo`: migrate, load the Bazhong demo data set, print the logins, serve.

Each app that has demo data provides ``<app>/demo.py`` with ``load(out)``; loaders are idempotent, so
running the command again changes nothing and serves the same data.
"""

import importlib
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from jiliang.ledger.keys import create_log_keys

# Order matters: organizations and institutions exist before the users bound to them.
# The log comes last: it publishes what the others appended.
DEMO_LOADERS = ["jiliang.registry.demo", "jiliang.verification.demo", "jiliang.accounts.demo",
                "jiliang.verification.demo_logins", "jiliang.monitoring.demo", "jiliang.credit.demo",
                "jiliang.supervision.demo", "jiliang.enforcement.demo", "jiliang.dashboard.demo",
                "jiliang.ledger.demo", "jiliang.portal.demo"]


class Command(BaseCommand):
    help = "Create the demo database, load the Bazhong demo data set and serve it."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="load the data and stop")

    def handle(self, *args, addrport: str, no_serve: bool, **options):
        if settings.PRODUCTION:
            raise CommandError("The demo data set is not for a production database (JILIANG_ENV=production).")
        started = time.monotonic()
        self.stdout.write("Migrating the database…")
        call_command("migrate", interactive=False, verbosity=0)
        # What `jiliang init` does at a real install: the log's keys, here for the example origin.
        create_log_keys(settings.JILIANG_LEDGER_ORIGIN)
        logins = []
        for module_name in DEMO_LOADERS:
            module = importlib.import_module(module_name)
            result = module.load(self.stdout)
            logins.extend(result or [])
        self.stdout.write(self.style.SUCCESS(f"Demo data ready in {time.monotonic() - started:.1f} s."))
        self._print_logins(logins, addrport)
        if not no_serve:
            settings.JILIANG_MONITORING_DEMO_FEED = True  # the demo's devices stay alive while it serves (jobs registry)
            call_command("serve", addrport)

    def _print_logins(self, logins, addrport: str) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(f"Demo logins for http://{addrport}/"))
        width = max((len(login.username) for login in logins), default=8)
        for login in logins:
            self.stdout.write(f"  {login.username.ljust(width)}  {login.password}  {login.description}")
        self.stdout.write("")
