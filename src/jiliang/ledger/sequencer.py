"""The sequencer: the one writer of the log, integrating pending entries and signing checkpoints.

Every step runs in one database transaction that first takes the log lock: a PostgreSQL
transaction-scoped advisory lock, or on SQLite the database write lock, taken by updating the
``TreeHead`` row. Under the lock the step re-reads the tree head, so any number of sequencer
processes may run (after a crash, or by mistake) and still never assign an index twice: they
just take turns. A crash (even SIGKILL) rolls the open transaction back, so a batch is
integrated completely or not at all, and its entries stay pending for the next run.

A checkpoint is signed only for the current tree head and only after checking, with a
consistency proof built from the stored tiles, that the tree extends the previous checkpoint:
the log cannot sign two inconsistent checkpoints even if its tables were rewritten.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import selectors
from .checkpoint import Checkpoint, open_checkpoint
from .keys import LogKeys, log_keys
from .merkle import EMPTY_ROOT, Frontier, hash_leaf, prove_consistency, verify_consistency
from .models import LogEntry, PendingEntry, SignedCheckpoint, StoredTile, TreeHead
from .note import sign_note
from .tiles import ENTRY_BUNDLE_LEVEL, TILE_HEIGHT, TILE_WIDTH, encode_entry_bundle
from .witnessing import collect_cosignatures

logger = logging.getLogger("jiliang.ledger")

# pg_advisory_xact_lock key: "jiliang ledger" in ASCII, truncated to a signed 64-bit integer.
_POSTGRES_LOCK_KEY = int.from_bytes(b"jiliangL", "big") >> 1


class InconsistentTreeError(RuntimeError):
    """The stored tree does not extend the last signed checkpoint: refuse to sign."""


def lock_tree_head() -> TreeHead:
    """Take the log lock for the current transaction and return the tree head row."""
    if not connection.in_atomic_block:
        raise RuntimeError("the log lock is only held inside transaction.atomic()")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_POSTGRES_LOCK_KEY])
    else:  # a write takes SQLite's database lock, whatever the transaction mode
        TreeHead.objects.filter(pk=1).update(updated_at=timezone.now())
    head, _ = TreeHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"size": 0, "root_hash": EMPTY_ROOT}
    )
    head.root_hash = bytes(head.root_hash)
    return head


# --- Integration ---------------------------------------------------------------------------------


@dataclass
class _OpenTile:
    data: bytearray
    width: int
    stored: bool  # a row exists already (a partial tile this batch widens)


@dataclass
class _TileBatch:
    """The tiles and entry bundles one batch writes, starting from the stored partial ones."""

    tiles: dict[tuple[int, int], _OpenTile] = field(default_factory=dict)

    def add(self, level: int, position: int, item: bytes) -> None:
        """Append ``item`` (a hash, or an encoded entry) at ``position`` of its level."""
        index, offset = divmod(position, TILE_WIDTH)
        tile = self.tiles.get((level, index)) or self._open(level, index, offset)
        if tile.width != offset:
            raise InconsistentTreeError(
                f"tile ({level}, {index}) holds {tile.width} items where {offset} are expected"
            )
        tile.data += item
        tile.width += 1

    def _open(self, level: int, index: int, offset: int) -> _OpenTile:
        tile = _OpenTile(bytearray(), 0, False)
        if offset:
            row = StoredTile.objects.filter(level=level, index=index).first()
            if row is not None:
                tile = _OpenTile(bytearray(row.data), row.width, True)
        self.tiles[level, index] = tile
        return tile

    def save(self) -> None:
        new = []
        for (level, index), tile in self.tiles.items():
            if tile.stored:
                StoredTile.objects.filter(level=level, index=index).update(
                    width=tile.width, data=bytes(tile.data)
                )
            else:
                new.append(StoredTile(level=level, index=index, width=tile.width, data=bytes(tile.data)))
        StoredTile.objects.bulk_create(new)


_last_frontier: Frontier | None = None  # after the last batch this process committed


def _remember_frontier(frontier: Frontier) -> None:
    global _last_frontier
    _last_frontier = frontier


def _frontier_of(head: TreeHead) -> Frontier:
    """Return the frontier of the stored tree, from this process's memory when still current."""
    cached = _last_frontier
    if cached is not None and cached.size == head.size and cached.root() == head.root_hash:
        return cached
    frontier = Frontier.from_storage(head.size, selectors.hash_reader(head.size))
    if frontier.root() != head.root_hash:
        raise InconsistentTreeError(f"the stored tiles do not match the tree head of {head.size}")
    return frontier


def integrate_batch(batch_size: int | None = None) -> int:
    """Integrate up to ``batch_size`` pending entries in their commit order; return how many."""
    batch_size = batch_size or settings.JILIANG_LEDGER_BATCH_SIZE
    with transaction.atomic():
        head = lock_tree_head()
        pending = list(
            PendingEntry.objects.order_by("id").values_list("id", "kind", "record_id", "data")[
                :batch_size
            ]
        )
        if not pending:
            return 0
        frontier = _frontier_of(head)
        batch = _TileBatch()
        entries = []
        for _, kind, record_id, data in pending:
            index = frontier.size
            data = bytes(data)
            frontier, stored_hashes = frontier.append(hash_leaf(data))
            batch.add(ENTRY_BUNDLE_LEVEL, index, encode_entry_bundle([data]))
            for level in range(0, len(stored_hashes), TILE_HEIGHT):
                batch.add(level // TILE_HEIGHT, index >> level, stored_hashes[level])
            entries.append(LogEntry(index=index, kind=kind, record_id=record_id))
        batch.save()
        LogEntry.objects.bulk_create(entries)
        PendingEntry.objects.filter(id__in=[row[0] for row in pending]).delete()
        head.size, head.root_hash = frontier.size, frontier.root()
        head.save(update_fields=["size", "root_hash", "updated_at"])
        transaction.on_commit(lambda: _remember_frontier(frontier))
    return len(pending)


def integrate_pending(batch_size: int | None = None) -> int:
    """Integrate every entry pending now, batch by batch; return how many."""
    total = 0
    while count := integrate_batch(batch_size):
        total += count
    return total


# --- Checkpoints ---------------------------------------------------------------------------------


def sign_checkpoint(keys: LogKeys | None = None) -> SignedCheckpoint | None:
    """Sign a checkpoint for the tree head if it differs from the last one; return it, or None."""
    keys = keys or log_keys()
    with transaction.atomic():
        head = lock_tree_head()
        latest = SignedCheckpoint.objects.order_by("-size").first()
        if latest is not None and latest.size == head.size:
            return None
        if latest is not None:
            _check_extends(bytes(latest.note), head, keys)
        text = Checkpoint(keys.origin, head.size, head.root_hash).to_text()
        return SignedCheckpoint.objects.create(size=head.size, note=sign_note(text, keys.signers))


def _check_extends(note: bytes, head: TreeHead, keys: LogKeys) -> None:
    previous, _ = open_checkpoint(note, keys.origin, keys.verifiers())
    if previous.size > head.size:
        raise InconsistentTreeError(
            f"the tree head ({head.size}) is smaller than the last checkpoint ({previous.size})"
        )
    if previous.size == 0:
        return  # every tree extends the empty tree
    proof = prove_consistency(previous.size, head.size, selectors.hash_reader(head.size))
    try:
        verify_consistency(previous.size, head.size, proof, previous.root_hash, head.root_hash)
    except ValueError as error:
        raise InconsistentTreeError(
            f"the tree of {head.size} does not extend the checkpoint of {previous.size}: {error}"
        ) from error


# --- The running sequencer -----------------------------------------------------------------------


def publish(batch_size: int | None = None) -> SignedCheckpoint | None:
    """One round: integrate what is pending, sign a checkpoint if the tree grew, get it witnessed."""
    integrated = integrate_pending(batch_size)
    checkpoint = sign_checkpoint()
    latest = checkpoint or SignedCheckpoint.objects.order_by("-size").first()
    if latest is not None:
        collect_cosignatures(latest)
    if integrated:
        logger.info("integrated %d entries; tree size %d", integrated, latest.size)
    return checkpoint


def run(
    interval_ms: int | None = None,
    batch_size: int | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Publish every ``interval_ms`` (default ``JILIANG_LEDGER_SEQUENCE_INTERVAL_MS``) until stopped."""
    interval = (interval_ms or settings.JILIANG_LEDGER_SEQUENCE_INTERVAL_MS) / 1000
    while not should_stop():
        started = time.monotonic()
        publish(batch_size)
        time.sleep(max(0.0, interval - (time.monotonic() - started)))
