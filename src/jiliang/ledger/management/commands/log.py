"""`jiliang log ...`: run the sequencer, audit the log, publish it as static tiles, show its keys.

    jiliang log sequence [--once] [--interval-ms N] [--batch-size N]
    jiliang log verify [--tiles-url URL] [--state FILE] [--vkey VKEY ...]
    jiliang log verify-receipt FILE [--vkey VKEY ...] [--witness-vkey VKEY ...] [--quorum K] [--entry FILE]
    jiliang log export-tiles DIR
    jiliang log keys
"""

import logging
import signal
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jiliang.config import var_dir
from jiliang.ledger import auditor, export, selectors, sequencer
from jiliang.ledger.checkpoint import open_checkpoint
from jiliang.ledger.cosignature import parse_cosigner_key, parse_log_key
from jiliang.ledger.keys import LogKeysMissing, log_keys
from jiliang.ledger.merkle import MerkleError, hash_leaf
from jiliang.ledger.note import NoteError
from jiliang.ledger.receipt import parse_receipt, verify_receipt


logger = logging.getLogger("jiliang.ledger")


class Command(BaseCommand):
    help = "Run, audit and publish the transparency log (docs/ledger.md)."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        sequence = commands.add_parser("sequence", help="integrate entries and sign checkpoints")
        sequence.add_argument("--once", action="store_true", help="one round, then exit")
        sequence.add_argument("--interval-ms", type=int, help="default JILIANG_LEDGER_SEQUENCE_INTERVAL_MS")
        sequence.add_argument("--batch-size", type=int, help="default JILIANG_LEDGER_BATCH_SIZE")
        verify = commands.add_parser("verify", help="recompute and check the whole log")
        verify.add_argument("--tiles-url", help="audit a published log instead of the database")
        verify.add_argument("--state", type=Path, help="where the last verified checkpoint is kept")
        verify.add_argument("--vkey", action="append", default=[], help="log vkey (default: ours)")
        verify.add_argument("--origin", help="log origin (default: JILIANG_LEDGER_ORIGIN)")
        receipt = commands.add_parser("verify-receipt", help="check a .tlog-proof receipt offline")
        receipt.add_argument("file", type=Path)
        receipt.add_argument("--vkey", action="append", default=[], help="log vkey (default: ours)")
        receipt.add_argument("--origin", help="log origin (default: JILIANG_LEDGER_ORIGIN)")
        receipt.add_argument("--witness-vkey", action="append", default=[], help="a trusted witness's vkey")
        receipt.add_argument("--quorum", type=int, default=0, help="cosignatures required of those witnesses")
        receipt.add_argument("--entry", type=Path, help="the entry's bytes, when the receipt does not carry them")
        export_tiles = commands.add_parser("export-tiles", help="write the log as static files")
        export_tiles.add_argument("directory", type=Path)
        commands.add_parser("keys", help="print the log's public keys (vkeys)")

    def handle(self, *args, action, **options):
        try:
            getattr(self, "_" + action.replace("-", "_"))(**options)
        except LogKeysMissing as error:
            raise CommandError(str(error)) from None

    def _sequence(self, once, interval_ms, batch_size, **_):
        try:
            self._run_sequencer(once, interval_ms, batch_size)
        except sequencer.InconsistentTreeError as error:
            # The stored tree no longer matches itself: integrating or signing more would build on
            # it. One line, no traceback, a non-zero exit for the supervisor.
            message = f"sequencer stopped, the log is refused: {error}; run `jiliang log verify`"
            logger.error(message)
            raise CommandError(message) from None

    def _run_sequencer(self, once, interval_ms, batch_size):
        if once:
            checkpoint = sequencer.publish(batch_size)
            self.stdout.write(f"checkpoint of size {checkpoint.size} signed" if checkpoint else "nothing new")
            return
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        self.stdout.write("sequencing; Ctrl-C or SIGTERM stops after the current round")
        try:
            sequencer.run(interval_ms, batch_size, should_stop=lambda: bool(stopping))
        except KeyboardInterrupt:
            pass

    def _verify(self, tiles_url, state, vkey, origin, **_):
        origin = origin or settings.JILIANG_LEDGER_ORIGIN
        try:
            verifiers = [parse_log_key(k) for k in vkey] if vkey else log_keys().verifiers()
        except NoteError as error:
            raise CommandError(f"--vkey: {error}") from error
        state = state or var_dir() / "ledger" / f"verified-{_file_name(origin)}.checkpoint"
        remembered = _remembered(state, origin, verifiers)
        source = auditor.HttpTileSource(tiles_url) if tiles_url else selectors.DatabaseLogSource()
        report = auditor.audit_log(
            source, origin, verifiers, remembered,
            lambda done, total: sys.stderr.write(f"\r{done}/{total} entries checked"),
        )
        sys.stderr.write("\n")
        for problem in report.problems:
            self.stdout.write(self.style.ERROR(problem))
        if not report.ok:
            raise CommandError(f"the log is NOT consistent: {len(report.problems)} problem(s)")
        if report.latest_note:
            state.parent.mkdir(parents=True, exist_ok=True)
            export.write_atomically(state, report.latest_note)
        self.stdout.write(self.style.SUCCESS(
            f"OK: {report.size} entries and {report.checkpoints} checkpoint(s) verified"
        ))

    def _verify_receipt(self, file, vkey, origin, witness_vkey, quorum, entry, **_):
        """Offline: the checkpoint's signatures (log, and ``quorum`` of the witnesses) and the audit
        path from the entry's leaf hash to the checkpoint's root; the entry comes from the receipt's
        extra line (the public check's receipts carry it) or from --entry."""
        origin = origin or settings.JILIANG_LEDGER_ORIGIN
        try:
            verifiers = [parse_log_key(k) for k in vkey] if vkey else log_keys().verifiers()
            witnesses = [parse_cosigner_key(k) for k in witness_vkey]
            proof = parse_receipt(file.read_bytes())
        except (NoteError, OSError) as error:
            raise CommandError(f"{file}: {error}") from error
        data = entry.read_bytes() if entry else proof.extra
        if data is None:
            raise CommandError(f"{file}: the receipt carries no entry; give its bytes with --entry FILE")
        try:
            checkpoint = verify_receipt(proof, hash_leaf(data), origin, verifiers, witnesses, quorum)
        except (NoteError, MerkleError) as error:
            raise CommandError(f"{file}: the receipt does NOT verify: {error}") from error
        self.stdout.write(self.style.SUCCESS(
            f"OK: entry {proof.index} is in the log {origin} of size {checkpoint.size} "
            f"(root {checkpoint.root_hash.hex()})"
        ))
        self.stdout.write(data.decode("utf-8", "replace"))

    def _export_tiles(self, directory, **_):
        published = selectors.published_checkpoint()
        if published is None:
            raise CommandError("the log has not published a checkpoint yet")
        written = export.export_tiles(
            directory, published.checkpoint.size, published.note, selectors.read_stored_tiles,
            lambda done, total: sys.stderr.write(f"\r{done}/{total} tiles written"),
        )
        sys.stderr.write("\n")
        self.stdout.write(f"{directory}: {written} file(s) written for {published.checkpoint.size} entries")

    def _keys(self, **_):
        for vkey in log_keys().vkeys():
            self.stdout.write(vkey)


def _file_name(origin: str) -> str:
    return "".join(c if c.isalnum() or c in "-." else "_" for c in origin)


def _remembered(path: Path, origin, verifiers):
    if not path.exists():
        return None
    try:
        return open_checkpoint(path.read_bytes(), origin, verifiers)[0]
    except NoteError as error:
        raise CommandError(f"{path}: the remembered checkpoint does not verify: {error}") from error
