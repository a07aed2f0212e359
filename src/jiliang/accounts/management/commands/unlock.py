"""`jiliang unlock USERNAME`: lift a sign-in lock-out before it ends by itself, audited."""

import getpass

from django.core.management.base import BaseCommand

from jiliang.accounts import services


class Command(BaseCommand):
    help = "Lift the sign-in lock-out of a username (recorded in the audit log with the operator's login name)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, **options):
        count = services.lift_lock_out(f"cli:{getpass.getuser()}", options["username"])
        self.stdout.write(f"Cleared {count} failed sign-in record(s) of {options['username']}.")
