"""C2SP tlog-cosignature: timestamped signatures on checkpoints by witnesses (and by the log).

Two signature types are supported, both as note signatures on a checkpoint:

* Ed25519 ``cosignature/v1`` (type 0x04). The signature bytes are a big-endian u64 timestamp and
  the Ed25519 signature of ``"cosignature/v1\\ntime <timestamp>\\n" + checkpoint text``. Its
  statement: "as of this time, this is the largest consistent tree I have seen for this origin".
* ML-DSA-44 (type 0x06), post-quantum, recommended by C2SP for new deployments. The signature
  bytes are the timestamp and an ML-DSA-44 signature of the binary ``subtree/v1`` message, which
  commits to the cosigner's name, the origin, the leaf range ``[0, size)`` and the root hash (not
  to extension lines). Jiliang also uses it for the log's own second, post-quantum checkpoint
  signature. ML-DSA signatures are randomised, so they verify but do not reproduce byte for byte.

The cosignature key ID uses the cosignature's type byte, so an Ed25519 key used both for notes
(type 0x01) and for cosignatures (0x04) has two different key IDs.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA44PrivateKey, MLDSA44PublicKey

from .checkpoint import CheckpointError, parse_checkpoint
from .note import (
    SIGNATURE_TYPE_ED25519,
    NoteError,
    NoteSignature,
    Verifier,
    compute_key_id,
    decode_signer_key,
    decode_verifier_key,
    format_signer_key,
    format_verifier_key,
    is_valid_key_name,
    parse_signer_key,
    parse_verifier_key,
)

SIGNATURE_TYPE_COSIGNATURE_V1 = 0x04
SIGNATURE_TYPE_MLDSA44_COSIGNATURE = 0x06
MAX_TIMESTAMP = 2**63 - 1
ED25519_SIGNATURE_SIZE = 64
MLDSA44_PUBLIC_KEY_SIZE = 1312
MLDSA44_SIGNATURE_SIZE = 2420

_TIMESTAMP = struct.Struct(">Q")
_SUBTREE_LABEL = b"subtree/v1\n\x00"

Clock = Callable[[], int]
"""Returns the current POSIX time in whole seconds; injected so tests can fix the timestamp."""


def system_clock() -> int:
    return int(time.time())


def cosignature_v1_message(text: bytes, timestamp: int) -> bytes:
    """Return the message an Ed25519 cosignature/v1 signs for checkpoint ``text``."""
    return b"cosignature/v1\ntime %d\n" % timestamp + text


def subtree_v1_message(
    cosigner_name: str, timestamp: int, origin: str, start: int, end: int, root_hash: bytes
) -> bytes:
    """Return the ``subtree/v1`` message an ML-DSA-44 cosignature signs."""
    return (
        _SUBTREE_LABEL
        + _length_prefixed(cosigner_name.encode())
        + _TIMESTAMP.pack(timestamp)
        + _length_prefixed(origin.encode())
        + struct.pack(">QQ", start, end)
        + root_hash
    )


def _length_prefixed(value: bytes) -> bytes:
    if not 1 <= len(value) <= 255:
        raise NoteError("cosigner name and origin must be 1 to 255 bytes")
    return bytes([len(value)]) + value


def cosignature_timestamp(signature: NoteSignature) -> int:
    """Return the timestamp a cosignature line claims (verify the signature before trusting it)."""
    if len(signature.signature) < _TIMESTAMP.size:
        raise NoteError(f"signature of {signature.name} is too short for a cosignature")
    return _TIMESTAMP.unpack_from(signature.signature)[0]


def _split_timestamped(signature: bytes, signature_size: int) -> tuple[int, bytes] | None:
    if len(signature) != _TIMESTAMP.size + signature_size:
        return None
    timestamp = _TIMESTAMP.unpack_from(signature)[0]
    if timestamp > MAX_TIMESTAMP:
        return None
    return timestamp, signature[_TIMESTAMP.size :]


def _timestamp_now(clock: Clock) -> int:
    timestamp = clock()
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise ValueError(f"clock returned an impossible timestamp {timestamp}")
    return timestamp


def _require_key_name(name: str) -> None:
    if not is_valid_key_name(name):
        raise NoteError(f"invalid key name {name!r}")


# --- Ed25519 cosignature/v1 ----------------------------------------------------------------------


class CosignatureV1Verifier:
    """Verifies Ed25519 cosignature/v1 lines (type 0x04)."""

    def __init__(self, name: str, public_key: Ed25519PublicKey) -> None:
        self.name = name
        self.public_key = public_key
        self.key_id = compute_key_id(
            name, SIGNATURE_TYPE_COSIGNATURE_V1, public_key.public_bytes_raw()
        )

    def verify(self, text: bytes, signature: bytes) -> bool:
        parts = _split_timestamped(signature, ED25519_SIGNATURE_SIZE)
        if parts is None:
            return False
        timestamp, ed25519_signature = parts
        try:
            self.public_key.verify(ed25519_signature, cosignature_v1_message(text, timestamp))
        except InvalidSignature:
            return False
        return True

    def vkey(self) -> str:
        return format_verifier_key(
            self.name, SIGNATURE_TYPE_COSIGNATURE_V1, self.public_key.public_bytes_raw()
        )


class CosignatureV1Signer:
    """Signs checkpoints as an Ed25519 cosigner (a witness, or a mirror)."""

    def __init__(
        self, name: str, private_key: Ed25519PrivateKey, clock: Clock = system_clock
    ) -> None:
        _require_key_name(name)
        self.name = name
        self.private_key = private_key
        self.clock = clock
        self.key_id = self.verifier().key_id

    @classmethod
    def from_signer_key(cls, skey: str, clock: Clock = system_clock) -> CosignatureV1Signer:
        """Use an Ed25519 note skey (type 0x01) as a cosigner key, as transparency-dev's witness
        does; its cosignature key ID differs from its note key ID."""
        signer = parse_signer_key(skey)
        return cls(signer.name, signer.private_key, clock)

    def sign(self, text: bytes) -> bytes:
        timestamp = _timestamp_now(self.clock)
        signature = self.private_key.sign(cosignature_v1_message(text, timestamp))
        return _TIMESTAMP.pack(timestamp) + signature

    def verifier(self) -> CosignatureV1Verifier:
        return CosignatureV1Verifier(self.name, self.private_key.public_key())


# --- ML-DSA-44 subtree/v1 cosignatures -----------------------------------------------------------


class MLDSA44CosignatureVerifier:
    """Verifies ML-DSA-44 cosignatures (type 0x06) of checkpoints (subtrees starting at 0)."""

    def __init__(self, name: str, public_key: MLDSA44PublicKey) -> None:
        self.name = name
        self.public_key = public_key
        self.key_id = compute_key_id(
            name, SIGNATURE_TYPE_MLDSA44_COSIGNATURE, public_key.public_bytes_raw()
        )

    def verify(self, text: bytes, signature: bytes) -> bool:
        parts = _split_timestamped(signature, MLDSA44_SIGNATURE_SIZE)
        if parts is None:
            return False
        timestamp, mldsa_signature = parts
        try:
            checkpoint = parse_checkpoint(text.decode())
        except (CheckpointError, UnicodeDecodeError):
            return False  # this signature type only covers checkpoints
        message = subtree_v1_message(
            self.name, timestamp, checkpoint.origin, 0, checkpoint.size, checkpoint.root_hash
        )
        try:
            self.public_key.verify(mldsa_signature, message)
        except InvalidSignature:
            return False
        return True

    def vkey(self) -> str:
        return format_verifier_key(
            self.name, SIGNATURE_TYPE_MLDSA44_COSIGNATURE, self.public_key.public_bytes_raw()
        )


class MLDSA44CosignatureSigner:
    """Signs checkpoints with ML-DSA-44 (the log's post-quantum signature, or a witness's)."""

    def __init__(
        self, name: str, private_key: MLDSA44PrivateKey, clock: Clock = system_clock
    ) -> None:
        _require_key_name(name)
        self.name = name
        self.private_key = private_key
        self.clock = clock
        self.key_id = self.verifier().key_id

    def sign(self, text: bytes) -> bytes:
        checkpoint = parse_checkpoint(text.decode())
        timestamp = _timestamp_now(self.clock)
        message = subtree_v1_message(
            self.name, timestamp, checkpoint.origin, 0, checkpoint.size, checkpoint.root_hash
        )
        return _TIMESTAMP.pack(timestamp) + self.private_key.sign(message)

    def verifier(self) -> MLDSA44CosignatureVerifier:
        return MLDSA44CosignatureVerifier(self.name, self.private_key.public_key())

    def skey(self) -> str:
        """Return the key as ``PRIVATE+KEY+<name>+<key ID>+base64(0x06 || 32-byte seed)``.

        This extends Go's skey format (which defines only Ed25519) with the FIPS 204 seed.
        """
        seed = self.private_key.private_bytes_raw()
        return format_signer_key(self.name, self.key_id, SIGNATURE_TYPE_MLDSA44_COSIGNATURE, seed)


def parse_mldsa44_signer_key(skey: str, clock: Clock = system_clock) -> MLDSA44CosignatureSigner:
    """Return the signer for an ML-DSA-44 skey made by ``MLDSA44CosignatureSigner.skey``."""
    decoded = decode_signer_key(skey)
    if decoded.signature_type != SIGNATURE_TYPE_MLDSA44_COSIGNATURE or len(decoded.key) != 32:
        raise NoteError(f"signer key {decoded.name}: not an ML-DSA-44 seed")
    signer = MLDSA44CosignatureSigner(
        decoded.name, MLDSA44PrivateKey.from_seed_bytes(decoded.key), clock
    )
    if signer.key_id != decoded.key_id:
        raise NoteError(f"signer key {decoded.name}: key ID does not match the key")
    return signer


def generate_mldsa44_signer_key(name: str) -> str:
    """Return a new random ML-DSA-44 skey for ``name``."""
    return MLDSA44CosignatureSigner(name, MLDSA44PrivateKey.generate()).skey()


# --- Verifier keys -------------------------------------------------------------------------------


def parse_cosigner_key(vkey: str) -> Verifier:
    """Return the cosignature verifier for a vkey of type 0x04 or 0x06.

    A plain Ed25519 note vkey (0x01) is accepted too and read as the same key's cosignature/v1
    verifier, as transparency-dev/formats does, since witnesses often publish that form.
    """
    decoded = decode_verifier_key(vkey)
    if decoded.signature_type in (SIGNATURE_TYPE_ED25519, SIGNATURE_TYPE_COSIGNATURE_V1):
        if len(decoded.key) != 32:
            raise NoteError(f"cosigner key {decoded.name}: Ed25519 public keys are 32 bytes")
        return CosignatureV1Verifier(decoded.name, Ed25519PublicKey.from_public_bytes(decoded.key))
    if decoded.signature_type == SIGNATURE_TYPE_MLDSA44_COSIGNATURE:
        if len(decoded.key) != MLDSA44_PUBLIC_KEY_SIZE:
            raise NoteError(f"cosigner key {decoded.name}: ML-DSA-44 public keys are 1312 bytes")
        return MLDSA44CosignatureVerifier(
            decoded.name, MLDSA44PublicKey.from_public_bytes(decoded.key)
        )
    raise NoteError(f"cosigner key {decoded.name}: unsupported type 0x{decoded.signature_type:02x}")


def parse_log_key(vkey: str) -> Verifier:
    """Return the verifier for a log's checkpoint key: an Ed25519 note key (0x01), or the
    ML-DSA-44 key (0x06) a log may sign its checkpoints with in addition."""
    if decode_verifier_key(vkey).signature_type == SIGNATURE_TYPE_MLDSA44_COSIGNATURE:
        return parse_cosigner_key(vkey)
    return parse_verifier_key(vkey)
