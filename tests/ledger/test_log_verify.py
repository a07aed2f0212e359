"""`jiliang log verify`: after any change to a stored entry, tile hash, checkpoint or index row,
the audit names exactly that item, and only it."""

import pytest
from log_fixtures import edit_tile, fill_log, flip_byte, run_verify

from jiliang.ledger import auditor, selectors
from jiliang.ledger.entries import parse_entry
from jiliang.ledger.keys import log_keys
from jiliang.ledger.models import LogEntry, SignedCheckpoint, StoredTile, TreeHead
from jiliang.ledger.tiles import decode_entry_bundle, encode_entry_bundle

pytestmark = pytest.mark.django_db

ORIGIN = "ledger.bazhong.example/jiliang"


@pytest.fixture
def log():
    """A log of 600 entries with checkpoints at 300 and 600."""
    fill_log(300)
    fill_log(300, start=300)


def _problems() -> list[str]:
    report = auditor.audit_log(selectors.DatabaseLogSource(), ORIGIN, log_keys().verifiers())
    return report.problems


def _change_entry(bundle: bytes, position: int) -> bytes:
    entries = decode_entry_bundle(bundle)
    record = parse_entry(entries[position])
    digest = ("0" if record.sha256[0] != "0" else "1") + record.sha256[1:]
    forged = type(record)(record.kind, record.record_id, digest, record.time).to_bytes()
    return encode_entry_bundle(entries[:position] + [forged] + entries[position + 1 :])


def test_an_untouched_log_verifies(log, tmp_path):
    passed, output = run_verify(tmp_path / "state")
    assert passed, output
    assert "OK: 600 entries and 2 checkpoint(s) verified" in output


def test_a_changed_entry_is_named(log):
    edit_tile(-1, 0, lambda data: _change_entry(data, 5))
    problems = _problems()
    assert len(problems) == 1, problems
    assert problems[0].startswith("entry 5 (tile/entries/000 entry 5) was changed")


def test_a_changed_entry_in_the_partial_bundle_is_named(log):
    edit_tile(-1, 2, lambda data: _change_entry(data, 80))
    problems = _problems()
    assert len(problems) == 1, problems
    assert problems[0].startswith("entry 592 (tile/entries/002.p/88 entry 80) was changed")


def test_a_changed_level_0_tile_hash_is_named(log):
    edit_tile(0, 1, lambda data: flip_byte(data, 3 * 32 + 7))
    problems = _problems()
    assert len(problems) == 1, problems
    assert problems[0].startswith("tile/0/001 hash 3 was changed")


def test_a_changed_level_1_tile_hash_is_named(log):
    edit_tile(1, 0, lambda data: flip_byte(data, 32 + 31))
    problems = _problems()
    assert len(problems) == 1, problems
    assert problems[0].startswith("tile/1/000.p/2 hash 1 was changed")


def test_a_changed_checkpoint_is_named(log):
    row = SignedCheckpoint.objects.get(size=300)
    note = bytes(row.note)
    row.note = note.replace(b"\n300\n", b"\n299\n", 1)
    row.save()
    problems = _problems()
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"checkpoint of size 300 (row {row.pk}): signature check failed")


def test_a_checkpoint_filed_under_another_size_is_named(log):
    row = SignedCheckpoint.objects.get(size=300)
    SignedCheckpoint.objects.filter(pk=row.pk).update(size=301)
    problems = _problems()
    assert problems == [f"checkpoint of size 301 (row {row.pk}): filed under size 301 but signs size 300"]


def test_a_changed_index_row_is_named(log):
    LogEntry.objects.filter(index=7).update(record_id="R8")
    problems = _problems()
    assert len(problems) == 1, problems
    assert problems[0].startswith("record index row 7 says ('test.record', 'R8')")


def test_the_command_names_the_item_and_fails(log, tmp_path):
    edit_tile(0, 0, lambda data: flip_byte(data, 0))
    passed, output = run_verify(tmp_path / "state")
    assert not passed
    assert "tile/0/000 hash 0 was changed" in output
    assert "NOT consistent: 1 problem(s)" in output


def test_a_rewritten_history_is_caught_against_the_remembered_checkpoint(log, tmp_path):
    state = tmp_path / "state"
    assert run_verify(state)[0]
    # An operator with the keys and the database rebuilds the log with other entries.
    for model in (LogEntry, StoredTile, TreeHead, SignedCheckpoint):
        model.objects.all().delete()
    fill_log(700, start=10_000)
    assert _problems() == []  # on its own the forged log looks fine...
    passed, output = run_verify(state)
    assert not passed  # ...but not to an auditor who remembers what it saw
    assert "not consistent with the checkpoint of size 600 remembered from the last audit" in output
