"""`jiliang createuser`: create a user with a role and its binding, without the admin."""

import getpass

from django.core.management.base import BaseCommand, CommandError

from jiliang.accounts import services
from jiliang.accounts.models import Division, Role
from jiliang.errors import DomainError
from jiliang.registry.models import Organization
from jiliang.verification.models import Institution


class Command(BaseCommand):
    help = "Create a user: a role and what it is bound to (a division, an organization or an institution)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--division", help="division code, for regulators and auditors (e.g. 511902)")
        parser.add_argument("--organization", help="USCC of the organization, for owners")
        parser.add_argument("--institution", help="name of the institution, for institution staff")
        parser.add_argument("--name", default="", help="display name")
        parser.add_argument("--phone", default="")
        parser.add_argument("--password", help="taken from a prompt when omitted")

    def handle(self, *args, **options):
        password = options["password"] or getpass.getpass("Password: ")
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
            )
        except DomainError as error:
            details = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.fields.items())
            raise CommandError(f"{error.message} {details}".strip()) from None
        self.stdout.write(self.style.SUCCESS(f"Created {user.username} ({user.get_role_display()})."))

    @staticmethod
    def _lookup(model, **criteria):
        (field, value), = criteria.items()
        if not value:
            return None
        try:
            return model.objects.get(**criteria)
        except model.DoesNotExist:
            raise CommandError(f"No {model._meta.verbose_name} with {field}={value}.") from None
