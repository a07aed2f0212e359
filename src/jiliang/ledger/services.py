"""Writing to the log. Any app that wants a write to be tamper-evident calls ``append`` inside the
transaction of that write:

    with transaction.atomic():
        instrument_type.save()
        audit.record(actor, "instrument_type.update", instrument_type, ...)
        ledger.services.append("registry.instrument_type", audit.snapshot(instrument_type))

The entry is durable exactly when the transaction commits, and vanishes with it on a rollback; if
``append`` raises, the caller's transaction (and so its record) is not written either. The
sequencer integrates the entry within ``JILIANG_LEDGER_SEQUENCE_INTERVAL_MS``; from then on
``selectors.receipt`` gives its offline-verifiable receipt.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import sequencer
from .bulk import insert_rows
from .entries import LogRecord, make_entries
from .models import PendingEntry, SignedCheckpoint


class LedgerOutsideTransaction(RuntimeError):
    """A log entry must commit or roll back with the record it describes."""


def append(kind: str, record: Mapping[str, Any]) -> LogRecord:
    """Queue a log entry for ``record`` (a JSON object with an ``id``) in the current transaction.

    Only the record's kind, id, the SHA-256 of its RFC 8785 canonical JSON and the time go on the
    log; the record itself, and any personal data in it, stays off the log. Returns the entry.
    """
    return append_many(kind, [record])[0]


def append_many(kind: str, records: Iterable[Mapping[str, Any]]) -> list[LogRecord]:
    """``append`` for a batch of records (an import), written in one statement (a COPY on
    PostgreSQL) in the caller's transaction."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise LedgerOutsideTransaction(f"ledger.append({kind!r}) called outside transaction.atomic()")
    now = timezone.now()
    entries = make_entries(kind, records, now)
    insert_rows(PendingEntry, ("kind", "record_id", "data", "created_at"),
                [(e.kind, e.record_id, e.to_bytes(), now) for e in entries])
    return entries


def publish_now() -> SignedCheckpoint | None:
    """Integrate pending entries and sign and witness a checkpoint now, instead of on the timer."""
    return sequencer.publish()
