"""`jiliang init --origin ORIGIN`: the install-time decisions, made once: the transparency log's keys
and, beside them, the bureau's root CA that issues the institutions' document-signing certificates.

The origin names the log for ever (docs/ledger.md), so it is given explicitly here and never taken
from a default; the command prints the line the environment file needs and the public keys to give
auditors and witnesses. Run again with the same origin it changes nothing.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jiliang.config import ConfigurationError
from jiliang.ledger.keys import create_log_keys
from jiliang.ledger.note import NoteError
from jiliang.verification.documents.keys import bureau_ca


class Command(BaseCommand):
    help = "Make the transparency log's keys for ORIGIN, once, at install (docs/deployment.md)."

    def add_arguments(self, parser):
        parser.add_argument("--origin", required=True,
                            help="the log's name for ever, e.g. jiliang.bzsjj.gov.cn/log")

    def handle(self, *args, origin: str, **options):
        configured = settings.JILIANG_LEDGER_ORIGIN
        if configured and configured != origin:
            raise CommandError(
                f"--origin {origin!r} differs from JILIANG_LEDGER_ORIGIN={configured!r} in the environment: "
                "make them the same."
            )
        try:
            keys = create_log_keys(origin)
        except (ConfigurationError, NoteError, ValueError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"transparency log keys for {origin} in {settings.JILIANG_LEDGER_KEY_DIR}")
        for vkey in keys.vkeys():
            self.stdout.write(f"  {vkey}")
        ca = bureau_ca()
        self.stdout.write(f"bureau root CA for document signatures: SHA-256 {ca.fingerprint()}")
        if not configured:
            self.stdout.write(f"Add to the environment file: JILIANG_LEDGER_ORIGIN={origin}")
