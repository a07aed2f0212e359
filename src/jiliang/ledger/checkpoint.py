"""C2SP tlog-checkpoint: the signed statement of a log's size and root hash.

The note text is the origin line (the log's identity, e.g. ``ledger.bazhong.example/jiliang``),
the tree size in decimal, the base64 root hash, and optional extension lines:

    ledger.bazhong.example/jiliang
    300
    gw31yQrqZZCcEOPrzX+bpy3nJ6QgngTKn8G1m0i62uU=

Parsing is strict (no leading zeros, exactly 32 root bytes, canonical padded base64), so one tree
head has exactly one text and therefore one set of valid signatures.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .merkle import require_hash
from .note import (
    NoteError,
    UnverifiedNoteError,
    VerifiedNote,
    Verifier,
    check_note_text,
    open_note,
)

_TREE_SIZE = re.compile(r"0|[1-9][0-9]*")


class CheckpointError(NoteError):
    """A note is not a well-formed checkpoint, or not one of the expected log."""


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: origin, size and root hash, plus opaque extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise CheckpointError("checkpoint origin must be one non-empty line")
        if self.size < 0:
            raise CheckpointError("checkpoint tree size must not be negative")
        require_hash(self.root_hash, "checkpoint root hash")
        if any(not line or "\n" in line for line in self.extensions):
            raise CheckpointError("checkpoint extension lines must be single non-empty lines")

    def to_text(self) -> str:
        """Return the note text to sign (ending with a newline)."""
        root = base64.b64encode(self.root_hash).decode()
        text = "\n".join([self.origin, str(self.size), root, *self.extensions]) + "\n"
        check_note_text(text)
        return text


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse checkpoint note text (the part of the note before the signatures)."""
    if not text.endswith("\n"):
        raise CheckpointError("checkpoint text must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError("checkpoint text needs an origin, a size and a root hash")
    origin, size, root, *extensions = lines
    if not _TREE_SIZE.fullmatch(size):
        raise CheckpointError(f"checkpoint tree size {size!r} is not a canonical decimal")
    try:
        root_hash = base64.b64decode(root, validate=True)
    except binascii.Error as error:
        raise CheckpointError("checkpoint root hash is not base64") from error
    if base64.b64encode(root_hash).decode() != root or len(root_hash) != 32:
        raise CheckpointError("checkpoint root hash must be the padded base64 of 32 bytes")
    return Checkpoint(origin, int(size), root_hash, tuple(extensions))


def open_checkpoint(
    data: bytes,
    origin: str,
    log_verifiers: Iterable[Verifier],
    cosigner_verifiers: Iterable[Verifier] = (),
) -> tuple[Checkpoint, VerifiedNote]:
    """Verify a signed checkpoint of the log ``origin`` and parse it.

    At least one of the log's own keys must have signed it. Cosignatures from the given
    cosigners (witnesses) are verified too and listed in ``VerifiedNote.verified``; as with any
    note, other unknown signatures are ignored and a bad known signature rejects the whole note.
    """
    log_verifiers = list(log_verifiers)
    note = open_note(data, [*log_verifiers, *cosigner_verifiers])
    log_keys = {(v.name, v.key_id) for v in log_verifiers}
    if not any((s.name, s.key_id) in log_keys for s in note.verified):
        raise UnverifiedNoteError("checkpoint has no signature from the log's keys")
    checkpoint = parse_checkpoint(note.text)
    if checkpoint.origin != origin:
        raise CheckpointError(f"checkpoint is from {checkpoint.origin!r}, expected {origin!r}")
    return checkpoint, note
