"""Encrypted backup files: a stream sealed with AES-256-GCM under a key derived from a passphrase.
Pure: imports no Django.

Layout: ``MAGIC``, a 16-byte random salt, then chunks, each a 4-byte big-endian length and the
AES-GCM ciphertext of up to ``CHUNK`` bytes. The key is scrypt(passphrase, salt), new for every
file, so a chunk counter is a safe nonce; the last chunk is sealed with a different associated
datum, so a file cut short, reordered or altered does not open instead of restoring part of a backup.
"""

import hashlib
import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"JILIANG-BACKUP-1\n"
SALT_BYTES = 16
CHUNK = 1 << 20
SCRYPT_COST = 2**15  # part of the format: files sealed with one cost open with that cost only
MIN_PASSPHRASE = 16
_MIDDLE, _LAST = b"chunk", b"last"


class SealError(ValueError):
    """Wrong passphrase, or a file that is not a whole, unaltered backup."""


def _key(passphrase: str, salt: bytes) -> AESGCM:
    if len(passphrase) < MIN_PASSPHRASE:
        raise SealError(f"the backup passphrase needs at least {MIN_PASSPHRASE} characters")
    return AESGCM(hashlib.scrypt(passphrase.encode(), salt=salt, n=SCRYPT_COST, r=8, p=1, maxmem=64 << 20, dklen=32))


def _nonce(counter: int) -> bytes:
    return struct.pack(">4xQ", counter)


class SealingWriter:
    """A write-only file object: what is written goes to ``target`` encrypted; ``close`` seals it."""

    def __init__(self, target, passphrase: str):
        salt = os.urandom(SALT_BYTES)
        self._aead, self._target = _key(passphrase, salt), target
        self._buffer, self._counter, self.closed = bytearray(), 0, False
        target.write(MAGIC + salt)

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:
            self._emit(bytes(self._buffer[:CHUNK]), _MIDDLE)
            del self._buffer[:CHUNK]
        return len(data)

    def _emit(self, plain: bytes, kind: bytes) -> None:
        sealed = self._aead.encrypt(_nonce(self._counter), plain, kind)
        self._target.write(struct.pack(">I", len(sealed)) + sealed)
        self._counter += 1

    def close(self) -> None:
        if not self.closed:
            self._emit(bytes(self._buffer), _LAST)
            self.closed = True


class OpeningReader:
    """A read-only file object over a sealed ``source``; a bad passphrase or file raises SealError."""

    def __init__(self, source, passphrase: str):
        header = source.read(len(MAGIC) + SALT_BYTES)
        if header[:len(MAGIC)] != MAGIC or len(header) != len(MAGIC) + SALT_BYTES:
            raise SealError("not a Jiliang backup file")
        self._aead, self._source = _key(passphrase, header[len(MAGIC):]), source
        self._plain, self._counter, self._done = b"", 0, False

    def _next_chunk(self) -> bytes:
        length = self._source.read(4)
        if len(length) != 4:
            raise SealError("the backup file is cut short")
        declared = struct.unpack(">I", length)[0]
        sealed = self._source.read(declared)
        if len(sealed) != declared:
            raise SealError("the backup file is cut short")
        for kind in (_MIDDLE, _LAST):
            try:
                plain = self._aead.decrypt(_nonce(self._counter), sealed, kind)
            except InvalidTag:
                continue
            self._counter += 1
            self._done = kind == _LAST
            return plain
        raise SealError("wrong passphrase, or the backup file was altered")

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._plain) < size):
            self._plain += self._next_chunk()
        if self._done and self._source.read(1):
            raise SealError("the backup file has data after its end")
        cut = len(self._plain) if size < 0 else size
        data, self._plain = self._plain[:cut], self._plain[cut:]
        return data
