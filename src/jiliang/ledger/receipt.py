"""C2SP tlog-proof (``c2sp.org/tlog-proof@v1``): an offline-verifiable receipt for one entry.

A receipt bundles the entry's index, its inclusion proof and a cosigned checkpoint:

    c2sp.org/tlog-proof@v1
    extra <base64, optional, unauthenticated>
    index 73894
    <base64 proof hash, one per line, from the leaf's sibling up>

    <the signed checkpoint, verbatim>

Anyone holding the log's public key (and, for split-view protection, the witnesses' keys) can
check it without contacting the log: the checkpoint signatures vouch for the root, the proof
links the entry to the root. Receipts are meant to travel with certificates as ``.tlog-proof``
files.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .checkpoint import Checkpoint, open_checkpoint
from .merkle import require_hash, verify_inclusion
from .note import NoteError, Verifier

TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1"
MAX_PROOF_HASHES = 64  # a tree of up to 2**64 leaves never needs more
_INDEX_LINE = re.compile(r"index (0|[1-9][0-9]*)")


class ReceiptError(NoteError):
    """A receipt is malformed or does not prove inclusion under the given trust policy."""


@dataclass(frozen=True)
class Receipt:
    """A parsed tlog-proof; ``checkpoint`` is the signed checkpoint note as the log sent it."""

    index: int
    inclusion_proof: tuple[bytes, ...]
    checkpoint: bytes
    extra: bytes | None = None

    def to_bytes(self) -> bytes:
        lines = [TLOG_PROOF_HEADER]
        if self.extra is not None:
            lines.append("extra " + base64.b64encode(self.extra).decode())
        lines.append(f"index {self.index}")
        lines.extend(
            base64.b64encode(require_hash(h, "proof hash")).decode() for h in self.inclusion_proof
        )
        return ("\n".join(lines) + "\n\n").encode() + self.checkpoint


def parse_receipt(data: bytes) -> Receipt:
    """Parse a tlog-proof file; this checks the format only, see ``verify_receipt``."""
    try:
        head, separator, checkpoint = data.decode("utf-8").partition("\n\n")
    except UnicodeDecodeError as error:
        raise ReceiptError("receipt is not valid UTF-8") from error
    if not separator or not checkpoint:
        raise ReceiptError("receipt has no checkpoint after a blank line")
    lines = head.split("\n")
    if lines[0] != TLOG_PROOF_HEADER:
        raise ReceiptError(f"receipt does not start with {TLOG_PROOF_HEADER}")
    extra = None
    position = 1
    if position < len(lines) and lines[position].startswith("extra "):
        extra = _decode_base64(lines[position][len("extra ") :], "extra data")
        position += 1
    index_line = _INDEX_LINE.fullmatch(lines[position]) if position < len(lines) else None
    if not index_line:
        raise ReceiptError("receipt has no canonical 'index N' line")
    proof_lines = lines[position + 1 :]
    if len(proof_lines) > MAX_PROOF_HASHES:
        raise ReceiptError(f"receipt has more than {MAX_PROOF_HASHES} proof hashes")
    proof = tuple(_decode_base64(line, "proof hash") for line in proof_lines)
    if any(len(h) != 32 for h in proof):
        raise ReceiptError("receipt proof hashes must be 32 bytes")
    return Receipt(int(index_line[1]), proof, checkpoint.encode(), extra)


def _decode_base64(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as error:
        raise ReceiptError(f"receipt {what} is not base64") from error


def verify_receipt(
    receipt: Receipt,
    leaf_hash: bytes,
    origin: str,
    log_verifiers: Iterable[Verifier],
    witness_verifiers: Iterable[Verifier] = (),
    witness_quorum: int = 0,
) -> Checkpoint:
    """Check that ``leaf_hash`` is entry ``receipt.index`` of the log ``origin``.

    The checkpoint must carry a valid signature by one of ``log_verifiers`` and valid
    cosignatures by at least ``witness_quorum`` distinct ``witness_verifiers``. Returns the
    checkpoint the receipt proves inclusion in; raises ``ReceiptError``, ``NoteError`` or
    ``merkle.MerkleError`` otherwise.
    """
    witness_verifiers = list(witness_verifiers)
    checkpoint, note = open_checkpoint(receipt.checkpoint, origin, log_verifiers, witness_verifiers)
    witness_keys = {(v.name, v.key_id) for v in witness_verifiers}
    witnessed = sum((s.name, s.key_id) in witness_keys for s in note.verified)
    if witnessed < witness_quorum:
        raise ReceiptError(
            f"checkpoint has {witnessed} of the {witness_quorum} cosignatures required"
        )
    verify_inclusion(
        receipt.index, checkpoint.size, leaf_hash, receipt.inclusion_proof, checkpoint.root_hash
    )
    return checkpoint
