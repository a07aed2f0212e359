"""The tlog-witness server (status codes of C2SP tlog-witness.md) and the log's witness client."""

import threading

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from ledger_testkit import MemoryHashStore
from log_fixtures import fill_log

from jiliang.ledger import selectors, sequencer
from jiliang.ledger.checkpoint import Checkpoint
from jiliang.ledger.cosignature import CosignatureV1Signer
from jiliang.ledger.keys import log_keys
from jiliang.ledger.merkle import EMPTY_ROOT, prove_consistency
from jiliang.ledger.models import Cosignature, LogEntry, SignedCheckpoint, StoredTile, TreeHead
from jiliang.ledger.note import Ed25519Signer, open_note, sign_note
from jiliang.ledger.witness import Witness, WitnessState, make_server
from jiliang.ledger.witnessing import add_checkpoint_body

ORIGIN = "ledger.bazhong.example/jiliang"
LOG = Ed25519Signer(ORIGIN, Ed25519PrivateKey.generate())
WITNESS = CosignatureV1Signer("witness.sc.example", Ed25519PrivateKey.generate())


def _tree(count: int, prefix: bytes = b"entry") -> MemoryHashStore:
    return MemoryHashStore([b"%s %d" % (prefix, i) for i in range(count)])


def _note(store: MemoryHashStore, signer=LOG, origin: str = ORIGIN) -> bytes:
    size = store.frontier.size
    return sign_note(Checkpoint(origin, size, store.frontier.root()).to_text(), [signer])


def _request(old: int, store: MemoryHashStore, proof=None, **note_options) -> bytes:
    size = store.frontier.size
    if proof is None:
        proof = prove_consistency(old, size, store.read_hashes) if 0 < old < size else []
    return add_checkpoint_body(old, proof, _note(store, **note_options))


@pytest.fixture
def witness(tmp_path):
    return Witness(WITNESS, {ORIGIN: [LOG.verifier()]}, WitnessState(tmp_path / "state.json"))


def test_a_first_checkpoint_is_cosigned_and_the_cosignature_verifies(witness):
    store = _tree(10)
    response = witness.add_checkpoint(_request(0, store))
    assert response.status == 200
    note = open_note(_note(store) + response.body, [LOG.verifier(), WITNESS.verifier()])
    assert len(note.verified) == 2


def test_growth_with_a_valid_proof_is_cosigned(witness):
    assert witness.add_checkpoint(_request(0, _tree(5))).status == 200
    assert witness.add_checkpoint(_request(5, _tree(8))).status == 200
    assert witness.add_checkpoint(_request(8, _tree(8))).status == 200  # the same tree again


def test_a_stale_old_size_gets_409_with_the_witness_size(witness):
    witness.add_checkpoint(_request(0, _tree(5)))
    response = witness.add_checkpoint(_request(0, _tree(8)))
    assert (response.status, response.body, response.content_type) == (409, b"5\n", "text/x.tlog.size")


def test_a_rewritten_history_is_refused(witness):
    """A log that rewrites history cannot get a cosignature: 422 for a proof that does not verify,
    409 for another root at the size the witness cosigned (C2SP tlog-witness.md)."""
    witness.add_checkpoint(_request(0, _tree(5)))
    forged = _tree(8, prefix=b"forged")
    honest_proof = prove_consistency(5, 8, _tree(8).read_hashes)
    assert witness.add_checkpoint(_request(5, forged)).status == 422
    assert witness.add_checkpoint(_request(5, forged, proof=honest_proof)).status == 422
    assert witness.add_checkpoint(_request(5, _tree(5, prefix=b"forged"))).status == 409
    assert witness.add_checkpoint(_request(5, _tree(8))).status == 200  # the honest log goes on


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"old 1\n\n", 400),
        (b"new 0\n\nx", 400),
        (b"old 01\n\n", 400),
        (b"old 0\nnot base64!\n\n", 400),
    ],
)
def test_malformed_requests_get_400(witness, body, status):
    assert witness.add_checkpoint(body).status == status


def test_the_documented_refusals(witness):
    store = _tree(5)
    stranger = Ed25519Signer(ORIGIN, Ed25519PrivateKey.generate())
    assert witness.add_checkpoint(_request(0, store, origin="other.example/log")).status == 404
    assert witness.add_checkpoint(_request(0, store, signer=stranger)).status == 403
    assert witness.add_checkpoint(_request(6, store)).status == 400  # old > size
    assert witness.add_checkpoint(_request(0, store, proof=[EMPTY_ROOT])).status == 422
    empty_but_wrong = sign_note(Checkpoint(ORIGIN, 0, b"\x01" * 32).to_text(), [LOG])
    assert witness.add_checkpoint(add_checkpoint_body(0, [], empty_but_wrong)).status == 422


def test_the_state_is_persisted_before_the_answer(witness, tmp_path):
    witness.add_checkpoint(_request(0, _tree(5)))
    restarted = Witness(WITNESS, {ORIGIN: [LOG.verifier()]}, WitnessState(tmp_path / "state.json"))
    assert restarted.add_checkpoint(_request(0, _tree(8))).body == b"5\n"
    assert not (tmp_path / "state.json.tmp").exists()


# --- The log's client, against witnesses served over HTTP ----------------------------------------


@pytest.fixture
def served_witnesses(tmp_path, settings):
    """Two witnesses over HTTP, configured for the log with a quorum of 2."""
    verifiers = log_keys().verifiers()
    servers, items = [], []
    for number in range(2):
        signer = CosignatureV1Signer(f"witness{number}.example", Ed25519PrivateKey.generate())
        state = WitnessState(tmp_path / f"witness{number}.json")
        server = make_server(Witness(signer, {ORIGIN: verifiers}, state), "127.0.0.1", 0, "/w")
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        items.append(f"{signer.verifier().vkey()} http://127.0.0.1:{server.server_address[1]}/w")
    settings.JILIANG_LEDGER_WITNESSES = items
    settings.JILIANG_LEDGER_WITNESS_QUORUM = 2
    yield servers
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.django_db
def test_the_log_serves_checkpoints_once_the_quorum_cosigned(served_witnesses, client):
    fill_log(10)
    assert selectors.published_checkpoint() is None  # signed, not witnessed yet
    sequencer.publish()
    assert Cosignature.objects.count() == 2
    fill_log(20, start=10)
    sequencer.publish()
    published = selectors.published_checkpoint()
    assert published.checkpoint.size == 30
    served = client.get("/log/checkpoint").content
    assert served == published.note and served.count("\u2014 ".encode()) == 4


@pytest.mark.django_db
def test_a_witness_refuses_to_cosign_a_rewritten_log(served_witnesses):
    fill_log(10)
    sequencer.publish()
    for model in (Cosignature, LogEntry, StoredTile, TreeHead, SignedCheckpoint):
        model.objects.all().delete()
    fill_log(12, start=500)  # the operator signs a forged history of 12 entries
    sequencer.publish()
    assert not Cosignature.objects.exists()
    assert selectors.published_checkpoint() is None
