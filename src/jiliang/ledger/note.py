"""C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys, in Go's ``sumdb/note`` key format.

A signed note is UTF-8 text ending in a newline, a blank line, then one or more lines
``— <key name> <base64(4-byte key ID || signature)>``. The key ID is
``SHA-256(name || "\\n" || signature type || public key)[:4]``, so a verifier recognises its
signature by (name, key ID) without trying every key.

Verification follows the spec: signatures from unknown (name, key ID) pairs are ignored, which is
what lets witnesses add cosignatures and logs rotate keys; a signature from a known key that does
not verify rejects the whole note (``InvalidSignatureError``); and a note with no verified known
signature is rejected (``UnverifiedNoteError``).

Keys are strings. A verifier key (vkey) is ``<name>+<hex key ID>+<base64(type || public key)>``;
a signer key (skey) is ``PRIVATE+KEY+<name>+<hex key ID>+<base64(type || private seed)>``, the
format of golang.org/x/mod/sumdb/note. Skeys are secrets: store them with mode 0600, never log
them. The cosignature key types (0x04, 0x06) live in ``cosignature``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SIGNATURE_TYPE_ED25519 = 0x01
MAX_SIGNATURES = 100  # C2SP asks for at least 16; Go's limit keeps malicious notes cheap to reject

_SIGNATURE_PREFIX = "\u2014 "  # em dash, space
_SIGNER_KEY_PREFIX = "PRIVATE+KEY+"
_KEY_ID_HEX = re.compile(r"[0-9a-fA-F]{8}")
_CONTROL_CHARACTER = re.compile(r"[\x00-\x09\x0b-\x1f]")  # below U+0020, except the newline


class NoteError(ValueError):
    """A note or key string is malformed."""


class InvalidSignatureError(NoteError):
    """A signature from a known key does not verify: the note must be rejected as a whole."""

    def __init__(self, name: str, key_id: int) -> None:
        super().__init__(f"invalid signature for key {name}+{key_id:08x}")
        self.name = name
        self.key_id = key_id


class UnverifiedNoteError(NoteError):
    """No signature on the note is from a known key."""


class Verifier(Protocol):
    """Checks the signatures of one key; identified on signature lines by name and key ID."""

    name: str
    key_id: int

    def verify(self, text: bytes, signature: bytes) -> bool: ...


class Signer(Protocol):
    """Signs note text with one key."""

    name: str
    key_id: int

    def sign(self, text: bytes) -> bytes: ...


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the key name, the key ID, and the signature bytes after the ID."""

    name: str
    key_id: int
    signature: bytes

    def line(self) -> str:
        encoded = base64.b64encode(self.key_id.to_bytes(4, "big") + self.signature).decode()
        return f"{_SIGNATURE_PREFIX}{self.name} {encoded}\n"


@dataclass(frozen=True)
class Note:
    """A parsed note: its text (with the final newline) and its signature lines, unverified."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def to_bytes(self) -> bytes:
        return (self.text + "\n" + "".join(s.line() for s in self.signatures)).encode()


@dataclass(frozen=True)
class VerifiedNote:
    """A note whose known signatures all verified; ``unverified`` are those of unknown keys."""

    text: str
    verified: tuple[NoteSignature, ...]
    unverified: tuple[NoteSignature, ...]


# --- Keys ----------------------------------------------------------------------------------------


def is_valid_key_name(name: str) -> bool:
    """Key names are non-empty and contain no Unicode space and no ``+``."""
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def compute_key_id(name: str, signature_type: int, public_key: bytes) -> int:
    """Return ``SHA-256(name || 0x0A || type || public key)[:4]`` as a big-endian integer."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([signature_type]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


@dataclass(frozen=True)
class DecodedKey:
    """The fields of a vkey or skey string, after the key ID has been checked."""

    name: str
    key_id: int
    signature_type: int
    key: bytes


def format_verifier_key(name: str, signature_type: int, public_key: bytes) -> str:
    """Return the vkey string ``<name>+<key ID>+<base64(type || public key)>``."""
    if not is_valid_key_name(name):
        raise NoteError(f"invalid key name {name!r}")
    key_id = compute_key_id(name, signature_type, public_key)
    encoded = base64.b64encode(bytes([signature_type]) + public_key).decode()
    return f"{name}+{key_id:08x}+{encoded}"


def format_signer_key(name: str, key_id: int, signature_type: int, private_seed: bytes) -> str:
    """Return the skey string ``PRIVATE+KEY+<name>+<key ID>+<base64(type || seed)>``."""
    encoded = base64.b64encode(bytes([signature_type]) + private_seed).decode()
    return f"{_SIGNER_KEY_PREFIX}{name}+{key_id:08x}+{encoded}"


def decode_verifier_key(vkey: str) -> DecodedKey:
    """Split a vkey and check that its key ID matches its name, type and public key."""
    name, key_id, type_and_key = _split_key_string(vkey, "verifier key")
    signature_type, public_key = type_and_key[0], type_and_key[1:]
    if compute_key_id(name, signature_type, public_key) != key_id:
        raise NoteError(f"verifier key {name}+{key_id:08x}: key ID does not match the key")
    return DecodedKey(name, key_id, signature_type, public_key)


def decode_signer_key(skey: str) -> DecodedKey:
    """Split an skey; the key ID is checked against the public key derived by the caller."""
    if not skey.startswith(_SIGNER_KEY_PREFIX):
        raise NoteError("signer key must start with PRIVATE+KEY+")
    name, key_id, type_and_seed = _split_key_string(skey[len(_SIGNER_KEY_PREFIX) :], "signer key")
    return DecodedKey(name, key_id, type_and_seed[0], type_and_seed[1:])


def _split_key_string(value: str, what: str) -> tuple[str, int, bytes]:
    parts = value.split("+", 2)
    if len(parts) != 3 or not is_valid_key_name(parts[0]) or not _KEY_ID_HEX.fullmatch(parts[1]):
        raise NoteError(f"malformed {what}")
    try:
        key = base64.b64decode(parts[2], validate=True)
    except binascii.Error as error:
        raise NoteError(f"malformed {what}: bad base64") from error
    if len(key) < 2:
        raise NoteError(f"malformed {what}: no key material")
    return parts[0], int(parts[1], 16), key


def _check_key_id(decoded: DecodedKey, public_key: bytes) -> None:
    if compute_key_id(decoded.name, decoded.signature_type, public_key) != decoded.key_id:
        raise NoteError(f"signer key {decoded.name}: key ID does not match the key")


# --- Ed25519 note signatures (type 0x01) ---------------------------------------------------------


class Ed25519Verifier:
    """Verifies Ed25519 signatures over the note text."""

    def __init__(self, name: str, public_key: Ed25519PublicKey) -> None:
        self.name = name
        self.public_key = public_key
        self.key_id = compute_key_id(name, SIGNATURE_TYPE_ED25519, public_key.public_bytes_raw())

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            self.public_key.verify(signature, text)
        except InvalidSignature:
            return False
        return True

    def vkey(self) -> str:
        return format_verifier_key(
            self.name, SIGNATURE_TYPE_ED25519, self.public_key.public_bytes_raw()
        )


class Ed25519Signer:
    """Signs note text with Ed25519 (deterministic, so signatures are reproducible)."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        if not is_valid_key_name(name):
            raise NoteError(f"invalid key name {name!r}")
        self.name = name
        self.private_key = private_key
        self.key_id = self.verifier().key_id

    def sign(self, text: bytes) -> bytes:
        return self.private_key.sign(text)

    def verifier(self) -> Ed25519Verifier:
        return Ed25519Verifier(self.name, self.private_key.public_key())

    def skey(self) -> str:
        seed = self.private_key.private_bytes_raw()
        return format_signer_key(self.name, self.key_id, SIGNATURE_TYPE_ED25519, seed)


def parse_verifier_key(vkey: str) -> Ed25519Verifier:
    """Return the verifier for an Ed25519 (type 0x01) vkey string."""
    decoded = decode_verifier_key(vkey)
    if decoded.signature_type != SIGNATURE_TYPE_ED25519:
        raise NoteError(
            f"verifier key {decoded.name}: unsupported type 0x{decoded.signature_type:02x}"
        )
    if len(decoded.key) != 32:
        raise NoteError(f"verifier key {decoded.name}: Ed25519 public keys are 32 bytes")
    return Ed25519Verifier(decoded.name, Ed25519PublicKey.from_public_bytes(decoded.key))


def parse_signer_key(skey: str) -> Ed25519Signer:
    """Return the signer for an Ed25519 skey string (``PRIVATE+KEY+...``, 32-byte seed)."""
    decoded = decode_signer_key(skey)
    if decoded.signature_type != SIGNATURE_TYPE_ED25519 or len(decoded.key) != 32:
        raise NoteError(f"signer key {decoded.name}: not an Ed25519 seed")
    signer = Ed25519Signer(decoded.name, Ed25519PrivateKey.from_private_bytes(decoded.key))
    _check_key_id(decoded, signer.private_key.public_key().public_bytes_raw())
    return signer


def generate_signer_key(name: str) -> str:
    """Return a new random Ed25519 skey for ``name``; ``parse_signer_key(s).verifier().vkey()``
    gives the matching public vkey."""
    return Ed25519Signer(name, Ed25519PrivateKey.generate()).skey()


# --- Parsing, verifying and signing notes -------------------------------------------------------


def parse_note(data: bytes) -> Note:
    """Split a signed note into text and signature lines, checking the format but no signature."""
    try:
        message = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NoteError("note is not valid UTF-8") from error
    if _CONTROL_CHARACTER.search(message):
        raise NoteError("note contains a control character")
    split = message.rfind("\n\n")  # the text may contain blank lines; the last one ends it
    if split < 0:
        raise NoteError("note has no blank line before its signatures")
    text, signature_block = message[: split + 1], message[split + 2 :]
    if not signature_block.endswith("\n"):
        raise NoteError("note has no signatures, or its last line lacks a newline")
    lines = signature_block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has more than {MAX_SIGNATURES} signatures")
    return Note(text, tuple(_parse_signature_line(line) for line in lines))


def _parse_signature_line(line: str) -> NoteSignature:
    if not line.startswith(_SIGNATURE_PREFIX):
        raise NoteError(f"not a signature line: {line[:40]!r}")
    name, _, encoded = line[len(_SIGNATURE_PREFIX) :].partition(" ")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error as error:
        raise NoteError(f"signature of {name!r} is not base64") from error
    if not is_valid_key_name(name) or len(raw) < 5:
        raise NoteError(f"malformed signature line for {name!r}")
    return NoteSignature(name, int.from_bytes(raw[:4], "big"), raw[4:])


def verify_note(note: Note, verifiers: Iterable[Verifier]) -> VerifiedNote:
    """Apply the C2SP verification rules to a parsed note (see the module docstring)."""
    known = {(v.name, v.key_id): v for v in verifiers}
    text = note.text.encode()
    verified: dict[tuple[str, int], NoteSignature] = {}
    unverified: dict[NoteSignature, None] = {}  # an ordered set: repeated lines count once
    for signature in note.signatures:
        key = (signature.name, signature.key_id)
        verifier = known.get(key)
        if verifier is None:
            unverified[signature] = None
        elif key not in verified:
            if not verifier.verify(text, signature.signature):
                raise InvalidSignatureError(signature.name, signature.key_id)
            verified[key] = signature
    if not verified:
        raise UnverifiedNoteError("note has no signature from a known key")
    return VerifiedNote(note.text, tuple(verified.values()), tuple(unverified))


def open_note(data: bytes, verifiers: Iterable[Verifier]) -> VerifiedNote:
    """Parse and verify a signed note; Go's ``note.Open``."""
    return verify_note(parse_note(data), verifiers)


def check_note_text(text: str) -> None:
    """Raise ``NoteError`` unless ``text`` can be the text of a signed note."""
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    if _CONTROL_CHARACTER.search(text):
        raise NoteError("note text contains a control character")


def sign_text(text: str, signer: Signer) -> NoteSignature:
    """Return ``signer``'s signature line over ``text``, e.g. a witness's cosignature."""
    check_note_text(text)
    return NoteSignature(signer.name, signer.key_id, signer.sign(text.encode()))


def sign_note(text: str, signers: Iterable[Signer]) -> bytes:
    """Return the signed note: ``text``, a blank line and one signature line per signer."""
    signatures = tuple(sign_text(text, signer) for signer in signers)
    if not signatures:
        raise NoteError("a signed note needs at least one signer")
    return Note(text, signatures).to_bytes()
