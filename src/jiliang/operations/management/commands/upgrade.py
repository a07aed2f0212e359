"""`jiliang upgrade`: after installing a new version, bring the installation up to it in one step.

Applies the migrations, collects the static files (without them a production web server refuses
to start, see jiliang/startup.py) and prints what /readyz would say. Run it as the service user
with the services stopped, after a `jiliang backup` (docs/deployment.md).
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

import jiliang
from jiliang.health import readiness


class Command(BaseCommand):
    help = "Migrate the database and collect static files for the installed version, then check readiness."

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        self.stdout.write(f"jiliang {jiliang.__version__}: migrating")
        call_command("migrate", interactive=False, verbosity=verbosity)
        self.stdout.write("collecting static files")
        call_command("collectstatic", interactive=False, verbosity=max(0, verbosity - 1))
        problems = {name: state for name, state in readiness().items() if state != "ok"}
        for name, state in problems.items():
            self.stdout.write(self.style.ERROR(f"{name}: {state}"))
        if problems:
            raise CommandError("the installation is not ready (above); the web server would answer /readyz with 503")
        self.stdout.write(self.style.SUCCESS(f"ready: jiliang {jiliang.__version__}"))
