"""How the MQTT worker groups a batch's site shards into transactions (no database)."""

from hypothesis import given
from hypothesis import strategies as st

from jiliang.monitoring.worker import transactions_of


def test_a_small_batch_is_one_transaction_over_all_its_shards():
    assert transactions_of({0: ["a"], 2: ["b", "c"], 3: ["d"]}, 0) == {(0, 2, 3): ["a", "b", "c", "d"]}


def test_a_large_batch_is_a_transaction_per_shard_or_neighbouring_shards_together():
    parts = {0: ["a"], 1: ["b"], 2: ["c"], 3: ["d"]}
    assert transactions_of(parts, 4) == {(0,): ["a"], (1,): ["b"], (2,): ["c"], (3,): ["d"]}
    assert transactions_of(parts, 9) == transactions_of(parts, 4)
    assert transactions_of(parts, 2) == {(0, 1): ["a", "b"], (2, 3): ["c", "d"]}


def test_the_part_without_a_shard_takes_no_lock():
    assert transactions_of({None: ["a", "b"]}, 3) == {(): ["a", "b"]}


@given(st.dictionaries(st.integers(0, 15), st.lists(st.integers(), min_size=1), min_size=1), st.integers(-1, 20))
def test_every_message_in_exactly_one_transaction_and_every_shard_locked_once(parts, count):
    transactions = transactions_of(parts, count)
    assert 1 <= len(transactions) <= max(1, min(count, len(parts)))
    assert sorted(shard for group in transactions for shard in group) == sorted(parts)
    assert sorted(m for part in transactions.values() for m in part) == sorted(m for part in parts.values() for m in part)
    assert all(list(group) == sorted(group) for group in transactions)
