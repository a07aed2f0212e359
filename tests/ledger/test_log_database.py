"""The database log: appends share the caller's transaction, the sequencer integrates them in
contiguous order, checkpoints are signed only for consistent trees, receipts verify offline."""

import pytest
from django.db import transaction
from ledger_testkit import reference_mth
from log_fixtures import fill_log

from jiliang.accounts import audit
from jiliang.accounts.models import AuditEvent
from jiliang.ledger import selectors, sequencer, services
from jiliang.ledger.checkpoint import open_checkpoint
from jiliang.ledger.cosignature import parse_log_key
from jiliang.ledger.entries import EntryError, document_digest, parse_entry
from jiliang.ledger.keys import log_keys
from jiliang.ledger.merkle import hash_leaf, verify_consistency
from jiliang.ledger.models import LogEntry, PendingEntry, SignedCheckpoint, StoredTile, TreeHead
from jiliang.ledger.receipt import parse_receipt, verify_receipt

pytestmark = pytest.mark.django_db

ORIGIN = "ledger.bazhong.example/jiliang"


@pytest.mark.django_db(transaction=True)
def test_append_outside_a_transaction_is_refused():
    with pytest.raises(services.LedgerOutsideTransaction):
        services.append("test.record", {"id": 1})


def test_an_append_in_a_rolled_back_transaction_leaves_nothing():
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        services.append("test.record", {"id": "gone"})
        raise Abort
    assert not PendingEntry.objects.exists()
    sequencer.publish()
    assert not LogEntry.objects.exists()
    assert selectors.tree_head().size == 0


def test_a_record_whose_append_fails_is_not_written():
    with pytest.raises(EntryError), transaction.atomic():
        audit.record(None, "test.write", object_type="test", object_id="1")
        services.append("Not A Kind", {"id": 1})
    assert not AuditEvent.objects.filter(action="test.write").exists()


def test_an_entry_is_a_canonical_record_without_the_document():
    document = {"id": 42, "name": "出租车计价器", "phone": "13800000000", "notes": "x" * 100_000}
    with transaction.atomic():
        services.append("registry.instrument_type", document)
    entry = bytes(PendingEntry.objects.get().data)
    record = parse_entry(entry)
    assert (record.kind, record.record_id) == ("registry.instrument_type", "42")
    assert record.sha256 == document_digest(document)
    assert b"13800000000" not in entry and len(entry) < 200


def test_the_sequencer_assigns_contiguous_indexes_across_batches():
    fill_log(700, batch_size=97)
    assert list(LogEntry.objects.values_list("index", flat=True)) == list(range(700))
    assert list(LogEntry.objects.values_list("record_id", flat=True)) == [f"R{n}" for n in range(700)]
    assert not PendingEntry.objects.exists()
    entries = [selectors.entry_at(i) for i in range(700)]
    head = selectors.tree_head()
    assert bytes(head.root_hash) == reference_mth([hash_leaf(e) for e in entries])
    # Tiles: two full level-0 tiles and bundles, the partial third, and a level-1 tile of width 2.
    stored = dict(StoredTile.objects.filter(level=0).values_list("index", "width"))
    assert stored == {0: 256, 1: 256, 2: 188}
    assert StoredTile.objects.get(level=1, index=0).width == 2


def test_checkpoints_carry_both_log_signatures_and_stay_consistent():
    fill_log(300)
    first = SignedCheckpoint.objects.get()
    assert sequencer.sign_checkpoint() is None  # nothing new to sign
    fill_log(211, start=300)
    second = SignedCheckpoint.objects.order_by("-size").first()
    keys = log_keys()
    old, old_note = open_checkpoint(bytes(first.note), ORIGIN, keys.verifiers())
    new, _ = open_checkpoint(bytes(second.note), ORIGIN, keys.verifiers())
    assert len(old_note.verified) == 2  # Ed25519 and ML-DSA-44
    proof = selectors.consistency_proof(old.size, new.size)
    verify_consistency(old.size, new.size, proof, old.root_hash, new.root_hash)


def test_the_log_refuses_to_sign_a_checkpoint_inconsistent_with_the_last():
    fill_log(300)
    # Someone with database access rewrites the history and adds to it.
    LogEntry.objects.all().delete()
    StoredTile.objects.all().delete()
    TreeHead.objects.all().delete()
    with transaction.atomic():
        for number in range(301):
            services.append("test.record", {"id": f"forged {number}"})
    sequencer.integrate_pending()
    with pytest.raises(sequencer.InconsistentTreeError):
        sequencer.sign_checkpoint()
    assert SignedCheckpoint.objects.count() == 1


def test_receipts_verify_offline_with_the_public_keys_only():
    fill_log(300)
    verifiers = [parse_log_key(vkey) for vkey in log_keys().vkeys()]
    for index in (0, 1, 255, 256, 299):
        receipt = parse_receipt(selectors.receipt(index).to_bytes())
        entry = selectors.entry_at(index)
        checkpoint = verify_receipt(receipt, hash_leaf(entry), ORIGIN, verifiers)
        assert checkpoint.size == 300
    with pytest.raises(ValueError):
        verify_receipt(receipt, hash_leaf(selectors.entry_at(3)), ORIGIN, verifiers)


def test_a_receipt_exists_only_once_the_entry_is_in_a_published_checkpoint():
    fill_log(10)
    with transaction.atomic():
        services.append("test.record", {"id": "late"})
    assert selectors.latest_index_of("test.record", "late") is None
    with pytest.raises(selectors.NotInLogError):
        selectors.receipt(10)
    services.publish_now()
    assert selectors.latest_index_of("test.record", "late") == 10
    assert selectors.receipt(10).index == 10


def test_the_frontier_is_rebuilt_from_storage_when_another_process_moved_the_tree():
    fill_log(300)
    sequencer._remember_frontier(None)
    fill_log(5, start=300)
    entries = [selectors.entry_at(i) for i in range(305)]
    assert bytes(selectors.tree_head().root_hash) == reference_mth([hash_leaf(e) for e in entries])
