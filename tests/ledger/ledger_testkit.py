"""Shared helpers for the ledger tests: vector loading, an in-memory hash store, an RFC oracle.

The oracle functions below are a second, deliberately naive transcription of the RFC 9162
definitions (recursive MTH, PATH and PROOF over a list of leaf hashes). The property tests compare
the production code, which works over stored hashes, against them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jiliang.ledger.merkle import EMPTY_ROOT, Frontier, hash_children, hash_leaf

VECTORS = Path(__file__).parent / "vectors"


def load_vectors(name: str) -> Any:
    """Load one of the JSON vector files copied from the shared reference folder."""
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


class MemoryHashStore:
    """A log's stored hashes in a Python list, indexed by stored hash index."""

    def __init__(self, entries: Sequence[bytes] = ()) -> None:
        self.frontier = Frontier()
        self.hashes: list[bytes] = []
        self.leaf_hashes: list[bytes] = []
        for entry in entries:
            self.append(entry)

    def append(self, entry: bytes) -> None:
        leaf_hash = hash_leaf(entry)
        self.frontier, stored = self.frontier.append(leaf_hash)
        self.hashes.extend(stored)
        self.leaf_hashes.append(leaf_hash)

    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        return [self.hashes[i] for i in indexes]


def reference_mth(leaf_hashes: Sequence[bytes]) -> bytes:
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = _largest_power_of_two_below(n)
    return hash_children(reference_mth(leaf_hashes[:k]), reference_mth(leaf_hashes[k:]))


def reference_path(m: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    n = len(leaf_hashes)
    if n == 1:
        return []
    k = _largest_power_of_two_below(n)
    if m < k:
        return reference_path(m, leaf_hashes[:k]) + [reference_mth(leaf_hashes[k:])]
    return reference_path(m - k, leaf_hashes[k:]) + [reference_mth(leaf_hashes[:k])]


def reference_proof(m: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    return _reference_subproof(m, leaf_hashes, True)


def _reference_subproof(m: int, leaf_hashes: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(leaf_hashes)
    if m == n:
        return [] if whole else [reference_mth(leaf_hashes)]
    k = _largest_power_of_two_below(n)
    if m <= k:
        return _reference_subproof(m, leaf_hashes[:k], whole) + [reference_mth(leaf_hashes[k:])]
    return _reference_subproof(m - k, leaf_hashes[k:], False) + [reference_mth(leaf_hashes[:k])]


def _largest_power_of_two_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def flip_bit(value: bytes, bit: int) -> bytes:
    """Return ``value`` with one bit inverted (``bit`` counts from the first byte's top bit)."""
    changed = bytearray(value)
    changed[bit // 8] ^= 0x80 >> (bit % 8)
    return bytes(changed)
