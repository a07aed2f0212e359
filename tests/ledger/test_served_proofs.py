"""What the log API serves is checked against the log's signed checkpoint first, and a changed
tree head stops the sequencer with one clear line (issue 13, finding 10: a corrupted tile gave an
invalid proof with 200; a changed tree-head row made the sequencer stop with a traceback)."""

import io
import logging

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client
from log_fixtures import edit_tile, fill_log, flip_byte

from jiliang.ledger import services
from jiliang.ledger.models import TreeHead

pytestmark = pytest.mark.audit  # the security regression suite: `make audit`


@pytest.fixture
def log(db):
    fill_log(300)
    fill_log(300, start=300)


def _alarms(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "jiliang.ledger" and r.levelno >= logging.CRITICAL]


@pytest.mark.parametrize(("level", "index", "position"), [(0, 1, 5), (1, 0, 10), (-1, 0, 20)])
def test_a_corrupted_tile_is_not_served_as_a_proof(log, caplog, level, index, position):
    # Leaf 256's hash (in entry 300's proof), the hash of leaves 0-255 (too), entry 0's bytes.
    edit_tile(level, index, lambda data: flip_byte(data, position))
    query = {"index": 300 if level >= 0 else 0}
    response = Client().get("/api/v1/log/inclusion", query)
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "log_unverifiable" and "校验" in response.json()["message"]
    assert _alarms(caplog)
    assert Client().get("/api/v1/log/receipt", query).status_code == 503


def test_a_corrupted_tile_is_not_served_as_a_consistency_proof(log, caplog):
    edit_tile(0, 1, lambda data: flip_byte(data, (298 - 256) * 32 + 5))  # leaf 298: the old tree's last
    response = Client().get("/api/v1/log/consistency", {"old": 299, "new": 600})
    assert response.status_code == 503 and response.json()["code"] == "log_unverifiable"
    assert _alarms(caplog)


def test_proofs_that_do_not_read_the_corrupted_part_are_still_served(log):
    edit_tile(0, 1, lambda data: flip_byte(data, 5))  # leaf 256: entry 5's proof reads the level above
    assert Client().get("/api/v1/log/inclusion", {"index": 5}).status_code == 200


def test_proofs_of_unsigned_sizes_are_checked_against_the_next_signed_checkpoint(log):
    response = Client().get("/api/v1/log/inclusion", {"index": 3, "tree_size": 450})
    assert response.status_code == 200
    assert Client().get("/api/v1/log/consistency", {"old": 17, "new": 450}).status_code == 200


@pytest.mark.parametrize("change", [{"root_hash": b"\x01" * 32}, {"size": 599}, {"size": 700}])
def test_a_changed_tree_head_stops_the_sequencer_with_one_clear_line(log, caplog, change):
    TreeHead.objects.filter(pk=1).update(**change)
    with transaction.atomic():
        services.append("test.record", {"id": "after", "value": 1})
    with pytest.raises(CommandError) as stopped:
        call_command("log", "sequence", "--once", stdout=io.StringIO())
    assert "tree head" in str(stopped.value) and "jiliang log verify" in str(stopped.value)
    errors = [r for r in caplog.records if r.name == "jiliang.ledger" and r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is None
