"""`jiliang witness serve`: a C2SP tlog-witness another agency runs to cosign our checkpoints.

    jiliang witness serve --name witness.sc.example --log "ORIGIN VKEY [VKEY ...]" \\
        [--listen 127.0.0.1:7380] [--prefix /] [--key FILE] [--state FILE]

The witness key is generated into ``var/witness/`` (0600) on first start; the command prints its
vkey, which the log operator adds to JILIANG_LEDGER_WITNESSES. See docs/ledger.md.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiliang.config import var_dir
from jiliang.ledger.cosignature import CosignatureV1Signer, parse_log_key
from jiliang.ledger.keys import load_or_create_skey
from jiliang.ledger.note import NoteError, generate_signer_key
from jiliang.ledger.witness import Witness, WitnessState, make_server


class Command(BaseCommand):
    help = "Run a transparency-log witness (C2SP tlog-witness add-checkpoint)."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        serve = commands.add_parser("serve", help="answer add-checkpoint requests")
        serve.add_argument("--name", required=True, help="the witness's key name, e.g. witness.sc.example")
        serve.add_argument(
            "--log", action="append", required=True, metavar="'ORIGIN VKEY [VKEY ...]'",
            help="a log to witness and its checkpoint keys; repeat for more logs",
        )
        serve.add_argument("--listen", default="127.0.0.1:7380", help="host:port")
        serve.add_argument("--prefix", default="", help="URL prefix before /add-checkpoint")
        serve.add_argument("--key", type=Path, help="default var/witness/witness.skey")
        serve.add_argument("--state", type=Path, help="default var/witness/state.json")

    def handle(self, *args, name, log, listen, prefix, key, state, **options):
        directory = var_dir() / "witness"
        directory.mkdir(parents=True, exist_ok=True)
        skey = load_or_create_skey(key or directory / "witness.skey", lambda: generate_signer_key(name))
        signer = CosignatureV1Signer.from_signer_key(skey)
        if signer.name != name:
            raise CommandError(f"the witness key is named {signer.name!r}, not {name!r}")
        witness = Witness(signer, _trusted_logs(log), WitnessState(state or directory / "state.json"))
        host, _, port = listen.rpartition(":")
        server = make_server(witness, host, int(port), prefix)
        self.stdout.write(f"witness vkey: {signer.verifier().vkey()}")
        self.stdout.write(f"listening on http://{listen}{prefix.rstrip('/')}/add-checkpoint")
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            server.server_close()


def _trusted_logs(items: list[str]) -> dict:
    logs = {}
    for item in items:
        origin, *vkeys = item.split()
        if not vkeys:
            raise CommandError(f"--log {item!r}: give the origin and at least one vkey")
        try:
            logs[origin] = [parse_log_key(vkey) for vkey in vkeys]
        except NoteError as error:
            raise CommandError(f"--log {origin}: {error}") from error
    return logs
