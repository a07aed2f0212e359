"""`jiliang createuser`: create a user with a role and its binding, without the admin.

The password never goes on the command line (where `ps` and the shell history show it): it is
asked at a terminal, or read from the first line of standard input (``--password-stdin``) or of a
file (``--password-file``), so an install script runs without a terminal. ``--administrator``
also makes the user the back office's superuser: the installation's first administrator.
"""

import getpass
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiliang.accounts import services
from jiliang.accounts.models import Division, Role
from jiliang.errors import DomainError
from jiliang.registry.models import Organization
from jiliang.verification.models import Institution


class Command(BaseCommand):
    help = ("Create a user: a role and what it is bound to (a division, an organization, an institution or a "
            "plan department).")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--division", help="division code, for regulators and auditors (e.g. 511902)")
        parser.add_argument("--organization", help="USCC of the organization, for owners")
        parser.add_argument("--institution", help="name of the institution, for institution staff")
        parser.add_argument("--department", default="",
                            help="a department named in the plan, for its reporter (with --division of the city)")
        parser.add_argument("--name", default="", help="display name")
        parser.add_argument("--phone", default="")
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        source.add_argument("--password-file", type=Path, help="read the password from this file's first line")
        parser.add_argument("--administrator", action="store_true",
                            help="also the back office's superuser (/admin/)")

    def handle(self, *args, **options):
        password = self._password(options["password_stdin"], options["password_file"])
        try:
            user = services.create_user(
                None,
                username=options["username"],
                password=password,
                role=options["role"],
                display_name=options["name"],
                phone=options["phone"],
                division=self._lookup(Division, code=options["division"]),
                organization=self._lookup(Organization, uscc=options["organization"]),
                institution=self._lookup(Institution, name=options["institution"]),
                department=options["department"],
                administrator=options["administrator"],
            )
        except DomainError as error:
            details = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.fields.items())
            raise CommandError(f"{error.message} {details}".strip()) from None
        self.stdout.write(self.style.SUCCESS(f"Created {user.username} ({user.get_role_display()})."))

    @staticmethod
    def _password(from_stdin: bool, from_file: Path | None) -> str:
        if from_file:
            try:
                lines = from_file.read_text(encoding="utf-8").splitlines()
            except OSError as error:
                raise CommandError(f"--password-file: {error.strerror}: {from_file}") from None
        elif from_stdin or not sys.stdin.isatty():
            lines = sys.stdin.read().splitlines()
        else:
            return getpass.getpass("Password: ")
        if not lines or not lines[0]:
            raise CommandError("No password given: the first line of the input is empty.")
        return lines[0]

    @staticmethod
    def _lookup(model, **criteria):
        (field, value), = criteria.items()
        if not value:
            return None
        try:
            return model.objects.get(**criteria)
        except model.DoesNotExist:
            raise CommandError(f"No {model._meta.verbose_name} with {field}={value}.") from None
