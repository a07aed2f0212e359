"""RFC 9162 section 2.1 Merkle trees: hashing, proofs, verification and the append frontier.

Hashing is SHA-256 with domain separation: a leaf hash is ``SHA-256(0x00 || entry)`` and an
interior node is ``SHA-256(0x01 || left || right)``, so a leaf can never pass for a node.

Storage model (the one of Go's ``golang.org/x/mod/sumdb/tlog``). Every hash of a *complete*
(perfect) subtree is written exactly once, when its last leaf arrives, and never changes again.
The node covering leaves ``[n * 2**level, (n + 1) * 2**level)`` is called ``(level, n)`` and gets
the *stored hash index* ``stored_hash_index(level, n)``; appending leaf ``n`` writes a contiguous
run of indexes (the leaf, then every subtree it completes). Proof generation reads the hashes it
needs through a ``HashReader`` callback taking stored hash indexes, in one batch, so the same code
serves a database table of hashes, C2SP tiles (see ``tiles.tile_hash_reader``) or a Python list.

Size-zero semantics (those of transparency-dev/merkle, which the conformance vectors encode):

* The root of the empty tree is ``SHA-256("")`` (``EMPTY_ROOT``).
* No inclusion proof exists in the empty tree: an index must be below the size.
* A consistency proof from size 0 is *rejected*, even ``0 -> 0``: every tree extends the empty tree,
  so such a proof proves nothing, and accepting one would hide a caller's mix-up of sizes. The
  C2SP tlog-witness protocol allows ``old 0`` with an empty proof; the witness handles that case
  itself before it asks for a proof check.
* Equal sizes are consistent only with an empty proof and equal roots.

Hashes given to this module from outside (proofs, roots, leaf hashes, hashes read from storage)
must be exactly 32 bytes; anything else raises ``InvalidHashError`` instead of being hashed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

HASH_SIZE = 32
_sha256 = hashlib.sha256
EMPTY_ROOT = hashlib.sha256(b"").digest()

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"

HashReader = Callable[[Sequence[int]], Sequence[bytes]]
"""Returns the stored hashes at the given stored hash indexes, in the same order."""


class MerkleError(ValueError):
    """Base class: a Merkle computation or check could not succeed."""


class InvalidHashError(MerkleError):
    """A value that should be a SHA-256 hash is not 32 bytes long."""


class ProofError(MerkleError):
    """A proof does not prove what it claims, or its sizes or indexes are impossible."""


def hash_leaf(entry: bytes) -> bytes:
    """Return the RFC 9162 leaf hash ``SHA-256(0x00 || entry)``."""
    return _sha256(LEAF_PREFIX + entry).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """Return the RFC 9162 node hash ``SHA-256(0x01 || left || right)``.

    This is the bare hash primitive and does not check lengths; callers that take hashes from
    outside validate them first with ``require_hash``.
    """
    return _sha256(NODE_PREFIX + left + right).digest()


def require_hash(value: bytes, what: str = "hash") -> bytes:
    """Return ``value`` if it is a 32-byte hash, else raise ``InvalidHashError`` naming ``what``."""
    if not isinstance(value, (bytes, bytearray)) or len(value) != HASH_SIZE:
        length = len(value) if isinstance(value, (bytes, bytearray)) else type(value).__name__
        raise InvalidHashError(f"{what} must be {HASH_SIZE} bytes, got {length}")
    return bytes(value)


def _require_hashes(values: Iterable[bytes], what: str) -> list[bytes]:
    return [require_hash(value, f"{what}[{i}]") for i, value in enumerate(values)]


def _require_count(value: int, what: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{what} must be a non-negative integer, got {value!r}")


# --- Stored hash indexes -------------------------------------------------------------------------


def stored_hash_index(level: int, n: int) -> int:
    """Return the storage position of node ``(level, n)``; Go's ``tlog.StoredHashIndex``.

    Appending leaf ``m`` stores the leaf hash and then each subtree it completes, so node
    ``(level, n)`` is stored right after the leaf ``m = (n + 1) * 2**level - 1`` hash, ``level``
    positions further. Leaf ``m`` itself lands after all hashes stored for leaves ``0 .. m-1``,
    which number ``m + m//2 + m//4 + ...`` (one per leaf plus one per completed subtree).
    """
    _require_count(level, "level")
    _require_count(n, "node index")
    last_leaf = ((n + 1) << level) - 1
    return _hashes_stored_before_leaf(last_leaf) + level


def _hashes_stored_before_leaf(leaf: int) -> int:
    # leaf + leaf//2 + leaf//4 + ... (one per leaf, one per completed subtree) = 2*leaf - popcount
    return 2 * leaf - leaf.bit_count()


def split_stored_hash_index(index: int) -> tuple[int, int]:
    """Return the node ``(level, n)`` stored at ``index``; Go's ``tlog.SplitStoredHashIndex``."""
    _require_count(index, "stored hash index")
    # Leaf m starts at a position between m and 2m, so start from index // 2 and walk forward.
    leaf = index // 2
    start = _hashes_stored_before_leaf(leaf)
    while True:
        next_start = start + 1 + _trailing_ones(leaf)
        if next_start > index:
            break
        leaf += 1
        start = next_start
    level = index - start
    return level, leaf >> level


def stored_hash_count(size: int) -> int:
    """Return how many hashes a tree of ``size`` leaves stores; Go's ``tlog.StoredHashCount``."""
    _require_count(size, "tree size")
    return _hashes_stored_before_leaf(size)


def _trailing_ones(n: int) -> int:
    return (~n & (n + 1)).bit_length() - 1


# --- Tree shape ----------------------------------------------------------------------------------


def _split_point(width: int) -> int:
    """Return k, the largest power of two strictly below ``width`` (RFC 9162: k < n <= 2k)."""
    return 1 << ((width - 1).bit_length() - 1)


def perfect_subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """Return the nodes ``(level, n)`` whose leaves, left to right, are exactly ``[start, end)``.

    Each is the largest complete subtree that fits; this is how RFC 9162 shapes any range that
    occurs in a tree or a proof. ``start`` must be aligned to the first, largest subtree.
    """
    nodes = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start & ((1 << level) - 1):
            raise ValueError(f"range [{start}, {end}) is not a Merkle subtree range")
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def fold_subtree_hashes(hashes: Sequence[bytes]) -> bytes:
    """Combine the hashes of ``perfect_subtrees(start, end)`` into MTH of that range.

    The larger, left subtrees hang off the left spine, so the fold runs from the right.
    """
    if not hashes:
        return EMPTY_ROOT
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = hash_children(left, root)
    return root


def _inclusion_path_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """RFC 9162 PATH(index, D[0:size]) as leaf ranges, listed from the leaf's sibling up."""
    ranges = []
    start, end = 0, size
    while end - start > 1:
        middle = start + _split_point(end - start)
        if index < middle:
            ranges.append((middle, end))
            end = middle
        else:
            ranges.append((start, middle))
            start = middle
    ranges.reverse()
    return ranges


def _consistency_proof_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """RFC 9162 PROOF(old_size, D[0:new_size]) (the SUBPROOF recursion) as leaf ranges."""
    ranges = []
    start, end = 0, new_size
    old_tree_is_whole_subtree = True  # the SUBPROOF flag b
    while old_size != end:
        middle = start + _split_point(end - start)
        if old_size <= middle:
            ranges.append((middle, end))
            end = middle
        else:
            ranges.append((start, middle))
            start = middle
            old_tree_is_whole_subtree = False
    if not old_tree_is_whole_subtree:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def _range_hashes(ranges: Sequence[tuple[int, int]], read_hashes: HashReader) -> list[bytes]:
    """Return MTH of each leaf range, reading all the stored hashes needed in one batch."""
    nodes_per_range = [perfect_subtrees(start, end) for start, end in ranges]
    indexes = [stored_hash_index(level, n) for nodes in nodes_per_range for level, n in nodes]
    stored = list(read_hashes(indexes)) if indexes else []
    if len(stored) != len(indexes):
        raise MerkleError(f"hash reader returned {len(stored)} hashes for {len(indexes)} indexes")
    stored = _require_hashes(stored, "stored hash")
    result = []
    position = 0
    for nodes in nodes_per_range:
        result.append(fold_subtree_hashes(stored[position : position + len(nodes)]))
        position += len(nodes)
    return result


# --- Proof generation ----------------------------------------------------------------------------


def tree_hash(size: int, read_hashes: HashReader) -> bytes:
    """Return the root hash MTH of the first ``size`` leaves; Go's ``tlog.TreeHash``."""
    _require_count(size, "tree size")
    return _range_hashes([(0, size)], read_hashes)[0] if size else EMPTY_ROOT


def prove_inclusion(index: int, size: int, read_hashes: HashReader) -> list[bytes]:
    """Return the audit path of leaf ``index`` in tree ``size``; Go's ``tlog.ProveRecord``."""
    _require_count(index, "leaf index")
    _require_count(size, "tree size")
    if index >= size:
        raise ProofError(f"leaf index {index} is not below tree size {size}")
    return _range_hashes(_inclusion_path_ranges(index, size), read_hashes)


def prove_consistency(old_size: int, new_size: int, read_hashes: HashReader) -> list[bytes]:
    """Return the proof that tree ``new_size`` extends tree ``old_size``; Go's ``tlog.ProveTree``.

    ``old_size`` must be at least 1 (see the module docstring on size zero).
    """
    _require_count(old_size, "old tree size")
    _require_count(new_size, "new tree size")
    if not 0 < old_size <= new_size:
        raise ProofError(f"no consistency proof from size {old_size} to size {new_size}")
    return _range_hashes(_consistency_proof_ranges(old_size, new_size), read_hashes)


# --- Proof verification (RFC 9162 sections 2.1.3.2 and 2.1.4.2) ----------------------------------


def root_from_inclusion_proof(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes]
) -> bytes:
    """Return the root that ``proof`` yields for ``leaf_hash`` at ``index`` in a tree of ``size``.

    Raises ``ProofError`` when the proof has the wrong length for this index and size.
    """
    _require_count(index, "leaf index")
    _require_count(size, "tree size")
    leaf_hash = require_hash(leaf_hash, "leaf hash")
    proof = _require_hashes(proof, "inclusion proof")
    if index >= size:
        raise ProofError(f"leaf index {index} is not below tree size {size}")
    fn, sn, root = index, size - 1, leaf_hash
    for sibling in proof:
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            root = hash_children(sibling, root)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            root = hash_children(root, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    return root


def verify_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` with ``root``.

    Returns nothing on success and raises ``ProofError`` (or ``InvalidHashError``) otherwise;
    Go's ``tlog.CheckRecord``.
    """
    root = require_hash(root, "root hash")
    if root_from_inclusion_proof(index, size, leaf_hash, proof) != root:
        raise ProofError(f"inclusion proof for leaf {index} does not lead to the tree {size} root")


def verify_consistency(
    old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> None:
    """Check that the tree ``new_size``/``new_root`` extends the tree ``old_size``/``old_root``.

    Returns nothing on success and raises ``ProofError`` (or ``InvalidHashError``) otherwise;
    Go's ``tlog.CheckTree``. ``old_size`` 0 is always rejected (see the module docstring).
    """
    _require_count(old_size, "old tree size")
    _require_count(new_size, "new tree size")
    old_root = require_hash(old_root, "old root hash")
    new_root = require_hash(new_root, "new root hash")
    path = _require_hashes(proof, "consistency proof")
    if old_size == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if old_size > new_size:
        raise ProofError(f"old tree size {old_size} is larger than new tree size {new_size}")
    if old_size == new_size:
        if path:
            raise ProofError("a consistency proof between equal sizes must be empty")
        if old_root != new_root:
            raise ProofError(f"two different roots for the same tree size {old_size}")
        return
    if not path:
        raise ProofError("consistency proof is empty")
    if old_size & (old_size - 1) == 0:  # the old tree is one subtree: its root starts the path
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    old_hash = new_hash = path[0]
    for node in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            old_hash = hash_children(node, old_hash)
            new_hash = hash_children(node, new_hash)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            new_hash = hash_children(new_hash, node)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if old_hash != old_root:
        raise ProofError(f"consistency proof does not lead to the tree {old_size} root")
    if new_hash != new_root:
        raise ProofError(f"consistency proof does not lead to the tree {new_size} root")


# --- Append frontier (compact range [0, size)) ---------------------------------------------------


@dataclass(frozen=True)
class Frontier:
    """The right edge of a tree: all a sequencer must keep in memory to append and find the root.

    ``hashes`` are the roots of ``perfect_subtrees(0, size)``, largest (leftmost) first: one per
    set bit of ``size``, so never more than 64 for any realistic log.
    """

    size: int = 0
    hashes: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        _require_count(self.size, "tree size")
        if len(self.hashes) != self.size.bit_count():
            raise ValueError(
                f"a frontier of size {self.size} has {self.size.bit_count()} hashes, "
                f"not {len(self.hashes)}"
            )
        object.__setattr__(self, "hashes", tuple(_require_hashes(self.hashes, "frontier hash")))

    @classmethod
    def from_storage(cls, size: int, read_hashes: HashReader) -> Frontier:
        """Rebuild the frontier of the tree of ``size`` from stored hashes (e.g. at start-up)."""
        _require_count(size, "tree size")
        nodes = perfect_subtrees(0, size)
        hashes = read_hashes([stored_hash_index(level, n) for level, n in nodes]) if nodes else []
        return cls(size, tuple(hashes))

    def append(self, leaf_hash: bytes) -> tuple[Frontier, list[bytes]]:
        """Add one leaf; return the new frontier and the hashes to store for it.

        The hashes to store are the leaf hash, then the root of every subtree this leaf completes,
        smallest first: they belong at ``stored_hash_index(level, self.size >> level)`` for
        ``level = 0, 1, ...``, which is one contiguous run starting at ``stored_hash_count(size)``.
        """
        growing = GrowingFrontier(self)
        completed = growing.append(require_hash(leaf_hash, "leaf hash"))
        return growing.frozen(), completed

    def root(self) -> bytes:
        """Return the root hash MTH of the tree this frontier ends."""
        return fold_subtree_hashes(self.hashes)


class GrowingFrontier:
    """A ``Frontier`` that grows in place, for appending millions of leaves (the sequencer, the
    audit): no copy and no length check per leaf. Callers append hashes they computed themselves
    (``hash_leaf``), or check them first; ``frozen()`` checks them all.
    """

    __slots__ = ("size", "hashes")

    def __init__(self, frontier: Frontier = Frontier()) -> None:
        self.size = frontier.size
        self.hashes = list(frontier.hashes)

    def append(self, leaf_hash: bytes) -> list[bytes]:
        """Add one leaf; return the hashes to store for it, as ``Frontier.append`` does."""
        node = leaf_hash
        completed = [node]
        hashes = self.hashes
        size = self.size
        while size & 1:  # each trailing one bit of the size is a subtree waiting for a right sibling
            node = _sha256(NODE_PREFIX + hashes.pop() + node).digest()
            completed.append(node)
            size >>= 1
        hashes.append(node)
        self.size += 1
        return completed

    def root(self) -> bytes:
        return fold_subtree_hashes(self.hashes)

    def frozen(self) -> Frontier:
        return Frontier(self.size, tuple(self.hashes))
