"""Ledger test fixtures: a fresh log key directory per test session, no witnesses by default."""

import pytest
from hypothesis import settings as hypothesis_settings

# Property tests over large trees take a variable time on a shared machine; tests never assert
# wall-clock time, so Hypothesis's per-example deadline is off.
hypothesis_settings.register_profile("ledger", deadline=None)
hypothesis_settings.load_profile("ledger")


@pytest.fixture(scope="session")
def ledger_key_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("ledger-keys")


@pytest.fixture(autouse=True)
def _ledger_settings(settings, ledger_key_dir):
    settings.JILIANG_LEDGER_KEY_DIR = ledger_key_dir
    settings.JILIANG_LEDGER_ORIGIN = "ledger.bazhong.example/jiliang"
    settings.JILIANG_LEDGER_WITNESSES = []
    settings.JILIANG_LEDGER_WITNESS_QUORUM = 0
