"""Fixtures shared by the rule tests: the shipped rulebook and a clock."""

from datetime import datetime, timedelta, timezone

import pytest

from jiliang.monitoring.rules.thresholds import load_rulebook

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def rulebook():
    return load_rulebook()


@pytest.fixture
def at():
    """at(minutes=…, hours=…, days=…) → T0 + offset."""
    return lambda **offset: T0 + timedelta(**offset)
