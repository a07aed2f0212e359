"""Property tests: proofs from stored hashes match the RFC oracle, verify, and break if altered."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ledger_testkit import (
    MemoryHashStore,
    flip_bit,
    reference_mth,
    reference_path,
    reference_proof,
)

from jiliang.ledger.merkle import (
    EMPTY_ROOT,
    Frontier,
    InvalidHashError,
    MerkleError,
    ProofError,
    perfect_subtrees,
    prove_consistency,
    prove_inclusion,
    split_stored_hash_index,
    stored_hash_count,
    stored_hash_index,
    tree_hash,
    verify_consistency,
    verify_inclusion,
)

# One append-only log shared by the size-driven tests: every prefix of it is a valid smaller tree.
BIG_SIZE = 1100
BIG_LOG = MemoryHashStore([b"entry %d" % i for i in range(BIG_SIZE)])

entry_lists = st.lists(st.binary(max_size=12), min_size=1, max_size=40)
sizes = st.integers(min_value=1, max_value=BIG_SIZE)


@st.composite
def leaf_in_tree(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(sizes)
    return draw(st.integers(0, size - 1)), size


@st.composite
def size_pairs(draw: st.DrawFn) -> tuple[int, int]:
    new = draw(sizes)
    return draw(st.integers(1, new)), new


def _root(size: int) -> bytes:
    return tree_hash(size, BIG_LOG.read_hashes)


@given(entry_lists)
def test_any_tree_root_matches_the_rfc_definition(entries: list[bytes]) -> None:
    store = MemoryHashStore(entries)
    want = reference_mth(store.leaf_hashes)
    assert store.frontier.root() == want
    assert tree_hash(len(entries), store.read_hashes) == want


@given(entry_lists, st.data())
def test_any_leaf_of_any_tree_has_the_rfc_path(entries: list[bytes], data: st.DataObject) -> None:
    store = MemoryHashStore(entries)
    index = data.draw(st.integers(0, len(entries) - 1))
    proof = prove_inclusion(index, len(entries), store.read_hashes)
    assert proof == reference_path(index, store.leaf_hashes)
    verify_inclusion(index, len(entries), store.leaf_hashes[index], proof, store.frontier.root())


@given(entry_lists, st.data())
def test_any_pair_of_sizes_has_the_rfc_proof(entries: list[bytes], data: st.DataObject) -> None:
    store = MemoryHashStore(entries)
    new = len(entries)
    old = data.draw(st.integers(1, new))
    proof = prove_consistency(old, new, store.read_hashes)
    assert proof == reference_proof(old, store.leaf_hashes[:new])
    old_root = reference_mth(store.leaf_hashes[:old])
    verify_consistency(old, new, proof, old_root, store.frontier.root())


@given(leaf_in_tree())
def test_inclusion_proofs_verify_in_large_trees(leaf: tuple[int, int]) -> None:
    index, size = leaf
    proof = prove_inclusion(index, size, BIG_LOG.read_hashes)
    verify_inclusion(index, size, BIG_LOG.leaf_hashes[index], proof, _root(size))


@given(size_pairs())
def test_consistency_proofs_verify_in_large_trees(pair: tuple[int, int]) -> None:
    old, new = pair
    proof = prove_consistency(old, new, BIG_LOG.read_hashes)
    verify_consistency(old, new, proof, _root(old), _root(new))


@given(leaf_in_tree(), st.data())
def test_any_bit_flip_breaks_an_inclusion_proof(leaf: tuple[int, int], data: st.DataObject) -> None:
    index, size = leaf
    proof = prove_inclusion(index, size, BIG_LOG.read_hashes)
    parts = [BIG_LOG.leaf_hashes[index], _root(size), *proof]
    target = data.draw(st.integers(0, len(parts) - 1), label="altered hash")
    parts[target] = flip_bit(parts[target], data.draw(st.integers(0, 255), label="bit"))
    with pytest.raises(ProofError):
        verify_inclusion(index, size, parts[0], parts[2:], parts[1])


@given(size_pairs(), st.data())
def test_any_bit_flip_breaks_a_consistency_proof(
    pair: tuple[int, int], data: st.DataObject
) -> None:
    old, new = pair
    proof = prove_consistency(old, new, BIG_LOG.read_hashes)
    parts = [_root(old), _root(new), *proof]
    target = data.draw(st.integers(0, len(parts) - 1), label="altered hash")
    parts[target] = flip_bit(parts[target], data.draw(st.integers(0, 255), label="bit"))
    with pytest.raises(ProofError):
        verify_consistency(old, new, parts[2:], parts[0], parts[1])


@given(leaf_in_tree(), st.integers(0, BIG_SIZE + 5))
def test_an_inclusion_proof_does_not_fit_another_index(leaf: tuple[int, int], other: int) -> None:
    index, size = leaf
    proof = prove_inclusion(index, size, BIG_LOG.read_hashes)
    if other != index:
        with pytest.raises(ProofError):
            verify_inclusion(other, size, BIG_LOG.leaf_hashes[index], proof, _root(size))


@given(leaf_in_tree(), st.integers(0, 31), st.booleans())
def test_hashes_of_the_wrong_length_are_rejected(
    leaf: tuple[int, int], cut: int, lengthen: bool
) -> None:
    index, size = leaf
    proof = prove_inclusion(index, size, BIG_LOG.read_hashes)
    leaf_hash = (
        BIG_LOG.leaf_hashes[index] + b"\x00" if lengthen else BIG_LOG.leaf_hashes[index][:cut]
    )
    with pytest.raises(InvalidHashError):
        verify_inclusion(index, size, leaf_hash, proof, _root(size))


@given(st.integers(0, 10**6))
def test_stored_hash_index_round_trips(index: int) -> None:
    level, n = split_stored_hash_index(index)
    assert stored_hash_index(level, n) == index


@given(st.integers(0, BIG_SIZE))
def test_frontier_rebuilt_from_storage_matches_the_appended_one(size: int) -> None:
    prefix = MemoryHashStore([b"entry %d" % i for i in range(size)])
    assert Frontier.from_storage(size, BIG_LOG.read_hashes) == prefix.frontier
    assert stored_hash_count(size) == len(prefix.hashes)


def test_empty_tree_semantics() -> None:
    assert tree_hash(0, BIG_LOG.read_hashes) == EMPTY_ROOT
    assert Frontier().root() == EMPTY_ROOT
    with pytest.raises(ProofError):
        prove_inclusion(0, 0, BIG_LOG.read_hashes)
    with pytest.raises(ProofError):
        prove_consistency(0, 5, BIG_LOG.read_hashes)
    with pytest.raises(ProofError):
        verify_consistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)


def test_a_hash_reader_returning_junk_is_caught() -> None:
    with pytest.raises(InvalidHashError):
        tree_hash(3, lambda indexes: [b"short"] * len(indexes))
    with pytest.raises(MerkleError):
        tree_hash(3, lambda indexes: [])


def test_perfect_subtrees_rejects_a_misaligned_range() -> None:
    assert perfect_subtrees(0, 7) == [(2, 0), (1, 2), (0, 6)]
    with pytest.raises(ValueError):
        perfect_subtrees(1, 5)
