"""Ledger test fixtures: no witnesses by default (the log's keys come from tests/conftest.py)."""

import pytest
from hypothesis import settings as hypothesis_settings

# Property tests over large trees take a variable time on a shared machine; tests never assert
# wall-clock time, so Hypothesis's per-example deadline is off.
hypothesis_settings.register_profile("ledger", deadline=None)
hypothesis_settings.load_profile("ledger")


@pytest.fixture(autouse=True)
def _ledger_settings(settings):
    settings.JILIANG_LEDGER_WITNESSES = []
    settings.JILIANG_LEDGER_WITNESS_QUORUM = 0
