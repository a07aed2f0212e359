"""Consumption as register deltas: shuffled batches, duplicates, first readings, resets (monitoring.md §6.7)."""

import random
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiliang.monitoring.rules.registers import consumption_by_bucket, register_steps, total_consumption
from jiliang.monitoring.rules.types import MeterReading

HOUR = timedelta(hours=1)
START = datetime(2025, 3, 1, 16, 0, tzinfo=timezone.utc)  # local midnight in Bazhong


def readings_from(uses: list[float], step=timedelta(minutes=15)) -> list[MeterReading]:
    register, out = 100.0, [MeterReading("W1", 0, START, 100.0)]
    for i, use in enumerate(uses, start=1):
        register += use
        out.append(MeterReading("W1", i, START + i * step, round(register, 6)))
    return out


uses = st.lists(st.floats(min_value=0, max_value=0.5, allow_nan=False), min_size=1, max_size=60)


@given(uses=uses, seed=st.integers(0, 2**32 - 1), batch=st.integers(1, 10))
def test_hourly_consumption_is_the_same_for_shuffled_duplicated_batches(uses, seed, batch):
    """#11090: ten readings per message, shuffled, some delivered twice → same hourly totals as ordered data."""
    ordered = readings_from(uses)
    rng = random.Random(seed)
    batches = [ordered[i:i + batch] for i in range(0, len(ordered), batch)]
    rng.shuffle(batches)
    delivered = [r for b in batches for r in rng.sample(b, len(b))] + rng.sample(ordered, min(3, len(ordered)))
    expected = consumption_by_bucket(register_steps(ordered, qmax_per_hour=3.125), HOUR)
    got = consumption_by_bucket(register_steps(delivered, qmax_per_hour=3.125), HOUR)
    assert got.keys() == expected.keys()
    assert all(got[k] == pytest.approx(expected[k], abs=1e-9) for k in expected)
    assert sum(got.values()) == pytest.approx(sum(uses), abs=1e-6)


@given(uses=uses)
def test_spreading_over_buckets_keeps_the_total(uses):
    steps = register_steps(readings_from(uses, step=timedelta(minutes=37)))
    assert sum(consumption_by_bucket(steps, HOUR).values()) == pytest.approx(sum(s.booked for s in steps), abs=1e-9)


def test_first_reading_ever_books_nothing():
    """#7273: the first value has no previous one; the lifetime register is not consumption."""
    assert total_consumption([MeterReading("W1", 0, START, 4817.3)]) == 0.0


def test_reset_and_recover_is_bounded_by_qmax():
    """sem-community#782: after a reset the register comes back with its lifetime total; nothing of it is booked."""
    readings = [
        MeterReading("E1", 0, START, 15_500.0),
        MeterReading("E1", 1, START + HOUR, 0.0),  # reset
        MeterReading("E1", 2, START + 2 * HOUR, 15_500.4),  # recover
        MeterReading("E1", 3, START + 3 * HOUR, 15_501.0),
    ]
    steps = register_steps(readings, qmax_per_hour=13.8)
    assert [s.status for s in steps] == ["decrease", "over_range", "ok"]
    assert total_consumption(readings, qmax_per_hour=13.8) == pytest.approx(0.6)
    assert total_consumption(readings, qmax_per_hour=13.8) <= 13.8 * 3


def test_decrease_is_not_rebased_but_a_recorded_replacement_counts_from_zero():
    readings = [MeterReading("W1", 0, START, 812.5), MeterReading("W1", 1, START + HOUR, 0.25)]
    assert register_steps(readings)[0].status == "decrease" and total_consumption(readings) == 0.0
    replaced = register_steps(readings, replacements=[START + HOUR / 2])
    assert replaced[0].status == "replacement" and replaced[0].booked == 0.25
