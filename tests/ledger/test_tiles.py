"""C2SP tlog-tiles arithmetic, paths and contents, checked on the spec's examples, Go's path
table and Sunlight's real 300-entry tiled tree."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_testkit import MemoryHashStore, load_vectors

from jiliang.ledger.checkpoint import parse_checkpoint
from jiliang.ledger.merkle import (
    MerkleError,
    hash_leaf,
    prove_consistency,
    prove_inclusion,
    tree_hash,
    verify_inclusion,
)
from jiliang.ledger.note import parse_note
from jiliang.ledger.tiles import (
    ENTRY_BUNDLE_LEVEL,
    Tile,
    changed_tiles,
    decode_entry_bundle,
    encode_entry_bundle,
    encode_tile_index,
    parse_tile_path,
    read_tile_data,
    split_tile_data,
    tile_hash_reader,
)

TILES = load_vectors("tlog_tiles_vectors.json")
C2SP = TILES["c2sp_tlog_tiles"]
MIRROR_TREE = load_vectors("checkpoint_cosignature_witness_vectors.json")[
    "sunlight_skylight_testdata"
]["mirror_tree"]
MIRROR_ENTRIES = [b"record %d" % i for i in range(MIRROR_TREE["tree_size"])]
MIRROR_TILE_DATA = {
    parse_tile_path(path): base64.b64decode(data)
    for path, data in MIRROR_TREE["tiles_base64"].items()
}


@pytest.mark.parametrize(
    "example", C2SP["index_encoding_examples"] + C2SP["derived_by_rule"]["index_encoding"], ids=str
)
def test_index_encoding(example: dict) -> None:
    assert encode_tile_index(example["index"]) == example["encoded"]


@pytest.mark.parametrize("example", C2SP["tree_shape_examples"], ids=lambda e: str(e["tree_size"]))
def test_tree_shape_examples(example: dict) -> None:
    tiles = changed_tiles(0, example["tree_size"])
    for level in range(3):
        want_full = example["tiles"].get(f"level{level}_full", 0)
        want_partial = example["tiles"].get(f"level{level}_partial_width")
        at_level = [t for t in tiles if t.level == level]
        assert len([t for t in at_level if not t.is_partial]) == want_full
        assert [t.width for t in at_level if t.is_partial] == (
            [want_partial] if want_partial else []
        )
    assert max(t.level for t in tiles) == max(
        int(key[5]) for key, value in example["tiles"].items() if value
    )


def test_derived_paths_for_300_entries() -> None:
    (example,) = C2SP["derived_by_rule"]["paths"]
    tiles = changed_tiles(0, example["tree_size"])
    bundles = [t.entry_bundle() for t in tiles if t.level == 0]
    assert sorted(t.path() for t in tiles + bundles) == sorted(example["paths"])


def _c2sp_form_of_go_path(case: dict) -> tuple[str, Tile | None]:
    """Go's sumdb paths carry the tile height, tile/<H>/<L>/<N>; C2SP fixes H = 8 and drops it,
    and calls the data tiles "entries". A Go tile of full width 2**H is a full C2SP tile."""
    _, _height, level, rest = case["path"].split("/", 3)
    path = f"tile/{'entries' if level == 'data' else level}/{rest}"
    if case.get("want_error"):
        return path, None
    full = case["W"] == 1 << case["H"]
    return path, Tile(case["L"], case["N"], 256 if full else case["W"])


@pytest.mark.parametrize("case", TILES["golang_sumdb_tile_paths"]["cases"], ids=lambda c: c["path"])
def test_go_tile_paths_in_c2sp_form(case: dict) -> None:
    path, tile = _c2sp_form_of_go_path(case)
    if tile is None:
        with pytest.raises(ValueError):
            parse_tile_path(path)
    else:
        assert parse_tile_path(path) == tile
        assert tile.path() == path


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/x000/001",
        "tile/0/001.p/256",
        "tile/0/001.p/0",
        "tile/0/001.p/07",
        "tile/64/000",
        "tile/01/000",
        "tile/entries/1",
        "tile/0/000/",
        "checkpoint",
        "tile/0/x001",
    ],
)
def test_non_canonical_tile_paths_are_rejected(path: str) -> None:
    with pytest.raises(ValueError):
        parse_tile_path(path)


@pytest.mark.parametrize(
    "case", TILES["golang_sumdb_tile_paths"]["new_tiles_for_size_height_10"]["cases"], ids=str
)
def test_go_new_tiles_counts_at_height_10(case: list[int]) -> None:
    old, new, count = case
    assert len(changed_tiles(old, new, height=10)) == count


# Listing every tile of a multi-million tree takes a while: no per-example deadline.
@settings(deadline=None)
@given(st.integers(0, 2 * 10**6), st.integers(0, 2 * 10**6))
def test_changed_tiles_are_the_difference_of_tile_sets(a: int, b: int) -> None:
    old, new = min(a, b), max(a, b)
    assert set(changed_tiles(old, new)) == set(changed_tiles(0, new)) - set(changed_tiles(0, old))


@pytest.fixture(scope="module")
def mirror_store() -> MemoryHashStore:
    return MemoryHashStore(MIRROR_ENTRIES)


def test_300_entry_tree_tiles_match_go(mirror_store: MemoryHashStore) -> None:
    tiles = changed_tiles(0, MIRROR_TREE["tree_size"])
    assert set(tiles) == set(MIRROR_TILE_DATA)
    for tile in tiles:
        assert read_tile_data(tile, mirror_store.read_hashes) == MIRROR_TILE_DATA[tile]


def test_300_entry_tree_root_and_proofs_from_tiles(mirror_store: MemoryHashStore) -> None:
    size = MIRROR_TREE["tree_size"]
    checkpoint = parse_checkpoint(parse_note(MIRROR_TREE["checkpoint"].encode()).text)
    read_from_tiles = tile_hash_reader(size, lambda tiles: [MIRROR_TILE_DATA[t] for t in tiles])
    assert checkpoint.size == size
    assert tree_hash(size, read_from_tiles) == checkpoint.root_hash
    for index in range(size):
        proof = prove_inclusion(index, size, read_from_tiles)
        assert proof == prove_inclusion(index, size, mirror_store.read_hashes)
        verify_inclusion(index, size, hash_leaf(MIRROR_ENTRIES[index]), proof, checkpoint.root_hash)
    for old in (1, 5, 255, 256, 257, 299, 300):
        assert prove_consistency(old, size, read_from_tiles) == prove_consistency(
            old, size, mirror_store.read_hashes
        )


def test_tile_reader_reads_each_tile_once_per_batch(mirror_store: MemoryHashStore) -> None:
    requests: list[list[Tile]] = []

    def read_tiles(tiles: list[Tile]) -> list[bytes]:
        requests.append(list(tiles))
        return [MIRROR_TILE_DATA[t] for t in tiles]

    prove_inclusion(7, 300, tile_hash_reader(300, read_tiles))
    assert len(requests) == 1
    assert len(requests[0]) == len(set(requests[0]))


def test_tile_reader_rejects_tiles_of_the_wrong_size() -> None:
    read = tile_hash_reader(300, lambda tiles: [b"\x00" * 31 for _ in tiles])
    with pytest.raises(MerkleError):
        tree_hash(300, read)
    with pytest.raises(MerkleError):
        split_tile_data(Tile(0, 1, 44), b"\x00" * 32 * 45)


def test_entry_bundles_hash_to_level_0_tiles() -> None:
    for tile in (t for t in changed_tiles(0, len(MIRROR_ENTRIES)) if t.level == 0):
        first = tile.index * 256
        bundle = encode_entry_bundle(MIRROR_ENTRIES[first : first + tile.width])
        leaf_hashes = [hash_leaf(entry) for entry in decode_entry_bundle(bundle)]
        assert leaf_hashes == split_tile_data(tile, MIRROR_TILE_DATA[tile])
        assert tile.entry_bundle() == Tile(ENTRY_BUNDLE_LEVEL, tile.index, tile.width)


@given(st.lists(st.binary(max_size=300), max_size=20))
def test_entry_bundle_round_trip(entries: list[bytes]) -> None:
    assert decode_entry_bundle(encode_entry_bundle(entries)) == entries


def test_entry_bundle_limits() -> None:
    assert len(encode_entry_bundle([b"x" * 0xFFFF])) == 0x10001
    with pytest.raises(ValueError):
        encode_entry_bundle([b"x" * 0x10000])
    with pytest.raises(ValueError):
        decode_entry_bundle(b"\x00\x05abc")
    with pytest.raises(ValueError):
        decode_entry_bundle(b"\x00\x01a\x00")
