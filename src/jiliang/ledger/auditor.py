"""Auditing a whole log: recompute every hash from the entries and name exactly what is wrong.

``audit_log`` reads a log through a ``LogSource`` (the database, or any tlog-tiles URL via
``HttpTileSource``), verifies every checkpoint's signatures, recomputes every leaf hash and every
stored tile hash from the entry bundles, and checks that the tree at each checkpoint's size has
the signed root, and that the tree extends the checkpoint remembered from the previous audit.

When a stored hash and the recomputation disagree, the signed checkpoints decide which side was
changed: if the entries still produce the signed root, the stored tile hash is wrong; if only the
stored tiles do, the entry is. Each problem names one entry, tile hash or checkpoint. Pure Python.
"""

from __future__ import annotations

import bisect
import hashlib
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .checkpoint import Checkpoint, open_checkpoint
from .entries import EntryError, parse_entry
from .merkle import EMPTY_ROOT, LEAF_PREFIX, GrowingFrontier, MerkleError, tree_hash
from .note import NoteError, Verifier
from .tiles import (
    ENTRY_BUNDLE_LEVEL,
    TILE_HEIGHT,
    TILE_WIDTH,
    Tile,
    decode_entry_bundle,
    split_tile_data,
    tile_hash_reader,
    tile_width_in_tree,
)

BUNDLES_PER_READ = 64
_sha256 = hashlib.sha256
MAX_PROBLEMS = 1000


@dataclass(frozen=True)
class SourceCheckpoint:
    label: str  # how to name it in a report
    note: bytes
    stored_size: int | None = None  # the size the store files it under, if it has such a column


class LogSource(Protocol):
    def checkpoints(self) -> Sequence[SourceCheckpoint]: ...

    def head_size(self) -> int | None:
        """The integrated size to audit, or None to audit up to the newest valid checkpoint."""

    def read_tiles(self, tiles: Sequence[Tile]) -> Sequence[bytes]: ...

    def index_rows(self, start: int, end: int) -> dict[int, tuple[str, str]] | None:
        """``{index: (kind, record_id)}`` of the record index, or None if the source has none."""


class HttpTileSource:
    """A log published as C2SP tlog-tiles at ``url`` (``<url>/checkpoint``, ``<url>/tile/...``)."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _get(self, path: str) -> bytes:
        with urllib.request.urlopen(f"{self.url}/{path}", timeout=self.timeout) as response:
            return response.read()

    def checkpoints(self) -> list[SourceCheckpoint]:
        return [SourceCheckpoint(f"{self.url}/checkpoint", self._get("checkpoint"))]

    def head_size(self) -> None:
        return None

    def read_tiles(self, tiles: Sequence[Tile]) -> list[bytes]:
        try:
            return [self._get(tile.path()) for tile in tiles]
        except urllib.error.HTTPError as error:
            raise LookupError(f"{error.url}: HTTP {error.code}") from error

    def index_rows(self, start: int, end: int) -> None:
        return None


@dataclass
class AuditReport:
    size: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)
    latest_note: bytes | None = None  # the newest valid checkpoint, to remember for next time

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _Mismatch:
    """A stored tile hash that differs from the hash recomputed from the entries."""

    level: int  # tree level of the node (a multiple of 8)
    node: int  # node index at that level
    stored: bytes
    computed: bytes

    @property
    def leaves(self) -> tuple[int, int]:
        return self.node << self.level, (self.node + 1) << self.level

    def tile_position(self, size: int) -> str:
        tile_level = self.level // TILE_HEIGHT
        index, position = divmod(self.node, TILE_WIDTH)
        tile = Tile(tile_level, index, tile_width_in_tree(tile_level, index, size))
        return f"{tile.path()} hash {position}"


class _Walk:
    """One pass over all entries, recomputing the tree and comparing every stored tile hash."""

    def __init__(self, source: LogSource, size: int, sizes_of_interest: set[int], report: AuditReport):
        self.source = source
        self.size = size
        self.sizes = sizes_of_interest
        self.report = report
        self.frontier = GrowingFrontier()
        self.roots: dict[int, bytes] = {0: EMPTY_ROOT}
        self.mismatches: list[_Mismatch] = []
        self.upper: dict[int, tuple[Tile, list[bytes]]] = {}

    def run(self, progress: Callable[[int, int], None] | None) -> None:
        bundle_count = -(-self.size // TILE_WIDTH)
        for first in range(0, bundle_count, BUNDLES_PER_READ):
            bundles = range(first, min(first + BUNDLES_PER_READ, bundle_count))
            widths = [min(TILE_WIDTH, self.size - b * TILE_WIDTH) for b in bundles]
            tiles = [
                tile
                for b, width in zip(bundles, widths, strict=True)
                for tile in (Tile(ENTRY_BUNDLE_LEVEL, b, width), Tile(0, b, width))
            ]
            data = self.source.read_tiles(tiles)
            rows = self.source.index_rows(bundles[0] * TILE_WIDTH, bundles[-1] * TILE_WIDTH + widths[-1])
            for position in range(0, len(tiles), 2):
                self._bundle(tiles[position], tiles[position + 1], data[position], data[position + 1], rows)
            if progress:
                progress(self.frontier.size, self.size)

    def _bundle(self, bundle_tile: Tile, hash_tile: Tile, bundle: bytes, hashes: bytes, rows) -> None:
        stored = split_tile_data(hash_tile, hashes)
        try:
            entries = decode_entry_bundle(bundle)
        except ValueError as error:
            entries = []
            self.report.problems.append(f"{bundle_tile.path()} is malformed: {error}")
        if len(entries) != bundle_tile.width:
            if entries:
                self.report.problems.append(
                    f"{bundle_tile.path()} holds {len(entries)} entries, not {bundle_tile.width}"
                )
            leaves = stored  # carry on with the stored hashes
        else:
            leaves = [_sha256(LEAF_PREFIX + entry).digest() for entry in entries]
            if rows is not None:
                first = self.frontier.size
                for position, entry in enumerate(entries):
                    self._check_index_row(first + position, entry, rows.get(first + position))
            if leaves != stored:
                first = self.frontier.size
                self.mismatches.extend(
                    _Mismatch(0, first + position, stored[position], leaf)
                    for position, leaf in enumerate(leaves) if leaf != stored[position]
                )
        for leaf in leaves:
            self._add(leaf)

    def _check_index_row(self, index: int, entry: bytes, row: tuple[str, str] | None) -> None:
        try:
            record = parse_entry(entry)
        except EntryError as error:
            self.report.problems.append(f"entry {index} is not a valid log entry: {error}")
            return
        if row != (record.kind, record.record_id):
            self.report.problems.append(
                f"record index row {index} says {row!r} but entry {index} is about "
                f"{(record.kind, record.record_id)!r}"
            )

    def _add(self, leaf: bytes) -> None:
        index = self.frontier.size
        completed = self.frontier.append(leaf)
        for level in range(TILE_HEIGHT, len(completed), TILE_HEIGHT):
            node = index >> level
            stored = self._stored_hash(level // TILE_HEIGHT, node)
            if stored != completed[level]:
                self.mismatches.append(_Mismatch(level, node, stored, completed[level]))
        if self.frontier.size in self.sizes:
            self.roots[self.frontier.size] = self.frontier.root()

    def _stored_hash(self, tile_level: int, node: int) -> bytes:
        index, position = divmod(node, TILE_WIDTH)
        cached = self.upper.get(tile_level)
        if cached is None or cached[0].index != index:
            tile = Tile(tile_level, index, tile_width_in_tree(tile_level, index, self.size))
            cached = (tile, split_tile_data(tile, self.source.read_tiles([tile])[0]))
            self.upper[tile_level] = cached
        return cached[1][position]


def audit_log(
    source: LogSource,
    origin: str,
    verifiers: Sequence[Verifier],
    remembered: Checkpoint | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> AuditReport:
    """Audit the log behind ``source``; see the module docstring."""
    report = AuditReport()
    signed = _verified_checkpoints(source, origin, verifiers, report)
    head = source.head_size()
    report.size = head if head is not None else max(signed, default=0)
    for size, (label, _, _) in sorted(signed.items()):
        if size > report.size:
            report.problems.append(f"{label} is beyond the log's {report.size} entries")
    sizes = set(signed) | ({remembered.size} if remembered else set())
    walk = _Walk(source, report.size, sizes, report)
    try:
        walk.run(progress)
    except (LookupError, MerkleError) as error:
        report.problems.append(f"the log cannot be read to the end: {error}")
        return report
    _judge(walk, signed, report)
    if remembered is not None:
        _check_remembered(walk, remembered, report)
    if signed:
        report.latest_note = signed[max(signed)][1]
    del report.problems[MAX_PROBLEMS:]
    return report


def _verified_checkpoints(source, origin, verifiers, report) -> dict[int, tuple[str, bytes, bytes]]:
    """Return ``{size: (label, note, root)}`` of the checkpoints whose signatures verify."""
    signed: dict[int, tuple[str, bytes, bytes]] = {}
    for item in source.checkpoints():
        report.checkpoints += 1
        try:
            checkpoint, _ = open_checkpoint(item.note, origin, verifiers)
        except (NoteError, UnicodeDecodeError) as error:
            report.problems.append(f"{item.label}: signature check failed: {error}")
            continue
        if item.stored_size is not None and item.stored_size != checkpoint.size:
            report.problems.append(
                f"{item.label}: filed under size {item.stored_size} but signs size {checkpoint.size}"
            )
            continue
        other = signed.get(checkpoint.size)
        if other is not None and other[2] != checkpoint.root_hash:
            report.problems.append(
                f"{item.label} and {other[0]} sign two roots for size {checkpoint.size}: a fork"
            )
        signed[checkpoint.size] = (item.label, item.note, checkpoint.root_hash)
    return signed


def _judge(walk: _Walk, signed: dict[int, tuple[str, bytes, bytes]], report: AuditReport) -> None:
    """Turn hash mismatches into named problems, using the signed roots to decide the culprit."""
    sizes = sorted(size for size in signed if size <= walk.size)
    entries_good = {size: walk.roots.get(size) == signed[size][2] for size in sizes}
    tiles_good: dict[int, bool] = {}

    def tiles_match(size: int) -> bool:
        if size not in tiles_good:
            try:
                root = tree_hash(size, tile_hash_reader(walk.size, walk.source.read_tiles))
            except (LookupError, MerkleError):
                root = None
            tiles_good[size] = root == signed[size][2]
        return tiles_good[size]

    changed_entries = []
    for mismatch in walk.mismatches:
        start, end = mismatch.leaves
        later = bisect.bisect_left(sizes, end)
        covering = sizes[later] if later < len(sizes) else None
        where = mismatch.tile_position(walk.size)
        if covering is None:
            report.problems.append(
                f"{where} and the entries {start}..{end - 1} disagree, and no signed checkpoint "
                "covers them yet to tell which was changed"
            )
        elif entries_good[covering]:
            report.problems.append(
                f"{where} was changed: the entries {start}..{end - 1} give "
                f"{mismatch.computed.hex()}, the checkpoint of size {covering} agrees with them"
            )
        elif mismatch.level == 0 and tiles_match(covering):
            changed_entries.append(start)
            bundle = Tile(ENTRY_BUNDLE_LEVEL, start // TILE_WIDTH,
                          tile_width_in_tree(0, start // TILE_WIDTH, walk.size))
            report.problems.append(
                f"entry {start} ({bundle.path()} entry {start % TILE_WIDTH}) was changed: it no "
                f"longer hashes to {where}, which the checkpoint of size {covering} signs"
            )
        elif not any(start <= e < end for e in changed_entries):
            report.problems.append(f"{where} disagrees with the entries {start}..{end - 1}")
    for size in sizes:
        if not entries_good[size] and not tiles_match(size):
            report.problems.append(
                f"{signed[size][0]}: its signed root matches neither the entries nor the tiles "
                "(the history was rewritten, or the checkpoint was signed for another tree)"
            )


def _check_remembered(walk: _Walk, remembered: Checkpoint, report: AuditReport) -> None:
    if remembered.size > walk.size:
        report.problems.append(
            f"the log has {walk.size} entries, fewer than the {remembered.size} of the checkpoint "
            "remembered from the last audit: it was rolled back"
        )
    elif walk.roots.get(remembered.size) != remembered.root_hash:
        report.problems.append(
            f"the log is not consistent with the checkpoint of size {remembered.size} remembered "
            "from the last audit: its history was rewritten"
        )
