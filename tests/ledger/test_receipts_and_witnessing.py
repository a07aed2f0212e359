"""C2SP tlog-proof receipts, and the transparency-dev witness 5 -> 8 scenario as pure logic."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from ledger_testkit import MemoryHashStore, load_vectors

from jiliang.ledger.checkpoint import Checkpoint, open_checkpoint
from jiliang.ledger.cosignature import CosignatureV1Signer, parse_cosigner_key
from jiliang.ledger.merkle import MerkleError, hash_leaf, prove_inclusion, verify_consistency
from jiliang.ledger.note import (
    Ed25519Signer,
    InvalidSignatureError,
    NoteError,
    UnverifiedNoteError,
    open_note,
    parse_signer_key,
    parse_verifier_key,
    sign_note,
    sign_text,
)
from jiliang.ledger.receipt import Receipt, ReceiptError, parse_receipt, verify_receipt

VECTORS = load_vectors("checkpoint_cosignature_witness_vectors.json")
WITNESS = VECTORS["witness_scenario"]
ORIGIN = "ledger.bazhong.example/jiliang"

# The example of C2SP/C2SP:tlog-proof.md (CC-BY-4.0). Its signatures are elided ("[...]") in the
# spec, so it is for parsing only.
SPEC_EXAMPLE = """c2sp.org/tlog-proof@v1
extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
index 73894
gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

example.com/fancylog
109482
sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=

\u2014 example.com/fancylog hI2DJw[...]1roloI=
"""


def _deterministic_ed25519(label: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(label.encode()).digest())


LOG_SIGNER = Ed25519Signer(ORIGIN, _deterministic_ed25519("jiliang test log key"))
WITNESSES = [
    CosignatureV1Signer(
        f"witness{i}.example", _deterministic_ed25519(f"witness {i}"), lambda: 1767139200
    )
    for i in range(3)
]
ENTRIES = [b"record %d" % i for i in range(300)]
STORE = MemoryHashStore(ENTRIES)


def _receipt(index: int, cosigners: int = 2) -> Receipt:
    checkpoint = Checkpoint(ORIGIN, len(ENTRIES), STORE.frontier.root())
    note = sign_note(checkpoint.to_text(), [LOG_SIGNER, *WITNESSES[:cosigners]])
    proof = prove_inclusion(index, len(ENTRIES), STORE.read_hashes)
    return Receipt(index, tuple(proof), note, extra=b"certificate 42")


def _verify(receipt: Receipt, leaf_hash: bytes, quorum: int = 2) -> Checkpoint:
    witnesses = [w.verifier() for w in WITNESSES]
    return verify_receipt(receipt, leaf_hash, ORIGIN, [LOG_SIGNER.verifier()], witnesses, quorum)


def test_spec_example_parses_and_formats_back() -> None:
    receipt = parse_receipt(SPEC_EXAMPLE.encode())
    assert receipt.index == 73894
    assert len(receipt.inclusion_proof) == 5
    assert receipt.extra is not None
    assert receipt.checkpoint.startswith(b"example.com/fancylog\n109482\n")
    assert receipt.to_bytes() == SPEC_EXAMPLE.encode()


@pytest.mark.parametrize("index", [0, 1, 255, 256, 299])
def test_receipts_verify_offline(index: int) -> None:
    receipt = parse_receipt(_receipt(index).to_bytes())
    assert _verify(receipt, hash_leaf(ENTRIES[index])).size == 300
    assert receipt.extra == b"certificate 42"


def test_a_receipt_does_not_fit_another_entry_or_index() -> None:
    receipt = _receipt(7)
    with pytest.raises(MerkleError):
        _verify(receipt, hash_leaf(ENTRIES[8]))
    with pytest.raises(MerkleError):
        _verify(Receipt(8, receipt.inclusion_proof, receipt.checkpoint), hash_leaf(ENTRIES[7]))


def test_a_receipt_with_an_altered_proof_fails() -> None:
    receipt = _receipt(7)
    proof = list(receipt.inclusion_proof)
    proof[2] = bytes([proof[2][0] ^ 1]) + proof[2][1:]
    with pytest.raises(MerkleError):
        _verify(Receipt(7, tuple(proof), receipt.checkpoint), hash_leaf(ENTRIES[7]))


def test_a_receipt_needs_the_witness_quorum() -> None:
    with pytest.raises(ReceiptError):
        _verify(_receipt(7, cosigners=1), hash_leaf(ENTRIES[7]), quorum=2)
    _verify(_receipt(7, cosigners=1), hash_leaf(ENTRIES[7]), quorum=1)


def test_a_receipt_needs_the_log_signature() -> None:
    receipt = _receipt(7)
    only_witnesses = sign_note(
        open_note(receipt.checkpoint, [LOG_SIGNER.verifier()]).text, WITNESSES
    )
    with pytest.raises(UnverifiedNoteError):
        _verify(
            Receipt(7, receipt.inclusion_proof, only_witnesses), hash_leaf(ENTRIES[7]), quorum=0
        )


def test_a_receipt_of_another_log_is_rejected() -> None:
    receipt = _receipt(7)
    with pytest.raises(NoteError):
        verify_receipt(receipt, hash_leaf(ENTRIES[7]), "other.example/log", [LOG_SIGNER.verifier()])


@pytest.mark.parametrize(
    "data",
    [
        b"c2sp.org/tlog-proof@v2\nindex 1\n\ncheckpoint\n",
        b"c2sp.org/tlog-proof@v1\nindex 01\n\ncheckpoint\n",
        b"c2sp.org/tlog-proof@v1\nextra !!\nindex 1\n\ncheckpoint\n",
        b"c2sp.org/tlog-proof@v1\n\ncheckpoint\n",
        b"c2sp.org/tlog-proof@v1\nindex 1\nAAAA\n\ncheckpoint\n",
        b"c2sp.org/tlog-proof@v1\nindex 1\n",
        b"c2sp.org/tlog-proof@v1\nindex 1\n\n",
    ],
)
def test_malformed_receipts_are_rejected(data: bytes) -> None:
    with pytest.raises(ReceiptError):
        parse_receipt(data)


# --- transparency-dev/witness: a witness moves from the size-5 to the size-8 checkpoint ---------


def test_witness_scenario_5_to_8() -> None:
    keys = WITNESS["keys"]
    log_key = parse_verifier_key(keys["mPK"])
    old, _ = open_checkpoint(WITNESS["old_checkpoint"].encode(), "monkeys", [log_key])
    new, note = open_checkpoint(WITNESS["new_checkpoint"].encode(), "monkeys", [log_key])
    assert (old.size, new.size) == (5, 8)
    proof = [bytes.fromhex(h) for h in WITNESS["consistency_proof_5_to_8_hex"]]
    verify_consistency(old.size, new.size, proof, old.root_hash, new.root_hash)

    witness = CosignatureV1Signer.from_signer_key(keys["wSK"], lambda: 1767139200)
    cosignature = sign_text(note.text, witness)
    cosigned = WITNESS["new_checkpoint"].encode() + cosignature.line().encode()
    checkpoint, opened = open_checkpoint(
        cosigned, "monkeys", [log_key], [parse_cosigner_key(keys["wPK"])]
    )
    assert checkpoint == new
    assert [s.name for s in opened.verified] == ["monkeys", "witness"]


def test_witness_scenario_rejections() -> None:
    keys = WITNESS["keys"]
    log_key = parse_verifier_key(keys["mPK"])
    old, _ = open_checkpoint(WITNESS["old_checkpoint"].encode(), "monkeys", [log_key])
    new, _ = open_checkpoint(WITNESS["new_checkpoint"].encode(), "monkeys", [log_key])
    proof = [bytes.fromhex(h) for h in WITNESS["consistency_proof_5_to_8_hex"]]
    # A checkpoint signed by another log's key (bananas) is not trusted for monkeys.
    with pytest.raises(UnverifiedNoteError):
        open_checkpoint(
            WITNESS["new_checkpoint"].encode(), "monkeys", [parse_verifier_key(keys["bPK"])]
        )
    # The proof does not connect other trees: a rewritten history is caught.
    with pytest.raises(MerkleError):
        verify_consistency(old.size, new.size, proof[:-1], old.root_hash, new.root_hash)
    with pytest.raises(MerkleError):
        verify_consistency(old.size, new.size, proof, new.root_hash, new.root_hash)
    with pytest.raises(MerkleError):
        verify_consistency(4, new.size, proof, old.root_hash, new.root_hash)
    # A log signature forged onto a different root fails as a bad known signature.
    forged_root = base64.b64encode(bytes(32)).decode()
    forged = WITNESS["new_checkpoint"].replace(
        base64.b64encode(new.root_hash).decode(), forged_root
    )
    with pytest.raises(InvalidSignatureError):
        open_checkpoint(forged.encode(), "monkeys", [log_key])


def test_witness_keys_sign_log_checkpoints_too() -> None:
    """The scenario's witness key is an ordinary note key; as a note signer it makes a 0x01 line."""
    signer = parse_signer_key(WITNESS["keys"]["wSK"])
    text = open_note(
        WITNESS["new_checkpoint"].encode(), [parse_verifier_key(WITNESS["keys"]["mPK"])]
    ).text
    assert (
        open_note(sign_note(text, [signer]), [parse_verifier_key(WITNESS["keys"]["wPK"])]).text
        == text
    )
