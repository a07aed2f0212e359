"""Publishing the log as static files (C2SP tlog-tiles) for nginx or a CDN. Pure Python.

Tiles are immutable, so an export only writes the files that are missing, each by a temporary
file and a rename; the checkpoint is written last, so a reader never sees a checkpoint whose
tiles are not there yet. Re-running after an interruption is safe.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .tiles import Tile, TileReader, changed_tiles

TILES_PER_READ = 128


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def tiles_of_tree(size: int) -> list[Tile]:
    """Every hash tile and entry bundle of the tree of ``size``."""
    tiles = changed_tiles(0, size)
    return tiles + [tile.entry_bundle() for tile in tiles if tile.level == 0]


def export_tiles(
    directory: Path,
    size: int,
    checkpoint_note: bytes,
    read_tiles: TileReader,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the tree of ``size`` and its checkpoint under ``directory``; return files written."""
    missing = [tile for tile in tiles_of_tree(size) if not (directory / tile.path()).exists()]
    for first in range(0, len(missing), TILES_PER_READ):
        chunk = missing[first : first + TILES_PER_READ]
        for tile, data in zip(chunk, read_tiles(chunk), strict=True):
            write_atomically(directory / tile.path(), data)
        if progress:
            progress(first + len(chunk), len(missing))
    write_atomically(directory / "checkpoint", checkpoint_note)
    return len(missing) + 1
