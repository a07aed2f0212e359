"""Reading the log: tiles, checkpoints, proofs and receipts. The log is public: nothing is scoped."""

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Count, Subquery

from .checkpoint import Checkpoint, open_checkpoint, parse_checkpoint
from .keys import configured_witnesses, log_keys
from .merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    HashReader,
    hash_leaf,
    prove_consistency,
    prove_inclusion,
    tree_hash,
    verify_consistency,
    verify_inclusion,
)
from .entries import parse_entry
from .models import Cosignature, LogEntry, PendingEntry, SignedCheckpoint, StoredTile, TreeHead
from .note import parse_note
from .receipt import Receipt
from .tiles import (
    ENTRY_BUNDLE_LEVEL,
    TILE_WIDTH,
    Tile,
    decode_entry_bundle,
    entry_bundle_prefix,
    tile_hash_reader,
    tile_width_in_tree,
)


class MissingTileError(LookupError):
    """The database lacks a tile (or has it narrower) that the tree head says exists."""


class NotInLogError(LookupError):
    """The entry or tree size asked for is not (yet) in a published checkpoint."""


class UnverifiableProofError(RuntimeError):
    """A proof built from the stored log does not verify against the log's own signed checkpoint:
    a tile, an entry or a checkpoint row was changed. Nothing of it may be served."""


logger = logging.getLogger("jiliang.ledger")


def tree_head() -> TreeHead:
    """Return the integrated tree's size and root (size 0 before the first integration)."""
    return TreeHead.objects.filter(pk=1).first() or TreeHead(pk=1, size=0, root_hash=EMPTY_ROOT)


def tree_size() -> int:
    """Return the integrated tree's size: ``tree_head().size`` in one plain query (every proof
    asks)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT size FROM {connection.ops.quote_name(TreeHead._meta.db_table)} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else 0


def read_stored_tiles(tiles: Sequence[Tile]) -> list[bytes]:
    """Return each tile's bytes at its requested width: hashes, or the first entries of a bundle."""
    rows = stored_tile_rows(tiles)
    return [_tile_bytes(tile, rows.get((tile.level, tile.index))) for tile in tiles]


def stored_tile_rows(tiles: Sequence[Tile]) -> dict[tuple[int, int], tuple[int, bytes]]:
    """Return ``{(level, index): (stored width, data)}`` of the rows of ``tiles`` that exist.

    One plain query for all of them: proofs read a handful of tiles each, and the ORM's query
    building would cost more than the read.
    """
    wanted_by_level: dict[int, list[int]] = defaultdict(list)
    for tile in tiles:
        wanted_by_level[tile.level].append(tile.index)
    condition = " OR ".join(
        f"(level = %s AND {_INDEX} IN ({', '.join(['%s'] * len(indexes))}))"
        for indexes in wanted_by_level.values()
    )
    parameters = [value for level, indexes in wanted_by_level.items() for value in (level, *indexes)]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT level, {_INDEX}, width, data FROM {_TILE_TABLE} WHERE {condition}", parameters)
        return {(level, index): (width, bytes(data)) for level, index, width, data in cursor.fetchall()}


_TILE_TABLE = connection.ops.quote_name(StoredTile._meta.db_table)
_INDEX = connection.ops.quote_name("index")


def _tile_bytes(tile: Tile, row: tuple[int, bytes] | None) -> bytes:
    if row is None or row[0] < tile.width:
        raise MissingTileError(f"{tile.path()} is not stored")
    width, data = row
    if tile.is_entry_bundle:
        return data if width == tile.width else entry_bundle_prefix(data, tile.width)
    return data[: tile.width * HASH_SIZE]


def hash_reader(size: int) -> HashReader:
    """Read the hashes of the tree of ``size`` from the stored tiles.

    Every read also asks for the level-0 tile holding the tree's last leaf (most proofs need it
    anyway): it is stored that wide only once the log has reached ``size``, so a tree the log has
    not reached raises ``MissingTileError`` without a query for the tree head.
    """
    if size == 0:
        return tile_hash_reader(size, read_stored_tiles)
    last = (size - 1) // TILE_WIDTH
    edge = Tile(0, last, tile_width_in_tree(0, last, size))

    def read_with_edge(tiles: Sequence[Tile]) -> list[bytes]:
        return read_stored_tiles([*tiles, edge])[: len(tiles)]

    return tile_hash_reader(size, read_with_edge)


def tile_resource(tile: Tile) -> bytes | None:
    """Return a tile or bundle for the static tiles API, or None when it does not exist."""
    try:
        return read_stored_tiles([tile])[0]
    except (MissingTileError, ValueError):
        return None


def entry_at(index: int) -> bytes:
    """Return the entry bytes at ``index``; ``NotInLogError`` when it is not integrated (yet)."""
    bundle_index, position = divmod(index, TILE_WIDTH)
    try:
        bundle = read_stored_tiles([Tile(ENTRY_BUNDLE_LEVEL, bundle_index, position + 1)])[0]
    except MissingTileError:
        raise NotInLogError(f"entry {index} is not in the log yet") from None
    return decode_entry_bundle(bundle)[position]


def _latest_indices(kind: str, record_id):
    return LogEntry.objects.filter(kind=kind, record_id=record_id).order_by("-index").values_list("index", flat=True)


def latest_index_of(kind: str, record_id: str) -> int | None:
    """Return the index of the latest integrated entry about the record, if any."""
    return _latest_indices(kind, record_id).first()


def latest_index_subquery(kind: str, record_id) -> Subquery:
    """``latest_index_of`` as a subquery of another model's query (``record_id``: an expression of
    the outer row, e.g. ``Cast(OuterRef("pk"), CharField())``), so a caller reads a record and its
    latest log index in one statement."""
    return Subquery(_latest_indices(kind, record_id)[:1])


def digests_of(kind: str, record_id: str) -> set[str]:
    """The document digests of every entry about the record: integrated, or pending integration."""
    indices = LogEntry.objects.filter(kind=kind, record_id=record_id).values_list("index", flat=True)
    entries = [entry_at(index) for index in indices]
    entries += [bytes(data) for data in PendingEntry.objects.filter(kind=kind, record_id=record_id)
                .values_list("data", flat=True)]
    return {parse_entry(entry).sha256 for entry in entries}


# --- Checkpoints ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedCheckpoint:
    """A checkpoint as the log serves it: the log's signed note plus the witnesses' cosignatures."""

    checkpoint: Checkpoint
    note: bytes


def witness_names() -> set[str]:
    """The key names (``name+keyid``) of the configured witnesses, as ``Cosignature.witness``."""
    return {witness.key_label for witness in configured_witnesses()}


def published_checkpoint() -> PublishedCheckpoint | None:
    """Return the newest checkpoint that satisfies the witness policy (k of n cosignatures).

    Every proof and receipt asks, so the checkpoint and its cosignatures come in one plain query,
    and the note is parsed once per process (it changes at most once per sequencer round).
    """
    quorum = settings.JILIANG_LEDGER_WITNESS_QUORUM
    if quorum <= 0:
        which, parameters = _LATEST_CHECKPOINT, []
    else:
        witnessed = (
            Cosignature.objects.filter(witness__in=witness_names())
            .values("checkpoint")
            .annotate(count=Count("witness"))
            .filter(count__gte=quorum)
            .order_by("-checkpoint__size")
            .values_list("checkpoint", flat=True)
            .first()
        )
        if witnessed is None:
            return None
        which, parameters = "%s", [witnessed]
    with connection.cursor() as cursor:
        cursor.execute(_PUBLISHED.format(which=which), parameters)
        rows = cursor.fetchall()
    if not rows:
        return None
    lines = "".join(line for _, line in rows if line is not None)
    return _published(bytes(rows[0][0]) + lines.encode())


_CHECKPOINT_TABLE = connection.ops.quote_name(SignedCheckpoint._meta.db_table)
_LATEST_CHECKPOINT = f"SELECT id FROM {_CHECKPOINT_TABLE} ORDER BY size DESC LIMIT 1"
_PUBLISHED = (
    f"SELECT c.note, w.line FROM {_CHECKPOINT_TABLE} c "
    f"LEFT JOIN {connection.ops.quote_name(Cosignature._meta.db_table)} w "
    "ON w.checkpoint_id = c.id WHERE c.id = ({which}) ORDER BY w.witness"
)


@functools.lru_cache(maxsize=16)
def _published(note: bytes) -> PublishedCheckpoint:
    """The checkpoint note of a signed checkpoint with every cosignature collected for it."""
    return PublishedCheckpoint(parse_checkpoint(parse_note(note).text), note)


# --- Proofs --------------------------------------------------------------------------------------


def proof_tree_size(size: int | None) -> int:
    """Return ``size``, or the published checkpoint's size when it is None. (A size the log has
    not reached is refused when its tiles are read: see ``hash_reader``.)"""
    if size is not None:
        return size
    published = published_checkpoint()
    if published is None:
        raise NotInLogError("the log has not published a checkpoint yet")
    return published.checkpoint.size


def _proof(prove, *sizes: int) -> list[bytes]:
    """Run ``prove`` over the stored tiles of the tree of ``sizes[-1]``; a tile the tree of that
    size would have but the database lacks means the log is not that large yet."""
    try:
        return prove(*sizes, hash_reader(sizes[-1]))
    except MissingTileError:
        raise NotInLogError(f"the log has no tree of size {sizes[-1]} yet") from None


def inclusion_proof(index: int, size: int | None = None) -> tuple[int, list[bytes]]:
    """Return ``(tree size, audit path)`` for entry ``index`` (in the published tree by default)."""
    size = proof_tree_size(size)
    if index >= size:
        raise NotInLogError(f"entry {index} is not in the tree of size {size}")
    return size, _proof(prove_inclusion, index, size)


def consistency_proof(old_size: int, new_size: int) -> list[bytes]:
    """Return the RFC 9162 consistency proof between two tree sizes (``old_size`` >= 1)."""
    return _proof(prove_consistency, old_size, proof_tree_size(new_size))


def receipt(index: int) -> Receipt:
    """Return the C2SP tlog-proof receipt of entry ``index`` against the published checkpoint."""
    published = published_checkpoint()
    if published is None or index >= published.checkpoint.size:
        raise NotInLogError(f"entry {index} is not in a published checkpoint yet")
    size = published.checkpoint.size
    proof = prove_inclusion(index, size, hash_reader(size))
    verified_inclusion(index, size, entry_at(index), proof)
    return Receipt(index, tuple(proof), published.note)


# --- What is served is checked first -------------------------------------------------------------


def _alarm(what: str, error: Exception) -> UnverifiableProofError:
    logger.critical("ALARM transparency log: %s does not verify against the signed checkpoint (%s); "
                    "run `jiliang log verify`", what, error)
    return UnverifiableProofError(what)


def _signed_anchor(size: int) -> Checkpoint:
    """The smallest signed checkpoint covering the tree of ``size``, its signature checked."""
    row = SignedCheckpoint.objects.filter(size__gte=size).order_by("size").values_list("note", flat=True).first()
    if row is None:
        raise NotInLogError(f"no signed checkpoint covers the tree of size {size} yet")
    keys = log_keys()
    try:
        return open_checkpoint(bytes(row), keys.origin, keys.verifiers())[0]
    except ValueError as error:
        raise _alarm(f"the checkpoint row covering size {size}", error) from error


def verified_root(size: int) -> bytes:
    """The root of the tree of ``size``: the signed one, or the stored tree's shown consistent
    with the next signed checkpoint."""
    anchor = _signed_anchor(size)
    if anchor.size == size:
        return anchor.root_hash
    reader = hash_reader(anchor.size)
    root = tree_hash(size, reader)
    try:
        verify_consistency(size, anchor.size, prove_consistency(size, anchor.size, reader), root, anchor.root_hash)
    except ValueError as error:
        raise _alarm(f"the stored tree of size {size}", error) from error
    return root


def verified_inclusion(index: int, size: int, entry: bytes, proof: Sequence[bytes]) -> None:
    """Raise ``UnverifiableProofError`` (and log the alarm) unless ``proof`` shows ``entry`` at
    ``index`` of the signed tree of ``size``."""
    try:
        verify_inclusion(index, size, hash_leaf(entry), proof, verified_root(size))
    except ValueError as error:
        raise _alarm(f"the inclusion proof of entry {index} in the tree of {size}", error) from error


def verified_consistency(old: int, new: int, proof: Sequence[bytes]) -> None:
    try:
        verify_consistency(old, new, proof, verified_root(old), verified_root(new))
    except ValueError as error:
        raise _alarm(f"the consistency proof {old} -> {new}", error) from error


class DatabaseLogSource:
    """The log as stored in this database, for ``auditor.audit_log``."""

    def checkpoints(self):
        from .auditor import SourceCheckpoint

        return [
            SourceCheckpoint(f"checkpoint of size {size} (row {pk})", bytes(note), size)
            for pk, size, note in SignedCheckpoint.objects.order_by("size").values_list(
                "pk", "size", "note"
            ).iterator()
        ]

    def head_size(self) -> int:
        return tree_head().size

    def read_tiles(self, tiles: Sequence[Tile]) -> list[bytes]:
        return read_stored_tiles(tiles)

    def index_rows(self, start: int, end: int) -> dict[int, tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(_INDEX_ROWS, [start, end])
            return {index: (kind, record_id) for index, kind, record_id in cursor.fetchall()}


_INDEX_ROWS = (
    f"SELECT {_INDEX}, kind, record_id FROM {connection.ops.quote_name(LogEntry._meta.db_table)} "
    f"WHERE {_INDEX} >= %s AND {_INDEX} < %s"
)
