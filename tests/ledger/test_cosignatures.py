"""C2SP tlog-cosignature: Sunlight's reproducible Ed25519 vectors, the spec example, ML-DSA-44."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from ledger_testkit import load_vectors

from jiliang.ledger.checkpoint import Checkpoint, open_checkpoint, parse_checkpoint
from jiliang.ledger.cosignature import (
    SIGNATURE_TYPE_COSIGNATURE_V1,
    CosignatureV1Signer,
    CosignatureV1Verifier,
    MLDSA44CosignatureSigner,
    MLDSA44CosignatureVerifier,
    cosignature_timestamp,
    cosignature_v1_message,
    generate_mldsa44_signer_key,
    parse_cosigner_key,
    parse_mldsa44_signer_key,
)
from jiliang.ledger.note import (
    InvalidSignatureError,
    Note,
    NoteError,
    UnverifiedNoteError,
    open_note,
    parse_note,
    parse_signer_key,
    sign_note,
    sign_text,
)

VECTORS = load_vectors("checkpoint_cosignature_witness_vectors.json")
NOTE_VECTORS = load_vectors("signed_note_vectors.json")
SKYLIGHT = VECTORS["sunlight_skylight_testdata"]
SKYLIGHT_TIMESTAMP = 1767139200
SKYLIGHT_SEEDS = {
    "witness.example.org": "skylight test witness key",
    "witness2.example.org": "skylight test witness2 key",
    "mirror.example.org": "skylight test mirror key",
}
COSIGNED_NOTES = {
    "witness.example.org": SKYLIGHT["witness_cosigned_checkpoint"],
    "witness2.example.org": SKYLIGHT["witness2_cosigned_checkpoint"],
    "mirror.example.org": SKYLIGHT["mirror_tree"]["checkpoint"],
}


def _skylight_signer(name: str) -> CosignatureV1Signer:
    seed = hashlib.sha256(SKYLIGHT_SEEDS[name].encode()).digest()
    key = Ed25519PrivateKey.from_private_bytes(seed)
    return CosignatureV1Signer(name, key, lambda: SKYLIGHT_TIMESTAMP)


@pytest.mark.parametrize("name", sorted(SKYLIGHT_SEEDS))
def test_skylight_cosigner_keys_from_seeds(name: str) -> None:
    assert _skylight_signer(name).verifier().vkey() == SKYLIGHT["vkeys"][name]
    assert parse_cosigner_key(SKYLIGHT["vkeys"][name]).vkey() == SKYLIGHT["vkeys"][name]


@pytest.mark.parametrize("name", sorted(SKYLIGHT_SEEDS))
def test_skylight_cosignatures_verify_and_reproduce(name: str) -> None:
    data = COSIGNED_NOTES[name].encode()
    note = open_note(data, [parse_cosigner_key(SKYLIGHT["vkeys"][name])])
    (cosignature,) = note.verified
    assert cosignature_timestamp(cosignature) == SKYLIGHT_TIMESTAMP
    assert len(cosignature.signature) == 72
    assert sign_text(note.text, _skylight_signer(name)).line() in COSIGNED_NOTES[name]


def test_static_ct_log_signature_is_ignored_as_unknown() -> None:
    """The rome checkpoint also carries a type-0x05 (RFC 6962 TreeHeadSignature) log signature."""
    data = SKYLIGHT["witness_cosigned_checkpoint"].encode()
    note = open_note(data, [parse_cosigner_key(SKYLIGHT["vkeys"]["witness.example.org"])])
    assert [s.name for s in note.unverified] == ["rome2026h1.example.org"]


def test_a_cosignature_from_another_witness_is_unknown() -> None:
    data = SKYLIGHT["witness_cosigned_checkpoint"].encode()
    with pytest.raises(UnverifiedNoteError):
        open_note(data, [parse_cosigner_key(SKYLIGHT["vkeys"]["witness2.example.org"])])


def test_a_cosignature_with_a_changed_timestamp_fails() -> None:
    signer = _skylight_signer("witness.example.org")
    text = parse_note(SKYLIGHT["witness_cosigned_checkpoint"].encode()).text
    good = sign_text(text, signer)
    for forged_time in (SKYLIGHT_TIMESTAMP + 1, 2**63):
        forged = forged_time.to_bytes(8, "big") + good.signature[8:]
        assert not signer.verifier().verify(text.encode(), forged)


def test_c2sp_cosignature_example_parses() -> None:
    example = VECTORS["c2sp_cosignature_example"]
    note = parse_note(example["checkpoint_with_cosignature"].encode())
    cosignature = note.signatures[1]
    assert f"{cosignature.key_id:08x}" == "8d66cf3f"
    assert cosignature_timestamp(cosignature) == 1679315147
    assert 4 + len(cosignature.signature) == 76
    message = cosignature_v1_message(note.text.encode(), 1679315147)
    assert message == example["signed_message_example"].encode()


def test_transparency_dev_cosigner_vkeys() -> None:
    plain, native = NOTE_VECTORS["cosignature_vkeys"]["vkeys"]
    converted = parse_cosigner_key(plain)
    assert isinstance(converted, CosignatureV1Verifier)
    assert f"{converted.key_id:08x}" != plain.split("+")[1]  # the 0x04 key ID differs
    key_bytes = base64.b64decode(converted.vkey().split("+")[2])
    assert key_bytes[0] == SIGNATURE_TYPE_COSIGNATURE_V1
    assert parse_cosigner_key(native).vkey() == native


def test_witness_key_as_cosigner_differs_from_the_note_key() -> None:
    keys = VECTORS["witness_scenario"]["keys"]
    cosigner = CosignatureV1Signer.from_signer_key(keys["wSK"], lambda: 1)
    note_signer = parse_signer_key(keys["wSK"])
    assert cosigner.key_id != note_signer.key_id
    assert parse_cosigner_key(keys["wPK"]).key_id == cosigner.key_id


# --- ML-DSA-44 (no public fixed vectors exist: signatures are randomised) -----------------------


@pytest.fixture(scope="module")
def mldsa_signer() -> MLDSA44CosignatureSigner:
    skey = generate_mldsa44_signer_key("ledger.bazhong.example/jiliang")
    return parse_mldsa44_signer_key(skey, lambda: SKYLIGHT_TIMESTAMP)


def test_mldsa44_key_strings_round_trip(mldsa_signer: MLDSA44CosignatureSigner) -> None:
    assert parse_mldsa44_signer_key(mldsa_signer.skey()).skey() == mldsa_signer.skey()
    verifier = parse_cosigner_key(mldsa_signer.verifier().vkey())
    assert isinstance(verifier, MLDSA44CosignatureVerifier)
    assert verifier.key_id == mldsa_signer.key_id
    with pytest.raises(NoteError):
        parse_signer_key(mldsa_signer.skey())


def test_mldsa44_signs_checkpoints_beside_ed25519(mldsa_signer: MLDSA44CosignatureSigner) -> None:
    origin = "ledger.bazhong.example/jiliang"
    ed25519 = parse_signer_key(NOTE_VECTORS["golang_sumdb_note"]["keys"]["PeterNeumann"]["skey"])
    checkpoint = Checkpoint(origin, 300, hashlib.sha256(b"root").digest())
    data = sign_note(checkpoint.to_text(), [ed25519, mldsa_signer])
    parsed, note = open_checkpoint(data, origin, [ed25519.verifier(), mldsa_signer.verifier()])
    assert parsed == checkpoint
    assert len(note.verified) == 2
    assert cosignature_timestamp(note.verified[1]) == SKYLIGHT_TIMESTAMP
    assert len(note.verified[1].signature) == 8 + 2420
    # The post-quantum signature alone is enough for a verifier that only trusts it.
    open_checkpoint(data, origin, [mldsa_signer.verifier()])


def test_mldsa44_signature_fails_for_another_tree(mldsa_signer: MLDSA44CosignatureSigner) -> None:
    checkpoint = Checkpoint("ledger.bazhong.example/jiliang", 300, bytes(32))
    signature = sign_text(checkpoint.to_text(), mldsa_signer)
    verifier = mldsa_signer.verifier()
    assert verifier.verify(checkpoint.to_text().encode(), signature.signature)
    other = Checkpoint("ledger.bazhong.example/jiliang", 301, bytes(32)).to_text().encode()
    assert not verifier.verify(other, signature.signature)
    assert not verifier.verify(b"not a checkpoint\n", signature.signature)
    tampered = bytearray(signature.signature)
    tampered[100] ^= 1
    assert not verifier.verify(checkpoint.to_text().encode(), bytes(tampered))
    forged = Note(checkpoint.to_text(), (replace(signature, signature=bytes(tampered)),))
    with pytest.raises(InvalidSignatureError):
        open_note(forged.to_bytes(), [verifier])


def test_mldsa44_covers_origin_size_and_root_but_not_extensions(
    mldsa_signer: MLDSA44CosignatureSigner,
) -> None:
    checkpoint = Checkpoint("ledger.bazhong.example/jiliang", 7, bytes(32))
    signature = sign_text(checkpoint.to_text(), mldsa_signer).signature
    with_extension = Checkpoint(checkpoint.origin, 7, bytes(32), ("extension",)).to_text()
    assert parse_checkpoint(with_extension).extensions == ("extension",)
    assert mldsa_signer.verifier().verify(with_extension.encode(), signature)
