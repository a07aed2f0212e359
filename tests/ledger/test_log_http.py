"""The public read side: tlog-tiles under /log/, JSON proofs under /api/v1/log/, anonymous."""

import base64

import pytest
from django.test import Client
from log_fixtures import edit_tile, fill_log, flip_byte, run_verify

from jiliang.ledger import selectors
from jiliang.ledger.checkpoint import parse_checkpoint
from jiliang.ledger.cosignature import parse_log_key
from jiliang.ledger.models import SignedCheckpoint
from jiliang.ledger.merkle import hash_leaf, verify_consistency, verify_inclusion
from jiliang.ledger.note import open_note
from jiliang.ledger.receipt import parse_receipt, verify_receipt
from jiliang.ledger.tiles import decode_entry_bundle

ORIGIN = "ledger.bazhong.example/jiliang"


@pytest.fixture
def log(db):
    fill_log(300)
    fill_log(300, start=300)


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


@pytest.mark.django_db
def test_no_checkpoint_before_the_first_is_signed():
    assert Client().get("/log/checkpoint").status_code == 404


def test_the_checkpoint_is_served_fresh(log):
    response = Client().get("/log/checkpoint")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    assert response.content.startswith(f"{ORIGIN}\n600\n".encode())


@pytest.mark.parametrize(
    ("path", "length"),
    [("tile/0/000", 8192), ("tile/0/002.p/88", 88 * 32), ("tile/0/001.p/5", 5 * 32),
     ("tile/1/000.p/2", 64), ("tile/1/000.p/1", 32)],
)
def test_tiles_are_immutable_and_partial_tiles_are_prefixes(log, path, length):
    response = Client().get(f"/log/{path}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert len(response.content) == length
    full = Client().get("/log/tile/0/001" if path.startswith("tile/0/001") else f"/log/{path}")
    assert full.content.startswith(response.content)


def test_entry_bundles_are_served(log):
    full = decode_entry_bundle(Client().get("/log/tile/entries/000").content)
    partial = decode_entry_bundle(Client().get("/log/tile/entries/000.p/3").content)
    assert len(full) == 256 and partial == full[:3]
    assert full[7] == selectors.entry_at(7)


@pytest.mark.parametrize(
    "path", ["tile/0/003", "tile/0/002.p/89", "tile/0/x000/001", "tile/0/000.p/256", "tile/2/000.p/1",
             "tile/entries/002", "tile/zz"],
)
def test_missing_and_non_canonical_tiles_are_404(log, path):
    assert Client().get(f"/log/{path}").status_code == 404


def test_log_info_and_proofs_are_public(log):
    info = Client().get("/api/v1/log/").json()
    assert info["origin"] == ORIGIN and info["tree_size"] == 600
    verifiers = [parse_log_key(vkey) for vkey in info["log_keys"]]
    open_note(info["checkpoint"].encode(), verifiers)
    root = parse_checkpoint(info["checkpoint"].split("\n\n")[0] + "\n").root_hash

    proof = Client().get("/api/v1/log/inclusion", {"index": 299}).json()
    assert proof["tree_size"] == 600
    leaf_hash = hash_leaf(_b64(proof["entry"]))
    assert leaf_hash == _b64(proof["leaf_hash"])
    verify_inclusion(299, 600, leaf_hash, [_b64(h) for h in proof["proof"]], root)

    by_record = Client().get("/api/v1/log/inclusion", {"kind": "test.record", "record_id": "R299"})
    assert by_record.json()["index"] == 299

    same = Client().get("/api/v1/log/consistency", {"old": 600}).json()
    assert same["proof"] == []  # the same tree
    consistency = Client().get("/api/v1/log/consistency", {"old": 300, "new": 600}).json()
    verify_consistency(300, 600, [_b64(h) for h in consistency["proof"]],
                       _root_of_size(300), root)


def _root_of_size(size: int) -> bytes:
    note = bytes(SignedCheckpoint.objects.get(size=size).note).decode()
    return parse_checkpoint(note.split("\n\n")[0] + "\n").root_hash


def test_the_receipt_endpoint_returns_an_offline_verifiable_file(log):
    response = Client().get("/api/v1/log/receipt", {"kind": "test.record", "record_id": "R42"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="entry-42.tlog-proof"'
    verifiers = [parse_log_key(vkey) for vkey in Client().get("/api/v1/log/").json()["log_keys"]]
    entry = selectors.entry_at(42)
    checkpoint = verify_receipt(parse_receipt(response.content), hash_leaf(entry), ORIGIN, verifiers)
    assert checkpoint.size == 600


@pytest.mark.parametrize(
    ("params", "status"),
    [({"index": 600}, 404), ({"kind": "test.record", "record_id": "nope"}, 404), ({}, 422),
     ({"index": -1}, 422)],
)
def test_bad_inclusion_queries(log, params, status):
    response = Client().get("/api/v1/log/inclusion", params)
    assert response.status_code == status
    assert set(response.json()) == {"code", "message", "fields"}


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"index": 0, "tree_size": 1}, {"index": 0}, {"index": 3, "tree_size": 5}])
def test_proofs_in_an_empty_log_are_404(params):
    response = Client().get("/api/v1/log/inclusion", params)  # a one-entry tree's proof reads no tile
    assert response.status_code == 404
    assert set(response.json()) == {"code", "message", "fields"}


@pytest.mark.parametrize(
    ("params", "status"), [({"old": 0}, 422), ({"old": 601}, 422), ({"old": 5, "new": 700}, 404)]
)
def test_bad_consistency_queries(log, params, status):
    assert Client().get("/api/v1/log/consistency", params).status_code == status


@pytest.mark.django_db(transaction=True)
def test_log_verify_audits_a_published_log_over_http(live_server, tmp_path):
    fill_log(300)
    fill_log(45, start=300)
    url = f"{live_server.url}/log"
    passed, output = run_verify(tmp_path / "state", "--tiles-url", url)
    assert passed, output
    assert "OK: 345 entries and 1 checkpoint(s) verified" in output
    edit_tile(0, 1, lambda data: flip_byte(data, 32 * 44 + 1))
    passed, output = run_verify(tmp_path / "state", "--tiles-url", url)
    assert not passed
    assert "tile/0/001.p/89 hash 44 was changed" in output
