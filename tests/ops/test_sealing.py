"""Backup files open with their passphrase only, whole and unaltered."""

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiliang import sealing
from jiliang.sealing import OpeningReader, SealError, SealingWriter

PASSPHRASE = "a long backup passphrase"


def seal(data: bytes, passphrase=PASSPHRASE) -> bytes:
    target = io.BytesIO()
    writer = SealingWriter(target, passphrase)
    writer.write(data)
    writer.close()
    return target.getvalue()


def open_all(sealed: bytes, passphrase=PASSPHRASE) -> bytes:
    return OpeningReader(io.BytesIO(sealed), passphrase).read()


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(sealing, "CHUNK", 64)
    monkeypatch.setattr(sealing, "SCRYPT_COST", 2**4)  # the format, not the key's strength, is under test


@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=400), st.integers(1, 100))
def test_round_trip_in_any_read_sizes(data, read_size):
    reader = OpeningReader(io.BytesIO(seal(data)), PASSPHRASE)
    parts = iter(lambda: reader.read(read_size), b"")
    assert b"".join(parts) == data


@settings(max_examples=25, deadline=None)
@given(st.binary(min_size=1, max_size=300), st.data())
def test_any_cut_or_flipped_byte_is_refused(data, draw):
    sealed = seal(data)
    position = draw.draw(st.integers(len(sealing.MAGIC), len(sealed) - 1))
    flipped = sealed[:position] + bytes([sealed[position] ^ 1]) + sealed[position + 1:]
    for bad in (sealed[:position], flipped):
        with pytest.raises(SealError):
            open_all(bad)


def test_a_wrong_passphrase_is_refused():
    with pytest.raises(SealError, match="wrong passphrase"):
        open_all(seal(b"secret"), "another passphrase, also long")


def test_a_short_passphrase_is_refused():
    with pytest.raises(SealError, match="at least"):
        seal(b"x", "short")


def test_the_plain_text_is_not_in_the_file():
    assert b"SECRET_KEY" not in seal(b"JILIANG_SECRET_KEY=abc" * 10)
