"""Helpers for the database-backed ledger tests: fill a log, tamper with it, audit it."""

from __future__ import annotations

import io
from pathlib import Path

from django.core.management import CommandError, call_command
from django.db import transaction

from jiliang.ledger import sequencer, services
from jiliang.ledger.models import StoredTile


def fill_log(count: int, start: int = 0, kind: str = "test.record", batch_size: int = 100) -> None:
    """Append ``count`` records and integrate them, signing one checkpoint at the end."""
    with transaction.atomic():
        for number in range(start, start + count):
            services.append(kind, {"id": f"R{number}", "value": number})
    sequencer.integrate_pending(batch_size)
    sequencer.sign_checkpoint()


def edit_tile(level: int, index: int, edit) -> None:
    """Replace the stored bytes of a tile (or bundle) by ``edit(bytes)``, as an intruder would."""
    row = StoredTile.objects.get(level=level, index=index)
    row.data = edit(bytes(row.data))
    row.save()


def flip_byte(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


def run_verify(state: Path, *args: str) -> tuple[bool, str]:
    """Run ``jiliang log verify`` remembering checkpoints in ``state``; return (passed, output)."""
    out = io.StringIO()
    try:
        call_command("log", "verify", "--state", str(state), *args, stdout=out, stderr=io.StringIO())
    except CommandError as error:
        return False, out.getvalue() + str(error)
    return True, out.getvalue()
