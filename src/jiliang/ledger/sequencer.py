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

import hashlib
import logging
import time
from collections.abc import Callable, Sequence

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import selectors
from .bulk import insert_rows
from .checkpoint import Checkpoint, open_checkpoint
from .keys import LogKeys, log_keys
from .merkle import (
    EMPTY_ROOT,
    LEAF_PREFIX,
    Frontier,
    GrowingFrontier,
    prove_consistency,
    verify_consistency,
)
from .models import LogEntry, PendingEntry, SignedCheckpoint, StoredTile, TreeHead
from .note import sign_note
from .tiles import ENTRY_BUNDLE_LEVEL, TILE_HEIGHT, TILE_WIDTH, Tile, bundle_item
from .witnessing import collect_cosignatures

logger = logging.getLogger("jiliang.ledger")

# pg_advisory_xact_lock key: "jiliang ledger" in ASCII, truncated to a signed 64-bit integer.
_POSTGRES_LOCK_KEY = int.from_bytes(b"jiliangL", "big") >> 1
_sha256 = hashlib.sha256


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


_last_frontier: Frontier | None = None  # after the last batch this process committed


def _remember_frontier(frontier: Frontier | None) -> None:
    global _last_frontier
    _last_frontier = frontier


def _frontier_of(head: TreeHead) -> Frontier:
    """Return the frontier of the stored tree, from this process's memory when still current."""
    cached = _last_frontier
    if cached is not None and cached.size == head.size and cached.root() == head.root_hash:
        return cached
    try:
        frontier = Frontier.from_storage(head.size, selectors.hash_reader(head.size))
    except selectors.MissingTileError as error:
        raise InconsistentTreeError(f"the tree head says {head.size} entries, the stored tiles fewer ({error})") from None
    if frontier.root() != head.root_hash:
        raise InconsistentTreeError(f"the stored tiles do not match the tree head of {head.size}")
    return frontier


def integrate_batch(batch_size: int | None = None) -> int:
    """Integrate up to ``batch_size`` pending entries in their commit order; return how many.

    One transaction, so one commit (one fsync) for the whole batch: the pending rows are taken
    and deleted by one statement, and the entry bundles, tiles and record index are written with
    a handful of bulk statements whatever the batch size.
    """
    batch_size = batch_size or settings.JILIANG_LEDGER_BATCH_SIZE
    with transaction.atomic():
        head = lock_tree_head()
        with connection.cursor() as cursor:
            cursor.execute(_CLAIM_PENDING, [batch_size])
            pending = sorted(cursor.fetchall())
        if pending:
            integrate_entries(head, [(kind, record_id, bytes(data)) for _, kind, record_id, data in pending])
    return len(pending)


_PENDING_TABLE = connection.ops.quote_name(PendingEntry._meta.db_table)
# Taking and deleting in one statement (both databases have DELETE ... RETURNING since 2021):
# the batch is exactly the rows deleted, whatever writers commit meanwhile.
_CLAIM_PENDING = (
    f"DELETE FROM {_PENDING_TABLE} WHERE id IN "
    f"(SELECT id FROM {_PENDING_TABLE} ORDER BY id LIMIT %s) RETURNING id, kind, record_id, data"
)


def integrate_entries(head: TreeHead, entries: Sequence[tuple[str, str, bytes]]) -> None:
    """Append ``(kind, record id, entry bytes)`` to the log after ``head``, which the caller has
    locked (``lock_tree_head``) in the current transaction, and advance the tree head.

    The hashes are computed with the frontier in memory; what is written per batch is one row per
    tile or entry bundle touched (a partial one is widened) and one record index row per entry.
    """
    growing = GrowingFrontier(_frontier_of(head))
    first = growing.size
    hashes_by_tile_level: dict[int, list[bytes]] = {}
    for _, _, data in entries:
        completed = growing.append(_sha256(LEAF_PREFIX + data).digest())
        for level in range(0, len(completed), TILE_HEIGHT):
            hashes_by_tile_level.setdefault(level // TILE_HEIGHT, []).append(completed[level])
    items_by_level = {ENTRY_BUNDLE_LEVEL: [bundle_item(data) for _, _, data in entries]}
    items_by_level.update(hashes_by_tile_level)
    _write_tiles(first, items_by_level)
    insert_rows(LogEntry, ("index", "kind", "record_id"),
                [(first + offset, kind, record_id) for offset, (kind, record_id, _) in enumerate(entries)])
    frontier = growing.frozen()
    head.size, head.root_hash = frontier.size, frontier.root()
    head.save(update_fields=["size", "root_hash", "updated_at"])
    transaction.on_commit(lambda: _remember_frontier(frontier))


def _write_tiles(first_entry: int, items_by_level: dict[int, list[bytes]]) -> None:
    """Write the new items of each level (hashes, or bundle items at ``ENTRY_BUNDLE_LEVEL``) into
    their tiles. A level's new items are contiguous, starting at the first entry's position on
    that level; the tile they start in may be stored partial already, and is widened."""
    pieces = []  # (level, tile index, offset in the tile, items)
    for level, items in items_by_level.items():
        position = first_entry >> (TILE_HEIGHT * max(level, 0))
        taken = 0
        while taken < len(items):
            index, offset = divmod(position, TILE_WIDTH)
            count = min(TILE_WIDTH - offset, len(items) - taken)
            pieces.append((level, index, offset, items[taken : taken + count]))
            taken += count
            position += count
    widened = [Tile(level, index, offset) for level, index, offset, _ in pieces if offset]
    stored = selectors.stored_tile_rows(widened) if widened else {}
    for tile in widened:
        width = stored.get((tile.level, tile.index), (0, b""))[0]
        if width != tile.width:
            raise InconsistentTreeError(
                f"{tile.path()} is stored {width} wide where the tree head says {tile.width}"
            )
    new_tiles = [(level, index, len(items), b"".join(items))
                 for level, index, offset, items in pieces if not offset]
    insert_rows(StoredTile, ("level", "index", "width", "data"), new_tiles)
    with connection.cursor() as cursor:
        cursor.executemany(_WIDEN_TILE, [
            (offset + len(items), stored[level, index][1] + b"".join(items), level, index)
            for level, index, offset, items in pieces if offset
        ])


_WIDEN_TILE = (
    f"UPDATE {connection.ops.quote_name(StoredTile._meta.db_table)} SET width = %s, data = %s "
    f"WHERE level = %s AND {connection.ops.quote_name('index')} = %s"
)


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
