"""C2SP tlog-tiles: which tiles a tree has, their paths, their contents, and entry bundles.

A tile at level ``L`` with index ``N`` holds up to 256 consecutive node hashes of tree level ``8L``:
hash ``i`` is the root of leaves ``[(N*256 + i) * 256**L, (N*256 + i + 1) * 256**L)``. A tile is
*full* with 256 hashes; the last tile of a level may be *partial*, with width ``W`` < 256, and is
then published at ``tile/<L>/<N>.p/<W>``. Once written, a path never changes, so all of it can be
cached forever; a growing tree publishes new, wider partial tiles under new paths.

Entry bundles (``tile/entries/<N>[.p/<W>]``) sit beside the level-0 tiles: bundle ``N`` holds the
entries whose leaf hashes are level-0 tile ``N``. Like Go's sumdb, this module gives them level
``ENTRY_BUNDLE_LEVEL`` (-1), so that one ``Tile`` type names every immutable resource of the log.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from .merkle import (
    HASH_SIZE,
    HashReader,
    NODE_PREFIX,
    MerkleError,
    require_hash,
    split_stored_hash_index,
    stored_hash_index,
)

_sha256 = hashlib.sha256

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_TILE_LEVEL = 63
ENTRY_BUNDLE_LEVEL = -1
MAX_ENTRY_SIZE = 0xFFFF  # entry bundles prefix each entry with a big-endian uint16 length


class Tile(NamedTuple):
    """One tile (or, at ``ENTRY_BUNDLE_LEVEL``, one entry bundle) of a tiled log.

    A named tuple rather than a dataclass: a proof names a few dozen tiles, and a tuple is made,
    hashed and compared in C.
    """

    level: int
    index: int
    width: int = TILE_WIDTH

    @property
    def is_entry_bundle(self) -> bool:
        return self.level == ENTRY_BUNDLE_LEVEL

    @property
    def is_partial(self) -> bool:
        return self.width < TILE_WIDTH

    def path(self) -> str:
        """Return the C2SP path below the log prefix, e.g. ``tile/1/x001/234.p/17``."""
        if not ENTRY_BUNDLE_LEVEL <= self.level <= MAX_TILE_LEVEL:
            raise ValueError(f"tile level {self.level} is outside 0..{MAX_TILE_LEVEL}")
        if not 1 <= self.width <= TILE_WIDTH:
            raise ValueError(f"tile width {self.width} is outside 1..{TILE_WIDTH}")
        level = "entries" if self.is_entry_bundle else str(self.level)
        partial = f".p/{self.width}" if self.is_partial else ""
        return f"tile/{level}/{encode_tile_index(self.index)}{partial}"

    def entry_bundle(self) -> Tile:
        """Return the entry bundle whose entries hash to this level-0 tile."""
        if self.level != 0:
            raise ValueError("only level-0 tiles have an entry bundle")
        return Tile(ENTRY_BUNDLE_LEVEL, self.index, self.width)


def encode_tile_index(index: int) -> str:
    """Encode a tile index as C2SP path segments: 1234067 becomes ``x001/x234/067``.

    Groups of three digits keep every directory under 1000 entries on static file servers.
    """
    if index < 0:
        raise ValueError(f"tile index must not be negative, got {index}")
    groups = []
    while True:
        index, group = divmod(index, 1000)
        groups.append(f"{group:03d}")
        if index == 0:
            break
    groups.reverse()
    return "/".join([f"x{group}" for group in groups[:-1]] + groups[-1:])


_TILE_PATH = re.compile(
    r"tile/(?P<level>entries|0|[1-9][0-9]?)/(?P<index>(?:x[0-9]{3}/)*[0-9]{3})(?:\.p/(?P<width>[1-9][0-9]{0,2}))?"
)


def parse_tile_path(path: str) -> Tile:
    """Parse a C2SP tile or entry-bundle path (without the log prefix) into a ``Tile``.

    Only the canonical spelling is accepted, so that each resource has exactly one URL.
    """
    match = _TILE_PATH.fullmatch(path)
    if not match:
        raise ValueError(f"not a tile path: {path!r}")
    level = ENTRY_BUNDLE_LEVEL if match["level"] == "entries" else int(match["level"])
    index = int(match["index"].replace("x", "").replace("/", ""))
    width = int(match["width"]) if match["width"] else TILE_WIDTH
    tile = Tile(level, index, width)
    if tile.path() != path:  # e.g. a needless leading x000/ group or a ".p/256"
        raise ValueError(f"not the canonical tile path: {path!r}, expected {tile.path()!r}")
    return tile


# --- Tree shape ----------------------------------------------------------------------------------


def changed_tiles(old_size: int, new_size: int, height: int = TILE_HEIGHT) -> list[Tile]:
    """Return the hash tiles that a tree of ``new_size`` has and a tree of ``old_size`` lacks.

    ``changed_tiles(0, size)`` lists every tile of the tree: at each level, its full tiles and its
    final partial tile. Growing a tree touches only the last tile of each level plus new ones,
    which is what a sequencer writes after a batch (Go's ``tlog.NewTiles``). ``height`` is only
    a parameter so that the arithmetic can be checked against Go's tests; C2SP fixes it at 8.
    """
    if not 0 <= old_size <= new_size:
        raise ValueError(f"tree sizes must satisfy 0 <= {old_size} <= {new_size}")
    full_width = 1 << height
    tiles = []
    level = 0
    while new_size >> (height * level):
        old_count = old_size >> (height * level)
        new_count = new_size >> (height * level)
        if old_count != new_count:
            first_index = old_count >> height
            last_index, last_width = divmod(new_count, full_width)
            tiles.extend(Tile(level, n, full_width) for n in range(first_index, last_index))
            if last_width:
                tiles.append(Tile(level, last_index, last_width))
        level += 1
    return tiles


def tile_width_in_tree(level: int, index: int, size: int) -> int:
    """Return the width tile ``(level, index)`` has in a tree of ``size``, or 0 if it has none."""
    hashes_at_level = size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, hashes_at_level - index * TILE_WIDTH))


# --- Tile contents -------------------------------------------------------------------------------


def tile_hash_indexes(tile: Tile) -> list[int]:
    """Return the stored hash indexes of the hashes a hash tile contains, in tile order."""
    if tile.is_entry_bundle:
        raise ValueError("an entry bundle holds entries, not hashes")
    tree_level = TILE_HEIGHT * tile.level
    first = tile.index * TILE_WIDTH
    return [stored_hash_index(tree_level, first + i) for i in range(tile.width)]


def read_tile_data(tile: Tile, read_hashes: HashReader) -> bytes:
    """Return the bytes of a hash tile (its hashes concatenated) from the stored hashes."""
    indexes = tile_hash_indexes(tile)
    hashes = list(read_hashes(indexes))
    if len(hashes) != len(indexes):
        raise MerkleError(f"hash reader returned {len(hashes)} hashes for {tile.path()}")
    return b"".join(require_hash(h, f"{tile.path()} hash") for h in hashes)


def split_tile_data(tile: Tile, data: bytes) -> list[bytes]:
    """Split a hash tile's bytes into its hashes, checking the length matches the tile width."""
    if len(data) != tile.width * HASH_SIZE:
        raise MerkleError(f"{tile.path()} must be {tile.width * HASH_SIZE} bytes, got {len(data)}")
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


TileReader = Callable[[Sequence[Tile]], Sequence[bytes]]
"""Returns the bytes of each requested hash tile, in the same order."""


def tile_hash_reader(size: int, read_tiles: TileReader) -> HashReader:
    """Adapt a store of tiles into a ``HashReader`` for the proofs in ``merkle``.

    Tiles hold only every eighth tree level; a node in between is the root of a run of hashes in
    one tile and is recomputed. Each batch of indexes reads each needed tile once, at the width
    it has in the tree of ``size`` (Go's ``tlog.TileHashReader``, minus the tile authentication,
    which callers get by verifying the resulting proofs against a signed checkpoint).
    """

    def read_hashes(indexes: Sequence[int]) -> list[bytes]:
        spans = [_tile_span(index, size) for index in indexes]
        tiles = sorted({tile for tile, _, _ in spans})
        data = list(read_tiles(tiles)) if tiles else []
        if len(data) != len(tiles):
            raise MerkleError(f"tile reader returned {len(data)} tiles for {len(tiles)} requested")
        trees = {tile: _tile_tree(tile, blob) for tile, blob in zip(tiles, data, strict=True)}
        return [trees[tile].node(level, n) for tile, level, n in spans]

    return read_hashes


def _tile_span(index: int, size: int) -> tuple[Tile, int, int]:
    """Return the tile holding the subtree that is stored hash ``index``, and the subtree's level
    and position inside that tile (level 0: one of the tile's hashes)."""
    level, n = split_stored_hash_index(index)
    if (n + 1) << level > size:
        raise MerkleError(f"node ({level}, {n}) is not complete in a tree of size {size}")
    tile_level, level_in_tile = divmod(level, TILE_HEIGHT)
    first_hash = n << level_in_tile
    tile_index, start = divmod(first_hash, TILE_WIDTH)
    tile = Tile(tile_level, tile_index, tile_width_in_tree(tile_level, tile_index, size))
    return tile, level_in_tile, start >> level_in_tile


class _TileTree:
    """A hash tile and the complete subtrees inside it, each level computed once when first asked."""

    __slots__ = ("rows",)

    def __init__(self, tile: Tile, data: bytes) -> None:
        if len(data) != tile.width * HASH_SIZE:
            raise MerkleError(f"{tile.path()} must be {tile.width * HASH_SIZE} bytes, got {len(data)}")
        self.rows = [bytes(data)]

    def node(self, level: int, n: int) -> bytes:
        rows = self.rows
        while len(rows) <= level:
            below = rows[-1]
            rows.append(b"".join([
                _sha256(NODE_PREFIX + below[i : i + 2 * HASH_SIZE]).digest()
                for i in range(0, len(below) - 2 * HASH_SIZE + 1, 2 * HASH_SIZE)
            ]))
        return rows[level][n * HASH_SIZE : (n + 1) * HASH_SIZE]


_TILE_TREES: OrderedDict[tuple[Tile, bytes], _TileTree] = OrderedDict()
_TILE_TREES_KEPT = 1024  # at most 16 KiB each: the upper tiles of a log of 250 million entries


def _tile_tree(tile: Tile, data: bytes) -> _TileTree:
    """Return the subtrees of a tile, from memory for an upper or partial tile seen before.

    Every proof crosses the few upper tiles (level 1 and up) and most cross the tree's right edge
    (its partial tiles); recomputing their 255 inner hashes each time would cost more than reading
    them. The memory is keyed by the tile's bytes, not just its name, so a changed or different
    database can never be answered from it.
    """
    if tile.level == 0 and not tile.is_partial:
        return _TileTree(tile, data)
    key = (tile, bytes(data))
    tree = _TILE_TREES.get(key)
    if tree is None:
        tree = _TILE_TREES[key] = _TileTree(tile, data)
        if len(_TILE_TREES) > _TILE_TREES_KEPT:
            _TILE_TREES.popitem(last=False)
    else:
        _TILE_TREES.move_to_end(key)
    return tree


# --- Entry bundles -------------------------------------------------------------------------------


def encode_entry_bundle(entries: Iterable[bytes]) -> bytes:
    """Concatenate entries, each prefixed with its length as a big-endian uint16."""
    return b"".join(map(bundle_item, entries))


def bundle_item(entry: bytes) -> bytes:
    """Return one entry as it appears in a bundle: its length as a big-endian uint16, then it."""
    if len(entry) > MAX_ENTRY_SIZE:
        raise ValueError(f"an entry of {len(entry)} bytes exceeds {MAX_ENTRY_SIZE} bytes")
    return len(entry).to_bytes(2, "big") + entry


def decode_entry_bundle(data: bytes) -> list[bytes]:
    """Split an entry bundle back into its entries; a truncated bundle raises ``ValueError``."""
    entries = []
    position = 0
    while position < len(data):
        if position + 2 > len(data):
            raise ValueError(f"entry bundle ends inside a length prefix at byte {position}")
        length = int.from_bytes(data[position : position + 2], "big")
        position += 2
        if position + length > len(data):
            raise ValueError(f"entry bundle ends inside entry {len(entries)}")
        entries.append(data[position : position + length])
        position += length
    return entries


def entry_bundle_prefix(data: bytes, count: int) -> bytes:
    """Return the first ``count`` entries of an entry bundle, still encoded (a partial bundle)."""
    position = 0
    for seen in range(count):
        if position + 2 > len(data):
            raise ValueError(f"entry bundle holds {seen} entries, not {count}")
        position += 2 + int.from_bytes(data[position : position + 2], "big")
    if position > len(data):
        raise ValueError(f"entry bundle ends inside entry {count - 1}")
    return data[:position]
